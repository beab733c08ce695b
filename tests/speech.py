"""Real Danish test speech from espeak-ng, and the offline Whisper model, for the speech tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

SENTENCES = [
    "Jeg har været sygemeldt i et halvt år, og nu vil jeg gerne tilbage til arbejdet.",
    "Hvordan var det første møde med jobkonsulenten?",
    "Det var godt, fordi vi talte om min arbejdsplads og min ryg.",
]


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} is required in CI (scripts/setup.sh installs it)")
        pytest.skip(f"{tool} is not installed")
    return path


def espeak(text: str, out: Path, voice: str = "da", speed: int = 160) -> Path:
    need("espeak-ng")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True)
    return out


def read_pcm(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels()).mean(axis=1)
    return data, rate


def write_pcm(path: Path, channels: list[np.ndarray], rate: int) -> Path:
    n = max(len(c) for c in channels)
    frames = np.zeros((n, len(channels)), dtype=np.float32)
    for i, c in enumerate(channels):
        frames[: len(c), i] = c
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(frames, -32768, 32767).astype("<i2").tobytes())
    return path


def dialogue_stereo(folder: Path) -> Path:
    """A two-voice dialogue, one voice per channel, 0.8 s of silence between turns."""
    turns = []
    for i, (text, voice) in enumerate([(SENTENCES[1], "da"), (SENTENCES[2], "da+f3")]):
        samples, rate = read_pcm(espeak(text, folder / f"turn{i}.wav", voice))
        turns.append(samples)
    gap = np.zeros(int(0.8 * rate), dtype=np.float32)
    left = np.concatenate([turns[0], gap, np.zeros_like(turns[1]), gap])
    right = np.concatenate([np.zeros_like(turns[0]), gap, turns[1], gap])
    return write_pcm(folder / "dialogue_stereo.wav", [left, right], rate)


def convert(src: Path, dst: Path, *args: str) -> Path:
    need("ffmpeg")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(src), *args, str(dst)], check=True
    )
    return dst


def words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-zæøå]+", text.lower())


def shared_word_share(reference: str, hypothesis: str) -> float:
    """Share of the reference's words that the hypothesis contains (a loose sanity check)."""
    ref, hyp = words(reference), set(words(hypothesis))
    return sum(w in hyp for w in ref) / max(1, len(ref))


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def offline_model() -> Path:
    from qualkit.transcription.models import offline_parts, prepare_offline_model

    if offline_parts() is None and not IN_CI:
        pytest.skip("the offline-model extra is not installed")
    return prepare_offline_model()


@pytest.fixture(scope="session")
def mono_clip(speech_dir) -> Path:
    return espeak(SENTENCES[0], speech_dir / "mono.wav")


@pytest.fixture(scope="session")
def stereo_clip(speech_dir) -> Path:
    return dialogue_stereo(speech_dir)


# --- assembled conversations (diarization tests and bench/diarization_der.py) ---------------

# espeak-ng Danish with different voice variants and pitch: clearly different "people".
VOICES = {"A": ("da+m3", 35), "B": ("da+f3", 70)}
CONVERSATION = [
    ("A", "Hvordan var det første møde med jobkonsulenten?"),
    ("B", "Det var godt, fordi vi talte om min arbejdsplads og min ryg."),
    ("A", "Kan du fortælle lidt mere om samarbejdet med hospitalet?"),
    ("B", "Vi havde et trepartsmøde med lægen og min leder i sidste uge."),
    ("A", "Hvad betød samtalerne for din motivation?"),
    ("B", "Jeg følte mig taget alvorligt, og det gjorde en stor forskel."),
]


def espeak_voice(text: str, out: Path, voice: str, pitch: int, speed: int = 160) -> Path:
    need("espeak-ng")
    subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(out), text],
        check=True,
    )
    return out


def conversation(
    folder: Path,
    turns: list[tuple[str, str]] = CONVERSATION,
    voices: dict[str, tuple[str, int]] = VOICES,
    gap: float = 0.7,
    name: str = "conversation.wav",
) -> tuple[Path, list[tuple[float, float, str]]]:
    """A mono conversation of espeak-ng voices and its reference turns (start, end, speaker)."""
    parts, ref, t, rate = [], [], 0.0, 22050
    for i, (who, text) in enumerate(turns):
        voice, pitch = voices[who]
        samples, rate = read_pcm(espeak_voice(text, folder / f"{name}.{i}.wav", voice, pitch))
        nz = np.nonzero(np.abs(samples) > 200)[0]
        samples = samples[nz[0] : nz[-1] + 1] if len(nz) else samples
        ref.append((t, t + len(samples) / rate, who))
        parts += [samples, np.zeros(int(gap * rate), dtype=np.float32)]
        t += len(samples) / rate + gap
    return write_pcm(folder / name, [np.concatenate(parts)], rate), ref
