"""Interviews and transcripts: list, read, import from text."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from qualkit.errors import InputError, NotFound
from qualkit.store.models import Interview, Participant, Segment
from qualkit.transcripts.textformat import Turn, parse_transcript

from . import audit, participants, read_policy
from .context import Context

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def list_interviews(ctx: Context) -> list[dict[str, Any]]:
    ctx.require("interview.list")
    with ctx.db.session() as s:
        counts = dict(
            s.execute(
                select(Segment.interview_id, func.count(Segment.id)).group_by(Segment.interview_id)
            ).all()
        )
        rows = s.execute(
            select(Interview, Participant.citizen_id)
            .outerjoin(Participant, Interview.participant_id == Participant.id)
            .where(read_policy.interviews(ctx))  # writers: de-identified interviews only
            .order_by(Interview.interview_date, Interview.id)
        ).all()
        return [
            {
                "id": iv.id,
                "title": iv.title,
                "kind": iv.kind,
                "citizen_id": cid,
                "staff_role": iv.staff_role,
                "wave": iv.wave,
                "date": iv.interview_date,
                "interviewer": iv.interviewer,
                "status": iv.status,
                "segments": counts.get(iv.id, 0),
                "audio": "slettet" if iv.audio_deleted_at else ("ja" if iv.audio_path else "nej"),
            }
            for iv, cid in rows
        ]


def _interview(s: Session, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(f"No interview {interview_id} in this project.")
    return iv


def get_transcript(ctx: Context, interview_id: int) -> dict[str, Any]:
    """The interview with its segments, as the acting user may see them."""
    ctx.require("transcript.read")
    with ctx.db.session() as s:
        iv = read_policy.require_interview(s, ctx, interview_id)
        return {
            "id": iv.id,
            "title": iv.title,
            "status": iv.status,
            "speakers": iv.speakers,
            "segments": [
                {
                    "id": seg.id,
                    "position": seg.position,
                    "start": seg.start,
                    "end": seg.end,
                    "speaker": seg.speaker,
                    "text": seg.text,
                }
                for seg in iv.segments
            ],
        }


def create_interview_from_turns(
    ctx: Context,
    title: str,
    turns: list[Turn],
    *,
    citizen_id: str | None = None,
    kind: str = "citizen",
    staff_role: str | None = None,
    wave: int | None = None,
    interview_date: date | None = None,
    interviewer: str | None = None,
    speakers: dict[str, Any] | None = None,
    source: str = "import",
) -> int:
    ctx.require("transcript.edit")
    if not turns:
        raise InputError(f"{title}: the transcript has no turns.")
    with ctx.db.session() as s:
        participant_id = participants.participant_id(s, ctx, citizen_id, title)
        iv = Interview(
            project_id=ctx.project_id,
            participant_id=participant_id,
            title=title,
            kind=kind,
            staff_role=staff_role,
            wave=wave,
            interview_date=interview_date,
            interviewer=interviewer,
            status="transcribed",
            source=source,
            speakers=speakers or {t.speaker: {} for t in turns if t.speaker},
        )
        iv.segments = [
            Segment(position=i, start=t.start, end=t.end, speaker=t.speaker, text=t.text)
            for i, t in enumerate(turns)
        ]
        s.add(iv)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "interview.import",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"segments": len(turns), "source": source},
        )
        return iv.id


def import_text(ctx: Context, path: str | Path, **meta: Any) -> int:
    p = Path(path)
    if p.suffix.lower() == ".docx" and p.is_file():
        from qualkit.transcripts.docxformat import docx_text

        text = docx_text(p)
        if not text.strip():
            raise InputError(f"{path}: the document is empty.")
        return create_interview_from_turns(
            ctx, meta.pop("title", p.stem), parse_transcript(text), **meta
        )
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}).") from None
    if not raw.strip():
        raise InputError(f"{path}: the file is empty.")
    if b"\x00" in raw[:4096]:
        raise InputError(f"{path}: binary file; expected transcript text (.txt) or .docx.")
    from qualkit.limits import check_text_bytes

    check_text_bytes(raw, str(path))  # size, and NUL anywhere
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return create_interview_from_turns(
        ctx, meta.pop("title", p.stem), parse_transcript(text), **meta
    )
