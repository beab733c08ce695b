"""Interviews and transcripts: list, read, import from text."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound, QualkitError
from qualkit.messages import msg as _msg
from qualkit.messages import os_reason
from qualkit.store.models import Interview, InterviewPerson, Participant, Segment
from qualkit.transcripts.textformat import Turn, parse_transcript

from . import _retry, audit, read_policy
from .context import Context
from .interview_meta import InterviewMeta, apply_meta, parse_meta

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
        linked: dict[int, list[str]] = {}
        for iid, cid in s.execute(
            select(InterviewPerson.interview_id, Participant.citizen_id)
            .join(Participant, InterviewPerson.participant_id == Participant.id)
            .join(Interview, InterviewPerson.interview_id == Interview.id)
            .where(Interview.project_id == ctx.project_id)
            .order_by(InterviewPerson.id)
        ).all():
            linked.setdefault(iid, []).append(cid)
        return [
            {
                "id": iv.id,
                "title": iv.title,
                "kind": iv.kind,
                "citizen_id": cid,
                "citizens": linked.get(iv.id, [cid] if cid else []),
                "staff_role": iv.staff_role,
                "wave": iv.wave,
                "date": iv.interview_date,
                "interviewer": iv.interviewer,
                "site": iv.site,
                "status": iv.status,
                "segments": counts.get(iv.id, 0),
                "audio": "slettet" if iv.audio_deleted_at else ("ja" if iv.audio_path else "nej"),
            }
            for iv, cid in rows
        ]


def _interview(s: Session, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(_msg("interview.not_found", id=interview_id))
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


def _meta(meta: InterviewMeta | None, legacy: dict[str, Any], where: str) -> InterviewMeta:
    """Metadata from an InterviewMeta or the keyword arguments callers used before it."""
    if meta is not None:
        return meta
    cid = legacy.pop("citizen_id", None)
    return parse_meta(
        kind=legacy.pop("kind", None),
        wave=legacy.pop("wave", None),
        interview_date=legacy.pop("interview_date", None),
        interviewer=legacy.pop("interviewer", None),
        site=legacy.pop("site", None),
        citizens=legacy.pop("citizens", None) or ([cid] if cid else []),
        staff_role=legacy.pop("staff_role", None),
        where=where,
    )


def create_interview_from_turns(
    ctx: Context,
    title: str,
    turns: list[Turn],
    *,
    meta: InterviewMeta | None = None,
    speakers: dict[str, Any] | None = None,
    source: str = "import",
    **legacy: Any,
) -> int:
    """A transcribed interview (or field note, document) from turns, with its metadata.

    ``legacy`` takes the keyword arguments of before InterviewMeta (citizen_id, kind, wave,
    interview_date, interviewer, staff_role, site)."""
    ctx.require("transcript.edit")
    if not turns:
        raise InputError(f"{title}: transskriptionen har ingen replikker.")
    m = _meta(meta, legacy, title)
    if legacy:
        raise TypeError(f"unknown argument(s) {', '.join(legacy)}")

    def work(s: Session) -> int:
        iv = Interview(
            project_id=ctx.project_id,
            title=title,
            status="transcribed",
            source=source,
            speakers=speakers or {t.speaker: {} for t in turns if t.speaker},
        )
        apply_meta(s, ctx, iv, m, title)
        iv.segments = [
            Segment(position=i, start=t.start, end=t.end, speaker=t.speaker, text=t.text)
            for i, t in enumerate(turns)
        ]
        s.add(iv)
        s.flush()
        from .speakers import link_from_map

        link_from_map(s, iv)
        audit.record(
            s,
            ctx.actor,
            "interview.import",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"segments": len(turns), "source": source, "kind": m.kind.value},
        )
        return iv.id

    return _retry.write(ctx.db, work)


def add_interview(
    ctx: Context,
    title: str,
    meta: InterviewMeta,
    *,
    audio: str | Path | None = None,
    audio_name: str | None = None,
    audio_bytes: bytes | None = None,
) -> int:
    """A new interview awaiting transcription (`qualkit interviews add`, the app's form).

    Audio (a path, or an upload's name and bytes) is attached through the upload check of
    services.transcription; if it is refused, the new interview is removed again, so a
    failed add leaves nothing behind."""
    ctx.require("transcript.edit")
    if not title.strip():
        raise InputError("Et interview skal have en titel (--title).")
    data = audio_bytes
    if audio is not None:
        p = Path(audio)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(_msg("file.unreadable", path=audio, reason=os_reason(exc))) from None
        audio_name = audio_name or p.name

    def create(s: Session) -> int:
        iv = Interview(
            project_id=ctx.project_id,
            title=title.strip(),
            status="new",
            source="transcription",
            speakers={},
        )
        apply_meta(s, ctx, iv, meta, title)
        s.add(iv)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "interview.create",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"kind": meta.kind.value, "wave": meta.wave},
        )
        return iv.id

    iid = _retry.write(ctx.db, create)
    if data is not None:
        from . import transcription

        try:
            transcription.attach_audio(ctx, iid, audio_name or "lyd", data)
        except QualkitError:

            def discard(s: Session) -> None:
                gone = s.get(Interview, iid)
                if gone is not None:
                    s.delete(gone)
                audit.record(
                    s,
                    ctx.actor,
                    "interview.discard",
                    project_id=ctx.project_id,
                    target_type="interview",
                    target_id=iid,
                    details={"reason": "audio refused"},
                )

            _retry.write(ctx.db, discard)
            raise
    return iid


def import_text(ctx: Context, path: str | Path, **meta: Any) -> int:
    p = Path(path)
    if p.suffix.lower() == ".docx" and p.is_file():
        from qualkit.transcripts.docxformat import docx_text

        text = docx_text(p)
        if not text.strip():
            raise InputError(f"{path}: dokumentet er tomt.")
        return create_interview_from_turns(
            ctx, meta.pop("title", p.stem), parse_transcript(text), **meta
        )
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=path, reason=os_reason(exc))) from None
    if not raw.strip():
        raise InputError(_msg("file.empty", path=path))
    if b"\x00" in raw[:4096]:
        raise InputError(f"{path}: binær fil; forventede transskriptionstekst (.txt) eller .docx.")
    from qualkit.limits import check_text_bytes

    check_text_bytes(raw, str(path))  # size, and NUL anywhere
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return create_interview_from_turns(
        ctx, meta.pop("title", p.stem), parse_transcript(text), **meta
    )
