"""Speech-to-text engines behind one small interface.

``FasterWhisperEngine`` (CTranslate2: int8 on a CPU, float16 on a CUDA GPU, Silero VAD
to skip silence) is the default; ``OpenAIWhisperEngine`` runs the reference
openai-whisper package (optional extra) and gives the same output. An engine takes
16 kHz mono float32 samples and yields segments with times relative to them, so the
pipeline can feed a long recording chunk by chunk.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qualkit.errors import InputError

from .models import ResolvedModel

if TYPE_CHECKING:
    from typing import Any

log = logging.getLogger(__name__)

ENGINES = ("faster-whisper", "openai-whisper")
TEMPERATURES = (0.0, 0.4, 0.8)


@dataclass
class Piece:
    """One recognised stretch of speech (seconds, relative to the engine's input)."""

    start: float
    end: float
    text: str
    speaker: str | None = None


class Engine(Protocol):
    name: str
    model_label: str

    def transcribe(self, samples: np.ndarray, language: str | None) -> Iterator[Piece]:
        """Segments of speech in 16 kHz mono float32 ``samples``."""
        ...


def _cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception as exc:  # no CUDA runtime at all raises driver-specific errors: use the CPU
        log.debug("no CUDA device (%s); transcribing on the CPU", type(exc).__name__)
        return False


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(
        self,
        model: ResolvedModel,
        device: str | None = None,
        compute_type: str | None = None,
        beam_size: int = 5,
        cpu_threads: int = 0,
    ) -> None:
        from faster_whisper import WhisperModel

        device = device or ("cuda" if _cuda_available() else "cpu")
        compute_type = compute_type or ("float16" if device == "cuda" else "int8")
        self.model_label = model.label
        self.device, self.compute_type, self.beam_size = device, compute_type, beam_size
        try:
            self._model = WhisperModel(
                model.source,
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads or (os.cpu_count() or 2),
            )
        except Exception as exc:  # hub unreachable, broken folder, unsupported device
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"Cannot load the Whisper model {model.label}: {first}") from None

    def transcribe(self, samples: np.ndarray, language: str | None) -> Iterator[Piece]:
        segments, _info = self._model.transcribe(
            samples,
            language=language or None,
            beam_size=self.beam_size,
            vad_filter=True,
            vad_parameters={"min_silence_duration_ms": 500},
            condition_on_previous_text=False,
            # Fewer fallback temperatures than Whisper's six: on a 2-core CPU the retries on
            # hard audio doubled the time without changing the words (bench/transcribe_rtf.py).
            temperature=TEMPERATURES,
        )
        for seg in segments:
            text = seg.text.strip()
            if text:
                yield Piece(float(seg.start), float(seg.end), text)


class OpenAIWhisperEngine:
    """The reference implementation (PyTorch); slower on a CPU, same output shape."""

    name = "openai-whisper"

    def __init__(self, model: ResolvedModel, device: str | None = None) -> None:
        try:
            import whisper
        except ImportError:
            raise InputError(
                "The openai-whisper engine is not installed: pip install -e '.[openai-whisper]'."
            ) from None
        source = model.source
        if model.local and os.path.isdir(source):
            raise InputError(
                f"{model.label}: openai-whisper needs a model name or a .pt "
                "checkpoint, not a CTranslate2 folder."
            )
        self.model_label = model.label
        try:
            self._model = whisper.load_model(source, device=device)
        except Exception as exc:
            raise InputError(f"Cannot load the openai-whisper model {source}: {exc}") from None

    def transcribe(self, samples: np.ndarray, language: str | None) -> Iterator[Piece]:
        result = self._model.transcribe(
            samples,
            language=language or None,
            fp16=False,
            condition_on_previous_text=False,
            temperature=TEMPERATURES,
        )
        for seg in result.get("segments", []):
            text = seg["text"].strip()
            if text:
                yield Piece(float(seg["start"]), float(seg["end"]), text)


_CACHE: dict[tuple, Engine] = {}
_LOCK = threading.Lock()


def load_engine(engine: str, model: ResolvedModel, **options: Any) -> Engine:
    """Load (once per process) an engine for a model; later calls reuse it."""
    if engine not in ENGINES:
        raise InputError(f"Unknown engine {engine!r}: use {' or '.join(ENGINES)}.")
    key = (engine, model.source, tuple(sorted(options.items())))
    with _LOCK:
        if key not in _CACHE:
            cls = FasterWhisperEngine if engine == "faster-whisper" else OpenAIWhisperEngine
            _CACHE[key] = cls(model, **options)
        return _CACHE[key]
