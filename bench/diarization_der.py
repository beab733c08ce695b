"""Diarization error rate of qualkit's offline speaker finding on assembled conversations.

Two-speaker Danish conversations are assembled from espeak-ng voices of different variants
and pitch (tests/speech.py; no real two-speaker Danish recording ships in a package), run
through the whole pipeline (offline Whisper base model, word times, voice embeddings,
clustering with the number of speakers found automatically) and scored frame by frame
(10 ms) against the reference turns with the best speaker mapping and a 0.25 s collar at each
reference boundary. DER = (missed speech + false alarm + speaker confusion) / reference speech.

    .venv/bin/python bench/diarization_der.py [--pairs 3]
"""

from __future__ import annotations

import argparse
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


def der(ref: list[tuple[float, float, str]], hyp: list[tuple[float, float, str]]) -> float:
    """Frame-level DER with the optimal one-to-one speaker mapping and a collar."""
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=len(PAIRS))
    ap.add_argument("--repeat", type=int, default=2, help="times the 6-turn script is repeated")
    args = ap.parse_args()
    from qualkit.transcription.pipeline import transcribe_file

    folder = Path(tempfile.mkdtemp(prefix="qualkit-der-"))
    scores = []
    for i, voices in enumerate(PAIRS[: args.pairs]):
        wav, ref = conversation(folder, CONVERSATION * args.repeat, voices, name=f"pair{i}.wav")
        t0 = time.perf_counter()
        result = transcribe_file(wav, language="da")
        wall = time.perf_counter() - t0
        found = sorted({s.speaker for s in result.segments if s.speaker})
        d = der(ref, hypothesis(result.segments))
        scores.append(d)
        print(
            f"pair {i + 1} {voices['A'][0]}/p{voices['A'][1]} vs {voices['B'][0]}/p{voices['B'][1]}: "
            f"{ref[-1][1]:.0f} s, {len(found)} speakers found ({', '.join(found)}), "
            f"DER {d:.1%}, {wall:.1f} s"
        )
    print(f"mean DER over {len(scores)} two-speaker conversations: {np.mean(scores):.1%}")


if __name__ == "__main__":
    main()
