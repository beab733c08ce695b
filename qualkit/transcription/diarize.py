"""Who speaks when in a mono recording, offline: voice embeddings, clustering, word alignment.

Speech is where Whisper found words (Silero VAD already removed the silence). Over that
speech, windows of 1.6 s every 0.75 s are embedded with Resemblyzer's voice encoder (a
3-layer LSTM over 40 mel bands; its trained weights, ``pretrained.pt``, ship inside the
``resemblyzer`` package on PyPI, so nothing is downloaded). The windows are clustered
(agglomerative, cosine, average linkage) with the number of speakers chosen automatically
between 1 and 6 (silhouette, and a floor on how far apart two voices must be), unless the
user gives it; k-means (cosine) then refines that partition, which separates two similar
voices that the tree alone lumps together. Each word gets the speaker of the windows around it, and a segment whose
words change speaker is split there.

Why Resemblyzer: its weights are on PyPI (pyannote's and SpeechBrain's models live on a model
hub), 17 MB, and it runs at well over 50x real time on one CPU core. Only ``pretrained.pt``
is used; the encoder's forward pass is here (torch's LSTM), so Resemblyzer's own audio
helpers (webrtcvad, pkg_resources) are never imported.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qualkit.errors import InputError

from .audio import SAMPLE_RATE
from .engines import Piece, Word

WINDOW = 1.6  # seconds (Resemblyzer's partial utterance: 160 mel frames)
HOP = 0.75
MAX_SPEAKERS = 6
# Two clusters whose centroids are more alike than this are one voice.
SAME_VOICE = 0.80
MIN_SILHOUETTE = 0.12
MAX_CLUSTERED = 1500  # windows clustered directly; the rest join their nearest centroid
MIN_RUN_SECONDS = 0.8  # a shorter run of words by another speaker joins its neighbours
LABEL = "Taler {}"


def weights_file() -> Path | None:
    """Resemblyzer's pretrained.pt, found without importing the package."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    return path if path.is_file() else None


def available() -> bool:
    if weights_file() is None:
        return False
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "librosa"))


