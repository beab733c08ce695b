"""Transcribe one recording: decode in chunks, run the engine, find speakers, report progress.

Memory stays flat for long recordings (one chunk of ten minutes at a time, cut in a pause),
progress is reported in seconds of audio done as segments arrive, and a caller can stop the
run between segments (``should_stop``) without anything being kept.

Speakers: a stereo recording whose channels differ gets one speaker per channel; a mono
recording (or a stereo one whose channels carry the same signal) gets speakers from the
voices (``diarize``: "Taler 1", "Taler 2", ...), with the number found automatically unless
``speakers`` is given (``speakers=1`` turns it off). pyannote is used instead where a local
pipeline is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qualkit.errors import QualkitError

from . import audio
from . import speakers as channel_speakers
from .engines import Decoding, Piece, choose_decoding, load_engine
from .models import resolve_model

if TYPE_CHECKING:
    from . import diarize as diarize_module

DEFAULT_CHUNK_SECONDS = 600.0


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
    decoding: str = Decoding.BATCHED.value
    # How speakers were found: "channels", "voices", "pyannote" or "none".
    speaker_method: str = "none"
    # Mean voice vector per speaker label (voices only): for naming speakers across interviews.
    voices: dict[str, np.ndarray] = field(default_factory=dict)


Progress = Callable[[float, float], None]


def transcribe_file(
    path: str | Path,
    model: str | None = None,
    language: str | None = "da",
    engine: str = "faster-whisper",
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    decoding: Decoding = Decoding.AUTO,
    speakers: int | None = None,
    **engine_options,
) -> Transcript:
    """The whole pipeline for one file; raises InputError for unusable audio or models.

    ``speakers``: None finds the number of voices (1-6), N fixes it, 1 means one speaker
    (no diarization). Stereo recordings with different channels keep speakers by channel.
    """
    from . import diarize

    info = audio.probe(path)  # validate before loading a model
    resolved = resolve_model(model)
    eng = load_engine(engine, resolved, **engine_options)
    decoding = choose_decoding(decoding)
    result = Transcript(
        str(path), language, round(info.duration, 3), eng.name, eng.model_label, [], decoding.value
    )
    total = info.duration
    if progress:
        progress(0.0, total)
    folder = channel_speakers.pyannote_folder()
    use_voices = speakers != 1 and folder is None and diarize.available()
    collector = diarize.Collector()
    by_channel = False
    for chunk in audio.iter_chunks(path, chunk_seconds=chunk_seconds):
        pieces: list[Piece] = []
        for piece in eng.transcribe(chunk.mono, language, decoding):
            pieces.append(piece)
            if should_stop and should_stop():
                raise Interrupted(f"{path}: transskriptionen blev stoppet før slutningen.")
            if progress:
                progress(min(total, chunk.offset + piece.end), total)
        stereo = chunk.samples.shape[0] > 1 and channel_speakers.channels_differ(chunk.samples)
        if stereo:
            by_channel = True
            channel_speakers.label_by_channel(chunk.samples, pieces)
        elif use_voices:
            collector.add(chunk.mono, chunk.offset, pieces)
        for p in pieces:
            p.shift(chunk.offset)
        result.segments.extend(pieces)
        if should_stop and should_stop():
            raise Interrupted(f"{path}: transskriptionen blev stoppet før slutningen.")
        if progress:
            progress(min(total, chunk.offset + chunk.duration), total)
    if by_channel and any(p.speaker for p in result.segments):
        result.speaker_method = "channels"
    elif folder and speakers != 1:
        channel_speakers.label_by_diarization(str(path), result.segments, folder)
        result.speaker_method = "pyannote"
    elif use_voices and collector.vectors:
        result.segments, result.voices = label_voices(result.segments, collector, speakers)
        if result.voices:
            result.speaker_method = "voices"
    return result


def label_voices(
    segments: list[Piece], collector: diarize_module.Collector, speakers: int | None = None
) -> tuple[list[Piece], dict[str, np.ndarray]]:
    """Speakers from the collected voice windows ("Taler 1", ...), segments split where the
    speaker changes; one voice found gives no labels, as for any mono clip. Separate so
    bench/diarization_der.py scores exactly this step with several speaker settings."""
    from . import diarize

    found = diarize.diarize(collector, speakers)
    if len(found.voices) < 2:
        return segments, {}
    names = {k: diarize.LABEL.format(k + 1) for k in found.voices}
    return diarize.assign(segments, found, names), {names[k]: v for k, v in found.voices.items()}
