"""Real human voices for bench/diarization_der.py, taken from PyPI packages.

No Danish two-speaker recording ships in a package, but some packages ship real recordings
of English speech (language does not matter to the voice embeddings):

- pyannote.audio 4.0.7 (wheel): ``pyannote/audio/sample/sample.wav``, 30 s of a real telephone
  conversation between two women ("Diane" and "Sheila"), with its reference turns
  (``sample.rttm``).
- pocketsphinx 5.1.1 (source distribution): its test recordings; four different speakers
  (a LibriVox reader of *Sense and Sensibility*, the AN4 speaker of ``chan3.wav``, the
  speaker of ``cards/*.wav``, and the speaker of ``goforward.raw``/``numbers.raw``/
  ``something.raw``; grouped by listening-free means: Resemblyzer similarity within a group
  >= 0.74, across groups <= 0.74 with most pairs below 0.65).

Each archive is fetched once with ``pip download`` into a cache folder and checked against its
SHA-256 before anything is read from it. Nothing here is used by the test suite.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("QUALKIT_BENCH_CACHE", "/tmp/qualkit-bench")) / "voices"
RATE = 16_000


@dataclass(frozen=True)
class Archive:
    spec: str  # what pip downloads
    file: str
    sha256: str
    binary: bool  # a wheel (--only-binary) or the source distribution (--no-binary NAME)


PYANNOTE = Archive(
    "pyannote.audio==4.0.7",
    "pyannote_audio-4.0.7-py3-none-any.whl",
    "852ea15c4d85bc34773e618267603ffca6a521669a74d33742692cc67fc700d6",
    True,
)
POCKETSPHINX = Archive(
    "pocketsphinx==5.1.1",
    "pocketsphinx-5.1.1.tar.gz",
    "675778b309a22dfc9b7d37f7621976bba491d2a5f8c59696bd77fd6d07271355",
    False,
)


class Unavailable(RuntimeError):
    """The archive could not be fetched (offline) or does not match its digest."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(archive: Archive) -> Path:
    """The archive in the cache, downloaded with pip when missing, SHA-256 checked."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / archive.file
    if not path.exists():
        name = archive.spec.split("==")[0]
        how = ["--only-binary", ":all:"] if archive.binary else ["--no-binary", name]
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *how, archive.spec]
        done = subprocess.run([*cmd, "-d", str(CACHE)], capture_output=True, text=True)
        if done.returncode != 0 or not path.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise Unavailable(
                f"cannot download {archive.spec} from PyPI (offline?): {last}. "
                f"Put {archive.file} in {CACHE} by hand to run this part."
            )
    digest = _sha256(path)
    if digest != archive.sha256:
        raise Unavailable(
            f"{path} has SHA-256 {digest}, expected {archive.sha256}: delete it and run again."
        )
    return path


def _decode(data: bytes, suffix: str) -> np.ndarray:
    """16 kHz mono float32 from a WAV (any rate, via PyAV) or 16 kHz 16-bit raw bytes."""
    if suffix == ".raw":
        return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    import tempfile

    from qualkit.transcription import audio

    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        return audio.read_all(tmp.name).mono.copy()


@dataclass(frozen=True)
class Voice:
    """One real speaker: clips of their speech (16 kHz mono) and where they come from."""

    name: str
    source: str
    clips: tuple[np.ndarray, ...]

    @property
    def seconds(self) -> float:
        return sum(len(c) for c in self.clips) / RATE


@dataclass(frozen=True)
class Recorded:
    """A real recorded conversation and its reference turns (start, end, speaker)."""

    name: str
    samples: np.ndarray
    turns: list[tuple[float, float, str]]


POCKETSPHINX_VOICES = {
    "LibriVox reader": [
        f"test/data/librivox/sense_and_sensibility_01_austen_64kb-0{n}.wav"
        for n in (870, 880, 890, 920, 930)
    ],
    "AN4 speaker": ["test/regression/chan3.wav"],
    "cards speaker": [f"test/data/cards/00{n}.wav" for n in range(1, 6)],
    "goforward speaker": [f"test/data/{n}.raw" for n in ("goforward", "numbers", "something")],
}


def _split_at_pauses(x: np.ndarray, most: float = 8.0) -> list[np.ndarray]:
    """A long recording of one speaker as utterances of at most ``most`` seconds (VAD)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(x, VadOptions(min_silence_duration_ms=300, speech_pad_ms=60))
    out: list[np.ndarray] = []
    for s in spans:
        a = s["start"]
        while s["end"] - a > most * RATE:
            out.append(x[a : a + int(most * RATE)])
            a += int(most * RATE)
        out.append(x[a : s["end"]])
    return [c for c in out if len(c) > 0.5 * RATE]