class VoiceEncoder:
    """Resemblyzer's speaker encoder: 1.6 s of 16 kHz speech -> a 256-d unit vector."""

    def __init__(self) -> None:
        path = weights_file()
        if path is None or not available():
            raise InputError(
                "Talergenkendelse kræver pakkerne resemblyzer, torch og librosa: "
                "pip install -e '.[diarization]'."
            )
        import librosa
        import torch

        # One thread: on a shared CPU more threads fight the transcription (10x slower).
        torch.set_num_threads(1)
        self._filters = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=400, n_mels=40).astype(np.float32)
        self._window = np.hanning(401)[:-1].astype(np.float32)  # periodic Hann, as librosa
        state = torch.load(path, map_location="cpu", weights_only=True)["model_state"]
        self._torch = torch
        self.lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
        self.linear = torch.nn.Linear(256, 256)
        self.lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
        self.linear.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
        self.lstm.eval()
        self.linear.eval()

    def _mel(self, wav: np.ndarray) -> np.ndarray:
        """(frames, 40) mel power spectrogram, as Resemblyzer computes it with librosa
        (25 ms Hann window, 10 ms hop, centred, zero-padded), in numpy."""
        padded = np.pad(wav, 200)
        frames = np.lib.stride_tricks.sliding_window_view(padded, 400)[::160] * self._window
        power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
        return (power.astype(np.float32) @ self._filters.T).astype(np.float32)

    def embed(self, windows: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 256) unit vectors, one per window of ``WINDOW`` seconds (shorter ones padded)."""
        n = int(WINDOW * SAMPLE_RATE)
        mels = []
        for w in windows:
            w = np.asarray(w, dtype=np.float32)[:n]
            rms = float(np.sqrt(np.mean(w * w))) if w.size else 0.0
            if rms > 1e-6:  # Resemblyzer's volume normalisation: -30 dBFS, increase only
                w = w * min(10.0, 10 ** (-30 / 20) / rms) if rms < 10 ** (-30 / 20) else w
            if w.shape[0] < n:
                w = np.pad(w, (0, n - w.shape[0]))
            mels.append(self._mel(w)[:160])
        if not mels:
            return np.zeros((0, 256), dtype=np.float32)
        torch = self._torch
        out = []
        with torch.inference_mode():
            for i in range(0, len(mels), 256):
                batch = torch.from_numpy(np.stack(mels[i : i + 256]))
                _, (hidden, _) = self.lstm(batch)
                raw = torch.relu(self.linear(hidden[-1]))
                out.append((raw / raw.norm(dim=1, keepdim=True).clamp_min(1e-9)).numpy())
        return np.concatenate(out)


_ENCODER: VoiceEncoder | None = None
_LOCK = threading.Lock()


def encoder() -> VoiceEncoder:
    global _ENCODER
    with _LOCK:
        if _ENCODER is None:
            _ENCODER = VoiceEncoder()
        return _ENCODER


def speech_spans(words: Sequence[Word], join: float = 0.5) -> list[tuple[float, float]]:
    """Stretches of speech from word times, joining words less than ``join`` s apart."""
    spans: list[list[float]] = []
    for w in sorted(words, key=lambda w: w.start):
        if spans and w.start - spans[-1][1] < join:
            spans[-1][1] = max(spans[-1][1], w.end)
        else:
            spans.append([w.start, w.end])
    return [(a, b) for a, b in spans if b > a]


def window_starts(a: float, b: float) -> list[float]:
    """Window start times covering [a, b]; a span shorter than a window gets one, centred."""
    if b - a <= WINDOW:
        return [max(0.0, (a + b) / 2 - WINDOW / 2)]
    starts = list(np.arange(a, b - WINDOW + 1e-9, HOP))
    if b - WINDOW - starts[-1] > HOP / 2:
        starts.append(b - WINDOW)
    return [float(s) for s in starts]


@dataclass
class Collector:
    """Gathers voice windows chunk by chunk (the chunk's audio is in memory only then)."""

    times: list[float] = field(default_factory=list)  # window centres, recording time
    vectors: list[np.ndarray] = field(default_factory=list)

    def add(self, mono: np.ndarray, offset: float, pieces: Sequence[Piece]) -> None:
        """Embed the speech of one chunk (``pieces`` and their words in chunk time)."""
        words = [w for p in pieces for w in (p.words or [Word(p.start, p.end, p.text)])]
        windows, centres = [], []
        for a, b in speech_spans(words):
            for start in window_starts(a, b):
                lo, hi = max(a, start), min(b, start + WINDOW)  # never the next turn's audio
                windows.append(mono[int(lo * SAMPLE_RATE) : int(hi * SAMPLE_RATE)])
                centres.append(offset + (lo + hi) / 2)
        if not windows:
            return
        self.vectors.extend(encoder().embed(windows))
        self.times.extend(centres)


def _cosine_distances(x: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - x @ x.T, 0.0, 2.0)


def _silhouette(dist: np.ndarray, labels: np.ndarray) -> float:
    ids = np.unique(labels)
    if len(ids) < 2:
        return -1.0
    own = np.zeros(len(labels))
    other = np.full(len(labels), np.inf)
    for k in ids:
        mask = labels == k
        mean_to_k = dist[:, mask].sum(axis=1) / np.maximum(1, mask.sum() - mask.astype(int))
        own[mask] = mean_to_k[mask]
        other[~mask] = np.minimum(other[~mask], dist[~mask][:, mask].mean(axis=1))
    s = (other - own) / np.maximum(own, other).clip(1e-9)
    return float(np.mean(s))


def _centroids(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    cs = np.stack([x[labels == k].mean(axis=0) for k in np.unique(labels)])
    return cs / np.linalg.norm(cs, axis=1, keepdims=True).clip(1e-9)


REFINE_SEEDS = 4  # k-means++ starts tried beside the tree's partition (fixed seeds)


def _lloyd(x: np.ndarray, labels: np.ndarray, k: int, rounds: int = 30) -> np.ndarray:
    """Spherical k-means (cosine) from ``labels``; stops when nothing moves."""
    for _ in range(rounds):
        if len(np.unique(labels)) < k:
            break
        new = np.argmax(x @ _centroids(x, labels).T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _spread(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean cosine distance of each window to its cluster's centroid."""
    cs = _centroids(x, labels)
    return float(np.mean(1.0 - np.sum(x * cs[np.searchsorted(np.unique(labels), labels)], axis=1)))


def _refine(x: np.ndarray, labels: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """The best of k-means from the tree's partition and from a few k-means++ starts.

    Average linkage finds the number of voices but, with two similar voices (two women on one
    telephone line), it splits off a few odd windows instead of one voice from the other;
    k-means then separates them (bench/diarization_der.py). The partition kept is the one
    whose windows lie closest to their own voice (k-means' own measure).
    """
    k = int(labels.max()) + 1
    if k < 2 or len(x) <= k:
        return labels
    candidates = [_lloyd(x, labels, k)]
    for seed in range(REFINE_SEEDS):
        rng = np.random.default_rng(seed)
        centres = [int(rng.integers(len(x)))]
        for _ in range(1, k):  # k-means++: far from the centres so far, at random
            d = dist[:, centres].min(axis=1) ** 2
            centres.append(int(rng.choice(len(x), p=d / d.sum())) if d.sum() > 0 else 0)
        start = np.argmax(x @ x[centres].T, axis=1)
        candidates.append(_lloyd(x, start, k))
    scored = [
        (_spread(x, c), i)
        for i, c in enumerate(candidates)
        if len(np.unique(c)) == k and np.bincount(c).min() >= 2
    ]
    if not scored:
        return labels
    best = candidates[min(scored)[1]]
    _, relabel = np.unique(best, return_inverse=True)
    return relabel.astype(int)


def cluster(x: np.ndarray, speakers: int | None = None) -> np.ndarray:
    """A speaker index 0..k-1 per window; k = ``speakers`` or chosen in 1..6."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    if n < 3 or speakers == 1:
        return np.zeros(n, dtype=int)
    step = max(1, n // MAX_CLUSTERED)
    sample = x[::step]
    tree = linkage(sample, method="average", metric="cosine")
    dist = _cosine_distances(sample)
    if speakers:
        best = fcluster(tree, min(speakers, len(sample)), "maxclust") - 1
        best = _refine(sample, best, dist)
    else:
        best, best_score = np.zeros(len(sample), dtype=int), MIN_SILHOUETTE
        for k in range(2, min(MAX_SPEAKERS, len(sample) - 1) + 1):
            labels = fcluster(tree, k, "maxclust") - 1
            sizes = np.bincount(labels)
            if sizes.min() < max(2, 0.03 * len(sample)):  # a stray window is not a speaker
                continue
            cs = _centroids(sample, labels)
            sim = cs @ cs.T
            np.fill_diagonal(sim, -1.0)
            if sim.max() > SAME_VOICE:
                continue
            score = _silhouette(dist, labels)
            if score > best_score:
                best, best_score = labels, score
        if best.max() > 0:  # the count stays the tree's; k-means moves the boundaries
            best = _refine(sample, best, dist)
    cs = _centroids(sample, best)
    return np.argmax(x @ cs.T, axis=1)


def smooth(labels: np.ndarray, width: int = 3) -> np.ndarray:
    """Majority over a few neighbouring windows, so one odd window does not switch speaker."""
    if len(labels) < width:
        return labels
    half = width // 2
    out = labels.copy()
    for i in range(len(labels)):
        seg = labels[max(0, i - half) : i + half + 1]
        out[i] = np.bincount(seg).argmax()
    return out


@dataclass(frozen=True)
class Diarization:
    """Window centres (s), their speaker index, and each speaker's mean voice vector."""

    times: np.ndarray
    labels: np.ndarray
    voices: dict[int, np.ndarray]

    def speaker_at(self, t: float) -> int | None:
        if not len(self.times):
            return None
        d = np.abs(self.times - t)
        near = d < WINDOW / 2
        if near.any():  # the windows around t vote, the nearest the most
            weights = 1.0 - d[near] / (WINDOW / 2)
            return int(np.bincount(self.labels[near], weights=weights).argmax())
        return int(self.labels[int(np.argmin(np.abs(self.times - t)))])


def diarize(collector: Collector, speakers: int | None = None) -> Diarization:
    if not collector.vectors:
        return Diarization(np.zeros(0), np.zeros(0, dtype=int), {})
    x = np.stack(collector.vectors)
    times = np.asarray(collector.times)
    order = np.argsort(times)
    x, times = x[order], times[order]
    labels = smooth(cluster(x, speakers))
    # Speakers numbered in order of first appearance.
    first: dict[int, int] = {}
    for lab in labels:
        first.setdefault(int(lab), len(first))
    labels = np.array([first[int(lab)] for lab in labels], dtype=int)
    voices = {k: _centroids(x, labels)[i] for i, k in enumerate(np.unique(labels))}
    return Diarization(times, labels, {int(k): v for k, v in voices.items()})


def _runs(words: list[Word], who: list[int]) -> list[tuple[int, int, int]]:
    """(first word, last word + 1, speaker) runs, short runs merged into their neighbours."""
    runs: list[list[int]] = []
    for i, k in enumerate(who):
        if runs and runs[-1][2] == k:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1, k])
    changed = True
    while changed and len(runs) > 1:
        changed = False
        for j, (a, b, _k) in enumerate(runs):
            if words[b - 1].end - words[a].start < MIN_RUN_SECONDS and (b - a) < 3:
                target = j - 1 if j > 0 else j + 1
                lo, hi = min(runs[target][0], a), max(runs[target][1], b)
                runs[target][0], runs[target][1] = lo, hi
                del runs[j]
                merged: list[list[int]] = []
                for r in runs:
                    if merged and merged[-1][2] == r[2]:
                        merged[-1][1] = r[1]
                    else:
                        merged.append(r)
                runs = merged
                changed = True
                break
    return [(a, b, k) for a, b, k in runs]


def assign(pieces: Sequence[Piece], result: Diarization, names: dict[int, str]) -> list[Piece]:
    """Speakers on the pieces; a piece whose words change speaker is split at that word."""
    out: list[Piece] = []
    for p in pieces:
        words = p.words
        if not words:
            k = result.speaker_at((p.start + p.end) / 2)
            p.speaker = None if k is None else names[k]
            out.append(p)
            continue
        at = [result.speaker_at((w.start + w.end) / 2) for w in words]
        who = [(-1 if k is None else k) for k in at]
        for a, b, k in _runs(words, who):
            part = words[a:b]
            out.append(
                Piece(
                    part[0].start,
                    part[-1].end,
                    "".join(w.text for w in part).strip(),
                    None if k < 0 else names[k],
                    list(part),
                )
            )
    return [p for p in out if p.text]
