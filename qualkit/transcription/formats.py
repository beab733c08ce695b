"""Writing a transcript: json (docs/DESIGN.md's contract), txt and docx in the transcript format,
srt and vtt subtitles for playing alongside the audio."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.transcripts.textformat import Turn, format_transcript

from .pipeline import Transcript

if TYPE_CHECKING:
    from collections.abc import Callable

FORMATS = ("json", "txt", "docx", "srt", "vtt")


def to_dict(t: Transcript) -> dict:
    """Exactly docs/DESIGN.md's shape: seconds as floats, speaker null where unknown. (Word
    times are stored with the segments of a stored interview, not in this file format.)"""
    return {
        "audio": t.audio,
        "language": t.language,
        "duration": float(t.duration),
        "engine": t.engine,
        "model": t.model,
        "segments": [
            {"start": float(s.start), "end": float(s.end), "speaker": s.speaker, "text": s.text}
            for s in t.segments
        ],
    }


def to_json(t: Transcript) -> str:
    return json.dumps(to_dict(t), ensure_ascii=False, indent=2) + "\n"


def _turns(t: Transcript) -> list[Turn]:
    return [Turn(s.speaker, s.text, s.start, s.end) for s in t.segments]


def to_txt(t: Transcript) -> str:
    return format_transcript(_turns(t))


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cue_text(s) -> str:
    return f"{s.speaker}: {s.text}" if s.speaker else s.text


def to_srt(t: Transcript) -> str:
    blocks = [
        f"{i}\n{_stamp(s.start, ',')} --> {_stamp(s.end, ',')}\n{_cue_text(s)}\n"
        for i, s in enumerate(t.segments, 1)
    ]
    return "\n".join(blocks)


def to_vtt(t: Transcript) -> str:
    blocks = ["WEBVTT\n"]
    for s in t.segments:
        voice = f"<v {s.speaker}>{s.text}" if s.speaker else s.text
        blocks.append(f"{_stamp(s.start, '.')} --> {_stamp(s.end, '.')}\n{voice}\n")
    return "\n".join(blocks)


def to_docx(t: Transcript) -> bytes:
    """One paragraph a turn, `[hh:mm:ss] SPEAKER: text`, so it imports back unchanged."""
    from docx import Document

    from qualkit.exports.wordlang import set_danish

    doc = Document()
    lang = t.language or "da"
    set_danish(doc, "da-DK" if lang.startswith("da") else lang)
    doc.add_heading(Path(t.audio).name, level=1)
    for line in to_txt(t).strip().split("\n\n"):
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render(t: Transcript, fmt: str) -> str | bytes:
    if fmt not in FORMATS:
        raise InputError(
            _msg("choice.unknown", what="format", value=fmt, choices=", ".join(FORMATS))
        )
    writers: dict[str, Callable[[Transcript], str | bytes]] = {
        "json": to_json,
        "txt": to_txt,
        "docx": to_docx,
        "srt": to_srt,
        "vtt": to_vtt,
    }
    return writers[fmt](t)


def format_for(out: str | None, fmt: str | None) -> str:
    """The format asked for, else the one the output file's extension names, else json."""
    if fmt:
        if fmt not in FORMATS:
            raise InputError(
                _msg("choice.unknown", what="format", value=fmt, choices=", ".join(FORMATS))
            )
        return fmt
    ext = Path(out).suffix.lower().lstrip(".") if out else ""
    return ext if ext in FORMATS else "json"


def write_atomic(path: str | Path, data: str | bytes, *, force: bool | None = None) -> None:
    """Write through the one output mechanism (``qualkit.exports.files.write_atomic``):
    never a half-written output, never a file qualkit did not write replaced."""
    from qualkit.exports.files import write_atomic as write_output

    payload = data.encode("utf-8") if isinstance(data, str) else data
    write_output(path, lambda tmp: tmp.write_bytes(payload), force=force)
