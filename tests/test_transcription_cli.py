"""`qualkit transcribe` with the real offline Whisper base model on real espeak-ng Danish speech."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from qualkit.cli import main
from qualkit.transcription.audio import probe
from qualkit.transcripts.textformat import parse_transcript

from .speech import SENTENCES, convert, shared_word_share

pytestmark = pytest.mark.slow


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["transcribe", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_to_stdout_follows_design_and_reports_model(capsys, mono_clip, offline_model):
    code, out, err = _run(capsys, str(mono_clip))
    assert code == 0, err
    doc = json.loads(out)  # stdout holds the transcript only
    assert set(doc) == {"audio", "language", "duration", "engine", "model", "segments"}
    assert doc["engine"] == "faster-whisper" and doc["language"] == "da"
    assert str(offline_model) in doc["model"]
    assert doc["duration"] == pytest.approx(probe(mono_clip).duration, abs=0.05)
    assert doc["segments"], "no speech recognised"
    for seg in doc["segments"]:
        assert set(seg) == {"start", "end", "speaker", "text"}
        assert isinstance(seg["start"], float) and isinstance(seg["end"], float)
        assert 0 <= seg["start"] < seg["end"] <= doc["duration"] + 0.5
        assert seg["speaker"] is None  # mono: no channel speakers
    text = " ".join(s["text"] for s in doc["segments"])
    assert shared_word_share(SENTENCES[0], text) >= 0.3, text
    assert "model" in err and str(offline_model) in err


def test_txt_docx_srt_vtt_outputs(capsys, tmp_path, speech_dir, mono_clip, offline_model):
    # 128 kb/s: at ffmpeg's default 32 kb/s the base model rates espeak's voice as no speech.
    mp3 = convert(mono_clip, speech_dir / "mono.mp3", "-ar", "44100", "-b:a", "128k")
    code, out, err = _run(capsys, str(mp3), "--format", "json")
    assert code == 0, err
    segments = json.loads(out)["segments"]
    assert segments, "no speech recognised in the mp3"

    txt = tmp_path / "t.txt"
    assert _run(capsys, str(mp3), "--out", str(txt))[0] == 0
    turns = parse_transcript(txt.read_text(encoding="utf-8"))
    assert [t.text for t in turns] == [s["text"] for s in segments]
    assert all(t.start is not None for t in turns)

    srt = tmp_path / "t.srt"
    assert _run(capsys, str(mp3), "--format", "srt", "--out", str(srt))[0] == 0
    blocks = srt.read_text(encoding="utf-8").strip().split("\n\n")
    assert len(blocks) == len(segments)
    for i, block in enumerate(blocks, 1):
        lines = block.split("\n")
        assert lines[0] == str(i)
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", lines[1])

    vtt = tmp_path / "t.vtt"
    assert _run(capsys, str(mp3), "--out", str(vtt))[0] == 0
    body = vtt.read_text(encoding="utf-8")
    assert body.startswith("WEBVTT\n")
    assert len(re.findall(r"\d\d:\d\d:\d\d\.\d{3} --> ", body)) == len(segments)

    docx_path = tmp_path / "t.docx"
    assert _run(capsys, str(mp3), "--format", "docx", "--out", str(docx_path))[0] == 0
    from qualkit.transcripts.docxformat import docx_text

    again = parse_transcript(docx_text(docx_path))
    assert [t.text for t in again if t.start is not None] == [s["text"] for s in segments]
    assert [p.name for p in tmp_path.glob(".*")] == [".qualkit-output.json"], "temp files left"


def test_stereo_m4a_gives_two_speakers(capsys, speech_dir, stereo_clip, offline_model):
    m4a = convert(stereo_clip, speech_dir / "dialogue.m4a", "-c:a", "aac", "-b:a", "96k")
    assert probe(m4a).channels == 2
    code, out, err = _run(capsys, str(m4a))
    assert code == 0, err
    segs = json.loads(out)["segments"]
    speakers = [s["speaker"] for s in segs]
    assert set(speakers) == {"Kanal 1", "Kanal 2"}, segs
    # The left-channel voice speaks first, the right-channel voice answers.
    assert speakers[0] == "Kanal 1" and speakers[-1] == "Kanal 2"
    # Each voice's segments lie in its own turn (the left turn ends at first_end).
    first_end = probe(speech_dir / "turn0.wav").duration
    assert all(s["start"] < first_end for s in segs if s["speaker"] == "Kanal 1")
    assert all(s["end"] > first_end for s in segs if s["speaker"] == "Kanal 2")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qualkit", *args], capture_output=True, text=True, timeout=120
    )


def test_bad_input_one_line_nonzero_no_traceback(tmp_path):
    not_audio = tmp_path / "notes.m4a"
    not_audio.write_text("Dette er ikke lyd, men et notat.\n" * 20, encoding="utf-8")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    out = tmp_path / "out.json"
    cases = {
        not_audio: "ikke en lydfil",
        empty: "længden er nul",
        tmp_path / "missing.mp3": "filen findes ikke",
        tmp_path: "er en mappe",
    }
    for path, phrase in cases.items():
        r = _cli("transcribe", str(path), "--out", str(out))
        assert r.returncode != 0, path
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
        assert str(path) in lines[0] and phrase in lines[0], lines[0]
        assert r.stdout == ""
        assert not out.exists()


def test_bad_options_are_refused(capsys, mono_clip, tmp_path):
    assert main(["transcribe", str(mono_clip), "--format", "pdf"]) == 2
    assert main(["transcribe", str(mono_clip), "--format", "docx"]) == 2
    assert main(["transcribe", str(mono_clip), "--engine", "whisperx"]) == 2
    assert main(["transcribe", str(mono_clip), "--model", "gigantic"]) == 2
    assert main(["transcribe", str(mono_clip), "--model", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pdf" in err and "--out" in err and "whisperx" in err and "gigantic" in err
    assert "CTranslate2" in err
    try:
        import whisper  # noqa: F401
    except ImportError:  # the optional engine says how to install it, in one line
        assert main(["transcribe", str(mono_clip), "--engine", "openai-whisper"]) == 2
        assert "pip install -e '.[openai-whisper]'" in capsys.readouterr().err
