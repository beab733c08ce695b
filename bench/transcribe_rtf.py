"""Transcription speed of qualkit beside plain faster-whisper, same audio and model, one run.

Side by side on the same Danish speech (espeak-ng, a pool of interview-like sentences, cached
under /tmp/qualkit-bench) and the same offline Whisper base model (int8, beam 5): plain
faster-whisper sequential (`WhisperModel.transcribe`, VAD), plain `BatchedInferencePipeline`
(batch 8) without and with word timestamps, and qualkit's `transcribe_file` (batched, word
timestamps, cuts at pauses; speakers off unless --speakers). Each is a fresh
process, model load included; peak RSS and CPU seconds (user + system, all threads) are that
process's. The wall ratio is the median of the per-run ratios (each run's modes back to back, so
under the same load); CPU seconds are the steadier figure on a machine shared with others.
Target: qualkit within 1.2x of plain batched.

    .venv/bin/python bench/transcribe_rtf.py [--seconds 167] [--short 30] [--runs 1] [--speakers]
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
mode, wav, beam = sys.argv[1], sys.argv[2], int(sys.argv[3])
kw = dict(language="da", beam_size=beam, condition_on_previous_text=False,
          temperature=(0.0, 0.4, 0.8))
if mode.startswith("qualkit"):
    from qualkit.transcription.pipeline import transcribe_file
    r = transcribe_file(wav, language="da", beam_size=beam,
                        speakers=None if mode == "qualkit+speakers" else 1)
    text, duration, model = " ".join(s.text for s in r.segments), r.duration, r.model
    extra = {"decoding": r.decoding, "speakers": sorted({s.speaker for s in r.segments if s.speaker})}
elif mode.startswith("plain"):
    from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
    from qualkit.transcription.models import prepare_offline_model
    model = str(prepare_offline_model())
    m = WhisperModel(model, device="cpu", compute_type="int8", cpu_threads=0)
    samples = decode_audio(wav)
    if mode == "plain-sequential":
        segs, _ = m.transcribe(samples, vad_filter=True,
                               vad_parameters={"min_silence_duration_ms": 500}, **kw)
    else:
        segs, _ = BatchedInferencePipeline(m).transcribe(
            samples, batch_size=8, word_timestamps=mode == "plain-batched+words", **kw)
    segs = list(segs)
    text, duration, extra = " ".join(s.text.strip() for s in segs), len(samples) / 16000, {}
else:  # openai-whisper, the reference
    from qualkit.transcription.pipeline import transcribe_file
    r = transcribe_file(wav, model="base", language="da", engine="openai-whisper", speakers=1)
    text, duration, model, extra = " ".join(s.text for s in r.segments), r.duration, r.model, {}
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "duration": duration,
                  "model": model, "text": text, "rss_mb": ru.ru_maxrss / 1024, **extra}))
"""

MODES = ("plain-sequential", "plain-batched", "plain-batched+words", "qualkit")


def run_once(wav: Path, mode: str = "qualkit", beam: int = 5) -> dict:
    """One fresh process (model load included in the wall time)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(wav), str(beam)],
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


def side_by_side(wav: Path, ref: str, beam: int, runs: int, speakers: bool) -> None:
    """Each mode on the same audio and model, in fresh processes, interleaved run by run."""
    modes = [*MODES, "qualkit+speakers"] if speakers else list(MODES)
    walls: dict[str, list[float]] = {m: [] for m in modes}
    cpus: dict[str, list[float]] = {m: [] for m in modes}
    ratios: list[float] = []  # qualkit / plain batched within each run (same load)
    last: dict[str, dict] = {}
    for i in range(runs):
        for m in modes:
            r = run_once(wav, m, beam)
            walls[m].append(r["wall"])
            cpus[m].append(r["cpu"])
            last[m] = r
        ratios.append(walls["qualkit"][-1] / walls["plain-batched"][-1])
        print(
            f"  run {i + 1}: "
            + "  ".join(f"{m} {walls[m][-1]:.1f} s" for m in modes)
            + f"  qualkit/batched {ratios[-1]:.2f}  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    duration = last["qualkit"]["duration"]
    base = statistics.median(walls["plain-batched"])
    base_cpu = statistics.median(cpus["plain-batched"])
    print(f"{wav.name}: {duration:.1f} s of Danish speech, beam {beam}, median of {runs} run(s)")
    for m in modes:
        w, c = statistics.median(walls[m]), statistics.median(cpus[m])
        extra = ""
        if m.startswith("qualkit"):
            extra = f"  [{last[m].get('decoding')}; speakers {last[m].get('speakers') or '-'}]"
        print(
            f"  {m:<20} wall {w:6.1f} s  RTF {w / duration:.3f}  x{w / base:.2f} of plain batched"
            f"  CPU {c:6.1f} s x{c / base_cpu:.2f}"
            f"  WER {wer(ref, last[m]['text']):.1%}  RSS {last[m]['rss_mb']:.0f} MB{extra}"
        )
    q = statistics.median(ratios)
    qc = statistics.median(cpus["qualkit"]) / base_cpu
    print(
        f"  qualkit / plain batched = {q:.2f} wall (median of the per-run ratios; target <= 1.2),"
        f" {qc:.2f} CPU seconds"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="runs of each mode (median)")
    ap.add_argument("--seconds", type=float, default=167.0, help="length of the speech file")
    ap.add_argument("--short", type=float, default=30.0, help="a short clip too (0: skip)")
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument(
        "--speakers", action="store_true", help="also time qualkit with speaker finding"
    )
    args = ap.parse_args()
    from qualkit.transcription.models import prepare_offline_model

    prepare_offline_model()
    print(f"cores: {os.cpu_count()}  load before: {load()}")
    for seconds in [s for s in (args.short, args.seconds) if s > 0]:
        wav, ref = make_speech(seconds)
        side_by_side(wav, ref, args.beam, args.runs, args.speakers)
        print(f"load after: {load()}")
    try:
        import whisper  # noqa: F401
    except ImportError:
        print("openai-whisper: not installed (pip install -e '.[openai-whisper]'); not measured")
    else:
        short, _ = make_speech(args.short or 30)
        o = run_once(short, "openai-whisper")
        print(f"openai-whisper base on the short clip: RTF {o['wall'] / o['duration']:.3f}")


if __name__ == "__main__":
    main()
