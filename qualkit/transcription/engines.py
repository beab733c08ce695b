"""Speech-to-text engines behind one small interface.

``FasterWhisperEngine`` (CTranslate2: int8 on a CPU, float16 on a CUDA GPU, Silero VAD
to skip silence) is the default; ``OpenAIWhisperEngine`` runs the reference
openai-whisper package (optional extra) and gives the same output. An engine takes
16 kHz mono float32 samples and yields segments with times relative to them, so the
pipeline can feed a long recording chunk by chunk.

Decoding is batched (faster-whisper's ``BatchedInferencePipeline``: Silero VAD cuts the
audio at pauses into windows of up to 30 s, eight decoded at once) unless sequential decoding
is asked for. Batched was faster at every length measured on a 2-core CPU, with the same words
(warm model, median of 3: 3 s of speech 0.82 s against 1.32 s sequential, 8 s 1.13 against
1.65, 60 s 4.89 against 7.29), so even a short clip gains nothing from sequential decoding.
Both keep word timestamps, which the speaker alignment and the editor use.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qualkit.errors import InputError
from qualkit.messages import msg as _msg

from .models import ResolvedModel

if TYPE_CHECKING:
    from faster_whisper import BatchedInferencePipeline

ENGINES = ("faster-whisper", "openai-whisper")
TEMPERATURES = (0.0, 0.4, 0.8)
BATCH_SIZE = 8
SEED = 16


class Decoding(StrEnum):
    AUTO = "auto"
    BATCHED = "batched"
    SEQUENTIAL = "sequential"


def choose_decoding(asked: Decoding = Decoding.AUTO) -> Decoding:
    """Batched unless sequential is asked for (the module docstring gives the figures)."""
    return Decoding.BATCHED if asked == Decoding.AUTO else asked


@dataclass
class Word:
    """One recognised word with its time (seconds, same origin as its piece)."""

    start: float
    end: float
    text: str  # as Whisper wrote it, with its leading space and punctuation


@dataclass
class Piece:
    """One recognised stretch of speech (seconds, relative to the engine's input)."""

    start: float
    end: float
    text: str
    speaker: str | None = None
    words: list[Word] = field(default_factory=list)

    def shift(self, offset: float) -> None:
        """Move the piece and its words by ``offset`` seconds (chunk -> recording time)."""
        self.start = round(self.start + offset, 3)
        self.end = round(self.end + offset, 3)
        for w in self.words:
            w.start = round(w.start + offset, 3)
            w.end = round(w.end + offset, 3)


# A batched window (up to 30 s) comes back as one piece; it is cut into turns of speech at
# sentence ends followed by a pause, or at a long pause, so the coding unit stays a turn.
SENTENCE_END = re.compile(r"[.!?…]['\")\]]*$")
PAUSE_AFTER_SENTENCE = 0.3
LONG_PAUSE = 1.2
MAX_PIECE_SECONDS = 30.0


def regroup(words: list[Word]) -> list[Piece]:
    """Pieces of consecutive words, cut at sentence end + pause or at a long pause."""
    pieces: list[Piece] = []
    current: list[Word] = []
    for i, w in enumerate(words):
        current.append(w)
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is None:
            break
        gap = nxt.start - w.end
        if (
            gap >= LONG_PAUSE
            or (SENTENCE_END.search(w.text.strip()) and gap >= PAUSE_AFTER_SENTENCE)
            or nxt.end - current[0].start > MAX_PIECE_SECONDS
        ):
            pieces.append(_piece(current))
            current = []
    if current:
        pieces.append(_piece(current))
    return [p for p in pieces if p.text]


def _piece(words: list[Word]) -> Piece:
    return Piece(words[0].start, words[-1].end, "".join(w.text for w in words).strip(), None, words)


class Engine(Protocol):
    name: str
    model_label: str

    def transcribe(
        self, samples: np.ndarray, language: str | None, decoding: Decoding = Decoding.AUTO
    ) -> Iterator[Piece]:
        """Segments of speech in 16 kHz mono float32 ``samples``."""
        ...


def _cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:
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
        batch_size: int = BATCH_SIZE,
    ):
        from faster_whisper import WhisperModel

        device = device or ("cuda" if _cuda_available() else "cpu")
        compute_type = compute_type or ("float16" if device == "cuda" else "int8")
        self.model_label = model.label
        self.device, self.compute_type, self.beam_size = device, compute_type, beam_size
        self.batch_size = batch_size
        self._batched: BatchedInferencePipeline | None = None  # made on first batched use
        try:
            self._model = WhisperModel(
                model.source,
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads or (os.cpu_count() or 2),
            )
        except Exception as exc:  # hub unreachable, broken folder, unsupported device
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(
                f"Whisper-modellen {model.label} kan ikke indlæses ({first})."
            ) from None

    def transcribe(
        self, samples: np.ndarray, language: str | None, decoding: Decoding = Decoding.AUTO
    ) -> Iterator[Piece]:
        import ctranslate2

        # The fallback temperatures sample: a fixed seed gives the same words every run.
        ctranslate2.set_random_seed(SEED)
        decoding = choose_decoding(decoding)
        common = {
            "language": language or None,
            "beam_size": self.beam_size,
            "condition_on_previous_text": False,
            # Fewer fallback temperatures than Whisper's six: on a 2-core CPU the retries on
            # hard audio doubled the time without changing the words (bench/transcribe_rtf.py).
            "temperature": TEMPERATURES,
            "word_timestamps": True,
        }
        if decoding == Decoding.BATCHED:
            from faster_whisper import BatchedInferencePipeline

            if self._batched is None:
                self._batched = BatchedInferencePipeline(self._model)
            segments, _info = self._batched.transcribe(
                samples, batch_size=self.batch_size, vad_filter=True, **common
            )
            for seg in segments:
                yield from regroup(_words(seg))
            return
        # The same VAD windows and prompt as the batched pipeline (speech joined into windows
        # of up to 30 s, no timestamp tokens; times come from the words), so a clip gives the
        # same words either way.
        from faster_whisper.vad import VadOptions

        segments, _info = self._model.transcribe(
            samples,
            vad_filter=True,
            vad_parameters=VadOptions(max_speech_duration_s=30, min_silence_duration_ms=160),
            without_timestamps=True,
            **common,
        )
        for seg in segments:
            yield from regroup(_words(seg))


