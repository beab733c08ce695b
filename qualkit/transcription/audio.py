"""Decode interview audio (m4a, mp3, wav, ogg, flac; mono or stereo) with PyAV, in chunks.

Recordings run 30-90 minutes, so audio is never held whole in memory: ``iter_chunks``
yields ten minutes at a time at 16 kHz, cut in a pause that Silero VAD finds near the
chunk end (``pause_cut``; the quietest moment where VAD finds none), never mid-word. Every way a file can be unusable
(missing, not audio, empty, unknown codec, damaged) becomes one InputError line
that names the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.messages import os_reason

if TYPE_CHECKING:
    from typing import Any

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    duration: float  # seconds
    channels: int
    sample_rate: int
    codec: str


@dataclass
class Chunk:
    """A stretch of decoded audio: ``samples`` has shape (channels, n), float32, 16 kHz."""

    offset: float  # seconds from the start of the recording
    samples: np.ndarray

    @property
    def mono(self) -> np.ndarray:
        return (
            self.samples.mean(axis=0).astype(np.float32)
            if self.samples.shape[0] > 1
            else self.samples[0]
        )

    @property
    def duration(self) -> float:
        return self.samples.shape[1] / SAMPLE_RATE


def _av() -> Any:
    import av

    return av


def _open(path: Path) -> Any:
    """Open the container and its first audio stream, or raise a one-line InputError."""
    av = _av()
    if not path.exists():
        raise InputError(_msg("file.not_found", path=path))
    if path.is_dir():
        raise InputError(f"{path}: er en mappe, ikke en lydfil.")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=path, reason=os_reason(exc))) from None
    if size == 0:
        raise InputError(f"{path}: filen er tom (længden er nul).")
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError:
        raise InputError(
            f"{path}: ikke en lydfil (intet kendt lydformat, eller filen er beskadiget)."
        ) from None
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=path, reason=os_reason(exc))) from None
    audio = [s for s in container.streams if s.type == "audio"]
    if not audio:
        container.close()
        raise InputError(f"{path}: ikke en lydfil (den har intet lydspor).")
    stream = audio[0]
    ctx = stream.codec_context
    if ctx is None or ctx.codec is None or not ctx.codec.is_decoder:
        name = getattr(getattr(ctx, "codec", None), "name", None) or "ukendt"
        container.close()
        raise InputError(f"{path}: lydkodeken understøttes ikke ({name}).")
    return container, stream


def _resampler(layout: str) -> Any:
    av = _av()
    return av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)


def _frames(path: Path, container: Any, stream: Any, layout: str) -> Iterator[np.ndarray]:
    """Decoded, resampled blocks of shape (channels, n)."""
    av = _av()
    resampler = _resampler(layout)
    try:
        for frame in container.decode(stream):
            frame.pts = None
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1, out.samples)
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1, out.samples)
    except av.error.FFmpegError as exc:
        raise InputError(
            f"{path}: lyden er beskadiget og kan ikke afkodes ({type(exc).__name__})."
        ) from None


def _layout(channels: int) -> str:
    return "stereo" if channels >= 2 else "mono"


def probe(path: str | Path) -> AudioInfo:
    """Check a file is decodable audio of non-zero length and return its shape.

    Decodes the first seconds (and, when the container does not say, the whole
    file to measure it), so a file that passes here will transcribe.
    """
    p = Path(path)
    container, stream = _open(p)
    try:
        channels = stream.codec_context.channels or 1
        rate = stream.codec_context.sample_rate or SAMPLE_RATE
        codec = stream.codec_context.codec.name
        duration = 0.0
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        # Decode at least a little (and everything when the length is unknown).
        got = 0
        need = SAMPLE_RATE * 2 if duration > 0 else None
        for block in _frames(p, container, stream, _layout(channels)):
            got += block.shape[1]
            if need is not None and got >= need:
                break
        if duration <= 0:
            duration = got / SAMPLE_RATE
        if got == 0 or duration <= 0:
            raise InputError(_msg("audio.zero_length", path=p))
    finally:
        container.close()
    return AudioInfo(p, duration, min(channels, 2), rate, codec)


def _quietest_cut(samples: np.ndarray, search: int, frame: int = 1600) -> int:
    """Index in the last ``search`` samples where a 0.1 s frame is quietest."""
    n = samples.shape[1]
    lo = max(0, n - search)
    tail = np.abs(samples[:, lo:]).mean(axis=0)
    m = tail.shape[0] // frame
    if m < 2:
        return n
    energy = tail[: m * frame].reshape(m, frame).mean(axis=1)
    return lo + int(np.argmin(energy)) * frame + frame // 2


MIN_PAUSE = 0.2  # seconds of non-speech that count as a pause to cut in


def pause_cut(samples: np.ndarray, search: int) -> int:
    """Index in the last ``search`` samples at the middle of the longest pause VAD finds there
    (Silero VAD, shipped in faster-whisper); the quietest 0.1 s where it finds none."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    n = samples.shape[1]
    lo = max(0, n - search)
    tail = samples[:, lo:].mean(axis=0).astype(np.float32)
    speech = get_speech_timestamps(
        tail, VadOptions(min_silence_duration_ms=100, speech_pad_ms=30), SAMPLE_RATE
    )
    edges = [0] + [x for s in speech for x in (s["start"], s["end"])] + [tail.shape[0]]
    gaps = [(edges[i + 1] - edges[i], edges[i]) for i in range(0, len(edges), 2)]
    length, start = max(gaps)
    if length < MIN_PAUSE * SAMPLE_RATE:
        return _quietest_cut(samples, search)
    return lo + start + length // 2


Cutter = Callable[[np.ndarray, int], int]


def iter_chunks(
    path: str | Path,
    chunk_seconds: float = 600.0,
    search_seconds: float = 30.0,
    cutter: Cutter = pause_cut,
) -> Iterator[Chunk]:
    """Yield the recording as consecutive chunks (stereo kept as two channels).

    Memory holds about one chunk (10 minutes: 38 MB a channel at 16 kHz), whatever the
    recording's length. Each cut falls in a pause (``cutter``), so no word is split.
    """
    p = Path(path)
    container, stream = _open(p)
    channels = min(stream.codec_context.channels or 1, 2)
    target = int(chunk_seconds * SAMPLE_RATE)
    search = int(search_seconds * SAMPLE_RATE)
    buf: list[np.ndarray] = []
    held = 0
    offset = 0
    try:
        for block in _frames(p, container, stream, _layout(channels)):
            buf.append(block.astype(np.float32, copy=False))
            held += block.shape[1]
            if held >= target + search:
                data = np.concatenate(buf, axis=1)
                cut = cutter(data[:, : target + search], search)
                yield Chunk(offset / SAMPLE_RATE, np.ascontiguousarray(data[:, :cut]))
                offset += cut
                rest = data[:, cut:]
                buf, held = [rest], rest.shape[1]
        if held:
            yield Chunk(offset / SAMPLE_RATE, np.ascontiguousarray(np.concatenate(buf, axis=1)))
    finally:
        container.close()


def read_all(path: str | Path) -> Chunk:
    """The whole recording as one chunk (short clips, tests, benchmarks)."""
    chunks = list(iter_chunks(path, chunk_seconds=10**9, cutter=_quietest_cut))
    if not chunks:
        raise InputError(_msg("audio.zero_length", path=path))
    return (
        chunks[0]
        if len(chunks) == 1
        else Chunk(0.0, np.concatenate([c.samples for c in chunks], 1))
    )
