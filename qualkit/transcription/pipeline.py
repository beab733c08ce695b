"""Transcribe one recording: decode in chunks, run the engine, label speakers, report progress.

Memory stays flat for long recordings (one chunk of a few minutes at a time), progress is
reported in seconds of audio done, and a caller can stop the run between segments
(``should_stop``) without anything being kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualkit.errors import QualkitError

from . import audio, speakers
from .engines import Piece, load_engine
from .models import resolve_model

if TYPE_CHECKING:
    from typing import Any


class Interrupted(QualkitError):
    """The run was stopped on request before it finished; nothing was stored."""


@dataclass
class Transcript:
    audio: str
    language: str | None
    duration: float
    engine: str
    model: str
    segments: list[Piece] = field(default_factory=list)


Progress = Callable[[float, float], None]


def transcribe_file(
    path: str | Path,
    model: str | None = None,
    language: str | None = "da",
    engine: str = "faster-whisper",
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_seconds: float = 120.0,
    **engine_options: Any,
) -> Transcript:
    """The whole pipeline for one file; raises InputError for unusable audio or models."""
    info = audio.probe(path)  # validate before loading a model
    resolved = resolve_model(model)
    eng = load_engine(engine, resolved, **engine_options)
    result = Transcript(str(path), language, round(info.duration, 3), eng.name, eng.model_label)
    total = info.duration
    if progress:
        progress(0.0, total)
    stereo_seen = False
    for chunk in audio.iter_chunks(path, chunk_seconds=chunk_seconds):
        pieces: list[Piece] = []
        for piece in eng.transcribe(chunk.mono, language):
            pieces.append(piece)
            if should_stop and should_stop():
                raise Interrupted(f"{path}: transcription stopped before the end.")
            if progress:
                progress(min(total, chunk.offset + piece.end), total)
        if chunk.samples.shape[0] > 1:
            stereo_seen = True
            speakers.label_by_channel(chunk.samples, pieces)
        for p in pieces:
            p.start = round(chunk.offset + p.start, 3)
            p.end = round(chunk.offset + p.end, 3)
        result.segments.extend(pieces)
        if should_stop and should_stop():
            raise Interrupted(f"{path}: transcription stopped before the end.")
        if progress:
            progress(min(total, chunk.offset + chunk.duration), total)
    folder = speakers.pyannote_folder()
    if folder and not (stereo_seen and any(p.speaker for p in result.segments)):
        speakers.label_by_diarization(str(path), result.segments, folder)
    return result