def _words(seg) -> list[Word]:
    return [
        Word(round(float(w.start), 3), round(float(w.end), 3), w.word)
        for w in (seg.words or [])
        if w.word.strip()
    ]


class OpenAIWhisperEngine:
    """The reference implementation (PyTorch); slower on a CPU, same output shape."""

    name = "openai-whisper"

    def __init__(self, model: ResolvedModel, device: str | None = None):
        try:
            import whisper
        except ImportError:
            raise InputError(
                "Motoren openai-whisper er ikke installeret: pip install -e '.[openai-whisper]'."
            ) from None
        source = model.source
        if model.local and os.path.isdir(source):
            raise InputError(
                f"{model.label}: openai-whisper kræver et modelnavn eller et .pt-"
                "checkpoint, ikke en CTranslate2-mappe."
            )
        self.model_label = model.label
        try:
            self._model = whisper.load_model(source, device=device)
        except Exception as exc:
            raise InputError(
                f"openai-whisper-modellen {source} kan ikke indlæses ({exc})."
            ) from None

    def transcribe(
        self, samples: np.ndarray, language: str | None, decoding: Decoding = Decoding.AUTO
    ) -> Iterator[Piece]:
        result = self._model.transcribe(
            samples,
            language=language or None,
            fp16=False,
            word_timestamps=True,
            condition_on_previous_text=False,
            temperature=TEMPERATURES,
        )
        for seg in result.get("segments", []):
            text = seg["text"].strip()
            if text:
                words = [
                    Word(round(float(w["start"]), 3), round(float(w["end"]), 3), w["word"])
                    for w in seg.get("words", [])
                ]
                yield Piece(float(seg["start"]), float(seg["end"]), text, None, words)


_CACHE: dict[tuple, Engine] = {}
_LOCK = threading.Lock()


def load_engine(engine: str, model: ResolvedModel, **options) -> Engine:
    """Load (once per process) an engine for a model; later calls reuse it."""
    if engine not in ENGINES:
        raise InputError(
            _msg("choice.unknown", what="motor", value=engine, choices=" eller ".join(ENGINES))
        )
    key = (engine, model.source, tuple(sorted(options.items())))
    with _LOCK:
        if key not in _CACHE:
            cls = FasterWhisperEngine if engine == "faster-whisper" else OpenAIWhisperEngine
            _CACHE[key] = cls(model, **options)
        return _CACHE[key]