def pocketsphinx_voices() -> list[Voice]:
    path = fetch(POCKETSPHINX)
    root = "pocketsphinx-5.1.1/"
    voices = []
    with tarfile.open(path) as tar:
        for name, members in POCKETSPHINX_VOICES.items():
            clips: list[np.ndarray] = []
            for m in members:
                fh = tar.extractfile(root + m)
                assert fh is not None, m
                x = _decode(fh.read(), Path(m).suffix)
                clips += _split_at_pauses(x) if len(x) > 10 * RATE else [x]
            voices.append(Voice(name, f"{POCKETSPHINX.spec} sdist: {members[0]}", tuple(clips)))
    return voices


def pyannote_sample() -> tuple[Recorded, list[Voice]]:
    """The real conversation as recorded, and each of its two speakers' turns on their own
    (overlapping stretches left out)."""
    path = fetch(PYANNOTE)
    with zipfile.ZipFile(path) as z:
        wav = z.read("pyannote/audio/sample/sample.wav")
        rttm = z.read("pyannote/audio/sample/sample.rttm").decode()
    samples = _decode(wav, ".wav")
    names = {"speaker90": "Diane", "speaker91": "Sheila"}
    turns = []
    for line in io.StringIO(rttm):
        f = line.split()
        start, dur = float(f[3]), float(f[4])
        turns.append((start, start + dur, names.get(f[7], f[7])))
    turns.sort()
    voices = []
    for who in ("Diane", "Sheila"):
        clips = []
        for a, b, w in turns:
            if w != who:
                continue
            # Cut away what another speaker says at the same time; keep the rest.
            pieces = [(a, b)]
            for c, d, o in turns:
                if o == who:
                    continue
                pieces = [q for x, y in pieces for q in ((x, min(y, c)), (max(x, d), y))]
            clips += [samples[int(x * RATE) : int(y * RATE)] for x, y in pieces if y - x >= 0.4]
        voices.append(Voice(who, f"{PYANNOTE.spec} wheel: sample/sample.wav", tuple(clips)))
    return Recorded("pyannote sample (as recorded)", samples, turns), voices


def speech_only(x: np.ndarray) -> list[tuple[int, int]]:
    """Where a clip has speech (Silero VAD), as sample spans: the reference turns."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(x, VadOptions(min_silence_duration_ms=250, speech_pad_ms=30))
    return [(s["start"], s["end"]) for s in spans] or [(0, len(x))]


def assemble(
    a: Voice, b: Voice, seconds: float = 60.0, seed: int = 0
) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """A mono two-speaker conversation: alternating turns of 1-3 of a speaker's clips,
    pauses of 0.4-1.2 s between turns, each voice at the same loudness (so level is no cue).
    Reference turns are the speech inside each clip (VAD), labelled with the speaker."""
    rng = np.random.default_rng(seed)
    order = {v.name: list(rng.permutation(len(v.clips))) for v in (a, b)}
    used = {v.name: 0 for v in (a, b)}
    parts: list[np.ndarray] = []
    ref: list[tuple[float, float, str]] = []
    t = 0
    turn = 0
    while t < seconds * RATE or turn < 4:
        v = (a, b)[turn % 2]
        for _ in range(int(rng.integers(1, 4))):
            k = order[v.name][used[v.name] % len(v.clips)]
            used[v.name] += 1
            clip = v.clips[k]
            clip = clip * (0.05 / max(1e-6, float(np.sqrt(np.mean(clip**2)))))
            for s, e in speech_only(clip):
                ref.append(((t + s) / RATE, (t + e) / RATE, v.name))
            parts.append(clip.astype(np.float32))
            gap = int(0.25 * RATE)
            parts.append(np.zeros(gap, dtype=np.float32))
            t += len(clip) + gap
        pause = int(rng.uniform(0.4, 1.2) * RATE)
        parts.append(np.zeros(pause, dtype=np.float32))
        t += pause
        turn += 1
    mix = np.concatenate(parts)
    mix += rng.normal(0, 1e-3, len(mix)).astype(np.float32)  # a faint room noise floor
    return np.clip(mix, -1, 1).astype(np.float32), ref


def write_wav(path: Path, samples: np.ndarray) -> Path:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path
