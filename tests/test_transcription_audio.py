"""Audio decoding and validation, chunking, and the offline model cache (no transcription)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from qualkit.errors import InputError
from qualkit.transcription import audio, models, speakers
from qualkit.transcription.engines import Piece

from .speech import convert, read_pcm, write_pcm


def _wav(tag: int, data: bytes) -> bytes:
    fmt = struct.pack("<HHIIHH", tag, 1, 16000, 32000, 2, 16)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    "name,content,phrase",
    [
        ("notes.mp3", "Dette er et notat, ikke lyd.\n" * 30, "ikke en lydfil"),
        ("empty.m4a", b"", "længden er nul"),
        ("header_only.wav", _wav(1, b""), "længden er nul"),
        ("odd_codec.wav", _wav(0x1234, b"\x00\x01" * 8000), "lydkodeken understøttes ikke"),
        ("picture.wav", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "ikke en lydfil"),
    ],
)
def test_unusable_files_give_one_line_naming_the_file(tmp_path, name, content, phrase):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(InputError, match=phrase) as err:
        audio.probe(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="filen findes ikke"):
        audio.probe(tmp_path / "none.wav")
    with pytest.raises(InputError, match="er en mappe"):
        audio.probe(tmp_path)


def test_formats_decode_to_the_same_length(mono_clip, speech_dir):
    base = audio.probe(mono_clip)
    for ext, args in [("mp3", ()), ("m4a", ("-c:a", "aac")), ("ogg", ("-c:a", "libvorbis"))]:
        try:
            other = convert(mono_clip, speech_dir / f"probe.{ext}", *args)
        except Exception:  # an ffmpeg build without that encoder
            continue
        info = audio.probe(other)
        assert info.duration == pytest.approx(base.duration, abs=0.12), ext
        assert info.channels == 1


def test_chunks_cover_the_recording_and_cut_in_silence(tmp_path, mono_clip):
    speech, rate = read_pcm(mono_clip)
    gap = np.zeros(int(rate * 1.0), dtype=np.float32)
    long = write_pcm(tmp_path / "long.wav", [np.concatenate([speech, gap] * 6)], rate)
    whole = audio.read_all(long)
    chunks = list(audio.iter_chunks(long, chunk_seconds=6.0, search_seconds=3.0))
    assert len(chunks) > 2
    assert sum(c.samples.shape[1] for c in chunks) == whole.samples.shape[1]
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        assert nxt.offset == pytest.approx(prev.offset + prev.duration)
        assert prev.duration <= 9.0
        # The cut falls in a quiet stretch: the last 0.05 s of a chunk is near-silent.
        tail = np.abs(prev.samples[0, -800:]).mean()
        assert tail < 0.1 * np.abs(whole.samples).mean()


def test_channel_energy_decides_the_speaker():
    t = np.linspace(0, 2, 32000, dtype=np.float32)
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    silence = np.zeros_like(tone)
    stereo = np.stack([np.concatenate([tone, silence]), np.concatenate([silence, tone])])
    pieces = [Piece(0.1, 1.9, "a"), Piece(2.1, 3.9, "b"), Piece(1.5, 2.5, "c")]
    speakers.label_by_channel(stereo, pieces)
    assert [p.speaker for p in pieces] == ["Kanal 1", "Kanal 2", None]
    mono_as_stereo = np.stack([np.concatenate([tone, tone])] * 2)
    copies = [Piece(0.1, 1.9, "a")]
    speakers.label_by_channel(mono_as_stereo, copies)
    assert copies[0].speaker is None


def test_offline_model_assembles_once_atomically_and_repairs(tmp_path, monkeypatch):
    if models.offline_parts() is None:
        pytest.skip("the offline-model extra is not installed")
    monkeypatch.setenv("QUALKIT_MODEL_CACHE", str(tmp_path / "cache"))
    assert not models.offline_ready()
    folder = models.prepare_offline_model()
    meta, parts = models.offline_parts()
    size = (folder / "model.bin").stat().st_size
    assert size == sum(p.stat().st_size for p in parts)
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {p.name for p in folder.iterdir()}
    assert json.loads((folder / models.STAMP).read_text())["model_bin_bytes"] == size
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temp folder left
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert models.prepare_offline_model() == folder
    assert (folder / "model.bin").stat().st_mtime_ns == mtime  # not assembled twice
    with (folder / "model.bin").open("r+b") as fh:  # a damaged cache is noticed and rebuilt
        fh.truncate(1000)
    assert not models.offline_ready()
    models.prepare_offline_model()
    assert models.offline_ready() and (folder / "model.bin").stat().st_size == size
    resolved = models.resolve_model(None)
    assert resolved.local and resolved.source == str(folder)


def test_model_names_and_folders(tmp_path):
    assert models.resolve_model("large-v3-turbo").source == "large-v3-turbo"
    assert not models.resolve_model("small").local
    with pytest.raises(InputError, match="Ukendt model"):
        models.resolve_model("huge")
    with pytest.raises(InputError, match="modelmappen findes ikke"):
        models.resolve_model(str(tmp_path / "nope"))
    (tmp_path / "ct2").mkdir()
    (tmp_path / "ct2" / "model.bin").write_bytes(b"x")
    (tmp_path / "ct2" / "config.json").write_text("{}")
    assert models.resolve_model(str(tmp_path / "ct2")).local
