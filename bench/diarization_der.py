"""Diarization error rate of qualkit's offline speaker finding on two-speaker conversations.

First figure, real voices: conversations assembled from real recordings of different speakers
that ship in PyPI packages (bench/der_voices.py: the two women of pyannote.audio's sample call,
four speakers of pocketsphinx's test recordings; fetched once with pip download into a cache,
SHA-256 checked), with alternating turns of different lengths, pauses between them and a mono
mix; plus pyannote's sample call itself, as recorded (its overlapping speech left out of the
score). Second figure, a check on synthetic voices: Danish conversations of espeak-ng voices
of different variants and pitch (tests/speech.py).

Each conversation is transcribed once (offline Whisper base model, word times; language found
by Whisper for the English recordings, Danish for espeak-ng), then qualkit's speaker step
(``pipeline.label_voices``: voice embeddings, clustering, word alignment) runs with the number
of speakers found automatically and with "2 speakers". Scored frame by frame (10 ms) against
the reference turns with the best speaker mapping and a 0.25 s collar around each reference
boundary: DER = (missed speech + false alarm + speaker confusion) / reference speech.

Two hypotheses are scored. "turns in speech" (the headline figure): qualkit's speaker turns
(segment start to end, as stored) where Silero VAD finds speech: who speaks when, as
diarization output usually is. "word spans": only the spans of
Whisper's words, which also counts Whisper's word-timing gaps as missed speech (most of that
figure's error is this, not speakers confused). The real-voice references are Silero VAD
spans of each clip, so on them the speech edges agree by construction and the figure is mostly
speaker confusion and words Whisper missed; the espeak-ng references are exact.

    .venv/bin/python bench/diarization_der.py [--pairs 4] [--seconds 60] [--no-real]
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.speech import CONVERSATION, conversation  # noqa: E402

PAIRS = [
    {"A": ("da+m3", 35), "B": ("da+f3", 70)},
    {"A": ("da+m1", 50), "B": ("da+f2", 60)},
    {"A": ("da", 40), "B": ("da+m7", 65)},
    {"A": ("da+f4", 45), "B": ("da+m2", 50)},
]
FRAME = 0.01
COLLAR = 0.25


def der(
    ref: list[tuple[float, float, str]],
    hyp: list[tuple[float, float, str]],
    unscored: list[tuple[float, float]] = (),  # type: ignore[assignment]
) -> float:
    """Frame-level DER with the optimal one-to-one speaker mapping and a collar; frames in
    ``unscored`` (overlapping speech, which one label per frame cannot score) are left out."""
    from scipy.optimize import linear_sum_assignment

    end = max([e for _, e, _ in ref] + [e for _, e, _ in hyp])
    n = int(end / FRAME) + 1
    rs, hs = sorted({s for *_, s in ref}), sorted({s for *_, s in hyp})
    r = np.full(n, -1)
    h = np.full(n, -1)
    scored = np.ones(n, dtype=bool)
    for a, b, s in ref:
        r[int(a / FRAME) : int(b / FRAME)] = rs.index(s)
        for t in (a, b):
            scored[max(0, int((t - COLLAR) / FRAME)) : int((t + COLLAR) / FRAME)] = False
    for a, b in unscored:
        scored[int(a / FRAME) : int(b / FRAME)] = False
    for a, b, s in hyp:
        h[int(a / FRAME) : int(b / FRAME)] = hs.index(s)
    r, h = r[scored], h[scored]
    speech = r >= 0
    missed = np.sum(speech & (h < 0))
    false_alarm = np.sum(~speech & (h >= 0))
    both = speech & (h >= 0)
    overlap = np.zeros((len(rs), max(1, len(hs))))
    for i in range(len(rs)):
        for j in range(len(hs)):
            overlap[i, j] = np.sum(both & (r == i) & (h == j))
    rows, cols = linear_sum_assignment(-overlap)
    confusion = np.sum(both) - overlap[rows, cols].sum()
    return float((missed + false_alarm + confusion) / max(1, speech.sum()))


def hypothesis(segments) -> list[tuple[float, float, str]]:
    """Speaker turns from the words (a segment's span includes its inner pauses)."""
    out = []
    for s in segments:
        words = s.words or []
        spans = [(w.start, w.end) for w in words] or [(s.start, s.end)]
        out += [(a, b, s.speaker or "?") for a, b in spans]
    return out


def speech_regions(mono: np.ndarray) -> list[tuple[float, float]]:
    """Where the recording has speech, in seconds: Silero VAD (inside faster-whisper, which
    qualkit's transcription already runs), minimum pause 160 ms as in qualkit's decoding."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(
        np.asarray(mono, dtype=np.float32),
        VadOptions(min_silence_duration_ms=160, speech_pad_ms=30),
    )
    return [(t["start"] / 16000, t["end"] / 16000) for t in found]


def turns_in_speech(segments, speech) -> list[tuple[float, float, str]]:
    """Speaker turns as qualkit stores them (each segment's start to end, with its speaker)
    where the recording has speech: who speaks when, the usual diarization output, scored
    without Whisper's word-timing gaps and without the pauses inside a turn."""
    out = []
    for s in segments:
        for x, y in speech:
            a, b = max(s.start, x), min(s.end, y)
            if b > a:
                out.append((a, b, s.speaker or "?"))
    return out


def score(
    label: str,
    wav: Path,
    ref: list[tuple[float, float, str]],
    language: str | None,
    unscored: list[tuple[float, float]] = (),  # type: ignore[assignment]
) -> dict[str, float]:
    """Transcribe once, then qualkit's speaker step with automatic and with 2 speakers."""
    from qualkit.transcription import audio, diarize
    from qualkit.transcription.pipeline import label_voices, transcribe_file

    t0 = time.perf_counter()
    words = transcribe_file(wav, language=language, speakers=1)
    mono = audio.read_all(wav).mono
    speech = speech_regions(mono)
    out = {}
    cells = []
    for setting, n in (("auto", None), ("2", 2)):
        segments = copy.deepcopy(words.segments)
        collector = diarize.Collector()
        collector.add(mono, 0.0, segments)
        segments, voices = label_voices(segments, collector, n)
        out[setting] = der(ref, turns_in_speech(segments, speech), unscored)
        out[f"{setting} words"] = der(ref, hypothesis(segments), unscored)
        cells.append(
            f"{setting}: {len(voices) or 1} found, DER {out[setting]:.1%} "
            f"(word spans {out[setting + ' words']:.1%})"
        )
    print(
        f"  {label}: {ref[-1][1]:.0f} s; "
        + "; ".join(cells)
        + f" ({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    return out


def summary(title: str, scores: list[dict[str, float]]) -> None:
    if not scores:
        return
    for what, suffix in (("turns in speech", ""), ("word spans", " words")):
        auto = [s["auto" + suffix] for s in scores]
        two = [s["2" + suffix] for s in scores]
        print(
            f"{title} [{what}]: median DER {np.median(auto):.1%} with the speaker count found, "
            f"{np.median(two):.1%} with 2 speakers (mean {np.mean(auto):.1%} / "
            f"{np.mean(two):.1%}, worst {max(auto):.1%} / {max(two):.1%}; {len(scores)} "
            f"conversations, collar {COLLAR} s)"
        )


def overlaps(turns: list[tuple[float, float, str]]) -> list[tuple[float, float]]:
    return [
        (max(a, c), min(b, d))
        for i, (a, b, s) in enumerate(turns)
        for c, d, t in turns[i + 1 :]
        if s != t and c < b and d > a
    ]


def real_voices(folder: Path, seconds: float) -> list[dict[str, float]]:
    import der_voices as dv

    try:
        recorded, call = dv.pyannote_sample()
        others = dv.pocketsphinx_voices()
    except dv.Unavailable as exc:
        print(f"real voices: not measured: {exc}")
        return []
    voices = call + others
    print("real voices (PyPI packages):")
    for v in voices:
        print(f"  {v.name}: {len(v.clips)} clips, {v.seconds:.1f} s ({v.source})")
    pairs = [
        (0, 1),  # Diane / Sheila: the same telephone call, the hardest pair
        (2, 3),  # LibriVox reader / AN4 speaker
        (2, 4),  # LibriVox reader / cards speaker
        (3, 5),  # AN4 speaker / goforward speaker
        (4, 5),  # cards speaker / goforward speaker
        (0, 2),  # Diane (telephone) / LibriVox reader
        (1, 3),  # Sheila (telephone) / AN4 speaker
    ]
    scores = []
    for i, (a, b) in enumerate(pairs):
        mix, ref = dv.assemble(voices[a], voices[b], seconds, seed=i)
        wav = dv.write_wav(folder / f"real{i}.wav", mix)
        scores.append(score(f"{voices[a].name} / {voices[b].name}", wav, ref, None))
    summary("real voices, assembled conversations", scores)
    wav = dv.write_wav(folder / "pyannote_sample.wav", recorded.samples)
    as_recorded = score(recorded.name, wav, recorded.turns, None, overlaps(recorded.turns))
    summary("real voices, assembled + the call as recorded", [*scores, as_recorded])
    return scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=len(PAIRS), help="espeak-ng pairs")
    ap.add_argument("--repeat", type=int, default=2, help="times the 6-turn script is repeated")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of a real-voice mix")
    ap.add_argument("--no-real", action="store_true", help="only the espeak-ng check")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    folder = Path(tempfile.mkdtemp(prefix="qualkit-der-"))
    if not args.no_real:
        real_voices(folder, args.seconds)
    scores = []
    print("espeak-ng voices (second check):")
    for i, voices in enumerate(PAIRS[: args.pairs]):
        wav, ref = conversation(folder, CONVERSATION * args.repeat, voices, name=f"pair{i}.wav")
        label = f"{voices['A'][0]}/p{voices['A'][1]} vs {voices['B'][0]}/p{voices['B'][1]}"
        scores.append(score(label, wav, ref, "da"))
    summary("espeak-ng voices", scores)


if __name__ == "__main__":
    main()
