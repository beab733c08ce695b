"""Transcription speed, memory and word error rate of the offline Whisper base model (int8).

Danish speech is made with espeak-ng from a pool of interview-like sentences and cached
under /tmp/qualkit-bench. Each run is a fresh process (model load included in the time);
peak RSS is that process's maximum resident memory. Prints medians.

    .venv/bin/python bench/transcribe_rtf.py [--runs 3] [--long-minutes 10] [--beam 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("QUALKIT_BENCH_CACHE", "/tmp/qualkit-bench"))
SENTENCES = [
    "Jeg har været sygemeldt i et halvt år, og nu vil jeg gerne tilbage til arbejdet.",
    "Hvordan var det første møde med jobkonsulenten?",
    "Det var godt, fordi vi talte om min arbejdsplads og min ryg.",
    "Vi havde et trepartsmøde med lægen og min leder i sidste uge.",
    "Jobkonsulenten ringede til mig hver fjortende dag.",
    "Jeg synes, at det hjalp at have en fast kontaktperson i kommunen.",
    "Min leder var positiv over for en gradvis tilbagevenden.",
    "Vi aftalte, at jeg skulle starte med ti timer om ugen.",
    "Nogle gange var jeg meget træt efter behandlingen.",
    "Fysioterapeuten gav mig øvelser, som jeg kunne lave derhjemme.",
    "Det var svært at forstå reglerne for sygedagpenge.",
    "Jeg fik hjælp til at udfylde papirerne fra jobcentret.",
    "Hvad betød samtalerne for din motivation?",
    "Jeg følte mig taget alvorligt, og det gjorde en stor forskel.",
    "Efter tre måneder var jeg oppe på fuld tid igen.",
    "Kan du fortælle lidt mere om samarbejdet med hospitalet?",
]


def _espeak(text: str, out: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", "da", "-s", "160", "-w", str(out), text], check=True)
    with wave.open(str(out)) as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert rate == 22050, rate
    return data


def make_speech(seconds: float) -> tuple[Path, str]:
    """A WAV of at least ``seconds`` of Danish speech and its reference text (cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wav, ref = CACHE / f"speech_{int(seconds)}s.wav", CACHE / f"speech_{int(seconds)}s.txt"
    if wav.exists() and ref.exists():
        return wav, ref.read_text(encoding="utf-8")
    clips = {}
    for i, s in enumerate(SENTENCES):
        clips[i] = _espeak(s, CACHE / f"sentence_{i}.wav")
    gap = np.zeros(int(0.6 * 22050), dtype="<i2")
    parts, words, total, i = [], [], 0, 0
    while total < seconds * 22050:
        k = i % len(SENTENCES)
        parts += [clips[k], gap]
        words.append(SENTENCES[k])
        total += len(clips[k]) + len(gap)
        i += 1
    tmp = wav.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(np.concatenate(parts).tobytes())
    os.replace(tmp, wav)
    ref.write_text(" ".join(words), encoding="utf-8")
    return wav, " ".join(words)


CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from qualkit.transcription.pipeline import transcribe_file
r = transcribe_file(sys.argv[1], language="da", engine=sys.argv[2], beam_size=int(sys.argv[3])) \
    if sys.argv[2] == "faster-whisper" else transcribe_file(sys.argv[1], model="base", language="da", engine=sys.argv[2])
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "duration": r.duration, "model": r.model,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "text": " ".join(s.text for s in r.segments)}))
"""


def run_once(wav: Path, engine: str = "faster-whisper", beam: int = 5) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(wav), engine, str(beam)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-zæøå0-9]+", text.lower())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance / reference length."""
    r, h = _words(reference), _words(hypothesis)
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        cur = [i] + [0] * len(h)
        for j, hw in enumerate(h, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rw != hw))
        prev = cur
    return prev[-1] / max(1, len(r))


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of the 30-second clip")
    ap.add_argument(
        "--long-minutes", type=float, default=10.0, help="length of the long file (0: skip)"
    )
    ap.add_argument("--beam", type=int, default=5)
    args = ap.parse_args()
    from qualkit.transcription.models import prepare_offline_model

    prepare_offline_model()
    print(f"cores: {os.cpu_count()}  load before: {load()}")
    short, short_ref = make_speech(30)
    runs = [run_once(short, beam=args.beam) for _ in range(args.runs)]
    rtf = statistics.median(r["wall"] / r["duration"] for r in runs)
    walls = ", ".join(f"{r['wall']:.1f}" for r in runs)
    print(f"model: {runs[0]['model']}  (faster-whisper, int8 CPU, beam {args.beam})")
    print(
        f"30 s clip ({runs[0]['duration']:.1f} s audio): median RTF {rtf:.3f} over {len(runs)} runs "
        f"(walls {walls} s, model load included), "
        f"median WER {statistics.median(wer(short_ref, r['text']) for r in runs):.1%}, "
        f"peak RSS {max(r['rss_mb'] for r in runs):.0f} MB"
    )
    print(f"load after 30 s runs: {load()}")
    if args.long_minutes > 0:
        long, long_ref = make_speech(args.long_minutes * 60)
        r = run_once(long, beam=args.beam)
        print(
            f"{args.long_minutes:g} min file ({r['duration']:.1f} s audio): RTF {r['wall'] / r['duration']:.3f} "
            f"(wall {r['wall']:.1f} s), peak RSS {r['rss_mb']:.0f} MB, WER {wer(long_ref, r['text']):.1%}"
        )
        print(f"load after long run: {load()}")
    try:
        import whisper  # noqa: F401
    except ImportError:
        print(
            "openai-whisper: not installed (pip install -e '.[openai-whisper]'); no ratio measured"
        )
    else:
        o = run_once(short, engine="openai-whisper")
        print(
            f"openai-whisper base on the 30 s clip: RTF {o['wall'] / o['duration']:.3f}; "
            f"ratio openai/faster = {o['wall'] / statistics.median(r['wall'] for r in runs):.1f}x"
        )


if __name__ == "__main__":
    main()
