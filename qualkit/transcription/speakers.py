"""Who speaks: one voice per channel in a stereo recording, or pyannote where installed.

Interview recorders often put one microphone on each channel. Per segment, the channel
with clearly more energy names the speaker ("Kanal 1", "Kanal 2"). A recording whose
channels carry the same signal (correlation above ``SAME_SIGNAL``, whatever the gain or a
little noise: a phone's mono track written twice) is treated as mono, and its speakers come
from the voices (``diarize``). pyannote.audio
is used only when it is installed and a local pipeline folder is given
(``QUALKIT_PYANNOTE_MODEL``); it is never required.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .audio import SAMPLE_RATE
from .engines import Piece

CHANNEL_LABELS = ("Kanal 1", "Kanal 2")
# Louder channel must carry this much more energy (about 3 dB) to decide.
RATIO = 2.0
SAME_SIGNAL = 0.9  # Pearson correlation of the two channels


def channel_correlation(samples: np.ndarray) -> float:
    """Correlation of the two channels of a (2, n) block (1.0 for a copied mono track)."""
    if samples.ndim != 2 or samples.shape[0] < 2 or samples.shape[1] == 0:
        return 1.0
    left = samples[0].astype(np.float64)
    right = samples[1].astype(np.float64)
    left, right = left - left.mean(), right - right.mean()
    norm = float(np.sqrt((left * left).sum() * (right * right).sum()))
    if norm < 1e-12:
        return 1.0
    return float((left * right).sum() / norm)


def channels_differ(samples: np.ndarray) -> bool:
    """True when a (2, n) block holds two different signals, not a copied mono track."""
    if samples.ndim != 2 or samples.shape[0] < 2 or samples.shape[1] == 0:
        return False
    if float(np.mean(samples[:2].astype(np.float64) ** 2)) < 1e-10:
        return False
    return channel_correlation(samples) < SAME_SIGNAL


def channel_speaker(samples: np.ndarray, start: float, end: float) -> str | None:
    """The speaker of a stretch by channel energy, or None if neither channel dominates."""
    a = max(0, int(start * SAMPLE_RATE))
    b = min(samples.shape[1], max(a + 1, int(end * SAMPLE_RATE)))
    if b <= a:
        return None
    energy = (samples[:2, a:b].astype(np.float64) ** 2).mean(axis=1)
    loud, quiet = (0, 1) if energy[0] >= energy[1] else (1, 0)
    if energy[loud] < 1e-8 or energy[loud] < RATIO * energy[quiet]:
        return None
    return CHANNEL_LABELS[loud]


def label_by_channel(samples: np.ndarray, pieces: Sequence[Piece]) -> None:
    """Set ``speaker`` on each piece of a stereo chunk (times relative to the chunk)."""
    if not channels_differ(samples):
        return
    for piece in pieces:
        piece.speaker = channel_speaker(samples, piece.start, piece.end)


def pyannote_folder() -> str | None:
    """A local pyannote pipeline folder, when pyannote.audio is installed and one is set."""
    folder = os.environ.get("QUALKIT_PYANNOTE_MODEL")
    if not folder or not os.path.isdir(folder):
        return None
    try:
        import pyannote.audio  # noqa: F401
    except ImportError:
        return None
    return folder


def label_by_diarization(audio_path: str, pieces: Sequence[Piece], folder: str) -> None:
    """Give each piece the pyannote speaker that overlaps it most ("Taler 1", ...)."""
    from pyannote.audio import Pipeline

    pipeline = Pipeline.from_pretrained(folder)
    turns = [
        (t.start, t.end, spk) for t, _, spk in pipeline(audio_path).itertracks(yield_label=True)
    ]
    names: dict[str, str] = {}
    for piece in pieces:
        overlap: dict[str, float] = {}
        for s, e, spk in turns:
            o = min(e, piece.end) - max(s, piece.start)
            if o > 0:
                overlap[spk] = overlap.get(spk, 0.0) + o
        if overlap:
            spk = max(overlap, key=overlap.get)
            piece.speaker = names.setdefault(spk, f"Taler {len(names) + 1}")
