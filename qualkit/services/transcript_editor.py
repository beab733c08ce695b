"""Use case: correct a transcript: text, split, merge, markers, speakers.

Every change marks the segment as edited (so re-transcription asks first) and writes
an audit row with positions and sizes only, never the text itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from qualkit.errors import InputError, NotFound
from qualkit.messages import msg as _msg
from qualkit.store.models import Interview, Segment

from . import _retry, audit
from .context import Context
from .transcription import _interview, audio_file, is_locked, latest_job

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MARKERS = ("[uforståeligt]", "[pause]")


def _segment(s: Session, ctx: Context, segment_id: int) -> tuple[Segment, Interview]:
    seg = s.get(Segment, segment_id)
    if seg is None:
        raise NotFound(_msg("segment.not_found", id=segment_id))
    iv = seg.interview
    if iv.project_id != ctx.project_id:
        raise NotFound(_msg("segment.not_found", id=segment_id))
    if is_locked(iv):
        raise InputError(_msg("transcript.approved", title=iv.title))
    return seg, iv


def _audit(s: Session, ctx: Context, action: str, iv: Interview, **details: Any) -> None:
    audit.record(
        s,
        ctx.actor,
        action,
        project_id=ctx.project_id,
        target_type="interview",
        target_id=iv.id,
        details=details,
    )


def _renumber(s: Session, iv: Interview, ordered: list[Segment]) -> None:
    """Give segments positions 0..n-1 without tripping the (interview, position) unique key."""
    for i, seg in enumerate(ordered):
        seg.position = -(i + 1)
    s.flush()
    for i, seg in enumerate(ordered):
        seg.position = i
    s.flush()


def editor_data(ctx: Context, interview_id: int) -> dict[str, Any]:
    """Everything the editor shows for one interview."""
    ctx.require("transcript.edit")
    job = latest_job(ctx, interview_id) if _can(ctx, "transcribe") else None
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        path = audio_file(ctx.db, iv.audio_path)
        speakers = list(iv.speakers or {})
        for seg in iv.segments:
            if seg.speaker and seg.speaker not in speakers:
                speakers.append(seg.speaker)
        return {
            "id": iv.id,
            "title": iv.title,
            "status": iv.status,
            "language": iv.language,
            "locked": is_locked(iv),
            "transcript_approved_at": iv.transcript_approved_at,
            "duration": iv.duration,
            "speakers": speakers,
            "audio": "deleted"
            if iv.audio_deleted_at
            else ("present" if path is not None and path.exists() else "none"),
            "audio_deleted_at": iv.audio_deleted_at,
            "job": job,
            "segments": [
                {
                    "id": g.id,
                    "number": g.position + 1,
                    "start": g.start,
                    "end": g.end,
                    "speaker": g.speaker,
                    "text": g.text,
                    "edited": g.edited,
                }
                for g in iv.segments
            ],
        }


def _can(ctx: Context, capability: str) -> bool:
    from .permissions import allowed

    return allowed(ctx.actor.role, capability)


def save_text(ctx: Context, segment_id: int, text: str) -> bool:
    """Autosave one segment's text; returns False when nothing changed."""
    ctx.require("transcript.edit")
    text = text.strip()

    def work(s: Session) -> bool:
        seg, iv = _segment(s, ctx, segment_id)
        if seg.text == text:
            return False
        before = len(seg.text)
        seg.text, seg.edited = text, True
        _audit(
            s,
            ctx,
            "segment.edit",
            iv,
            segment=seg.id,
            position=seg.position + 1,
            chars_before=before,
            chars_after=len(text),
        )
        return True

    return _retry.write(ctx.db, work)


def insert_marker(ctx: Context, segment_id: int, marker: str) -> None:
    """Append ``[uforståeligt]`` or ``[pause]`` to a segment."""
    ctx.require("transcript.edit")
    if marker not in MARKERS:
        raise InputError(
            _msg("choice.unknown", what="markør", value=marker, choices=" eller ".join(MARKERS))
        )

    def work(s: Session) -> None:
        seg, iv = _segment(s, ctx, segment_id)
        seg.text = f"{seg.text} {marker}".strip()
        seg.edited = True
        _audit(
            s, ctx, "segment.marker", iv, segment=seg.id, position=seg.position + 1, marker=marker
        )

    _retry.write(ctx.db, work)


def _split_point(text: str) -> int:
    """The sentence end (else word gap) nearest the middle of the text."""
    mid = len(text) / 2
    ends = [m.end() for m in re.finditer(r"[.!?…]\s+", text)] or [
        m.start() for m in re.finditer(r"\s+", text)
    ]
    if not ends:
        raise InputError("Segmentet har kun ét ord; der er intet at dele.")
    return min(ends, key=lambda i: abs(i - mid))


def split_segment(ctx: Context, segment_id: int, at: int | None = None) -> int:
    """Split a segment in two at character ``at`` (default: the sentence end nearest the
    middle); times are shared out by text length. Returns the new second segment's id."""
    ctx.require("transcript.edit")

    def work(s: Session) -> int:
        seg, iv = _segment(s, ctx, segment_id)
        text = seg.text
        cut = _split_point(text) if at is None else at
        first, second = text[:cut].strip(), text[cut:].strip()
        if not first or not second:
            raise InputError("Del inde i teksten: begge dele skal have ord.")
        mid_time = None
        if seg.start is not None and seg.end is not None:
            mid_time = round(seg.start + (seg.end - seg.start) * len(first) / max(1, len(text)), 3)
        new = Segment(
            interview_id=iv.id,
            position=10**6,
            start=mid_time,
            end=seg.end,
            speaker=seg.speaker,
            text=second,
            edited=True,
        )
        seg.text, seg.end, seg.edited = first, mid_time if mid_time is not None else seg.end, True
        ordered = list(iv.segments)
        ordered.insert(ordered.index(seg) + 1, new)
        s.add(new)
        _renumber(s, iv, ordered)
        _audit(s, ctx, "segment.split", iv, segment=seg.id, position=seg.position + 1)
        return new.id

    return _retry.write(ctx.db, work)


def merge_with_next(ctx: Context, segment_id: int) -> None:
    """Join a segment and the one after it (the first one's speaker is kept)."""
    ctx.require("transcript.edit")

    def work(s: Session) -> None:
        seg, iv = _segment(s, ctx, segment_id)
        ordered = list(iv.segments)
        i = ordered.index(seg)
        if i + 1 >= len(ordered):
            raise InputError("Det sidste segment har intet efter sig at lægge sammen med.")
        nxt = ordered[i + 1]
        seg.text = f"{seg.text} {nxt.text}".strip()
        seg.end = nxt.end if nxt.end is not None else seg.end
        seg.edited = True
        ordered.remove(nxt)
        iv.segments.remove(nxt)
        s.flush()
        _renumber(s, iv, ordered)
        _audit(s, ctx, "segment.merge", iv, segment=seg.id, position=seg.position + 1)

    _retry.write(ctx.db, work)


def assign_speaker(
    ctx: Context, interview_id: int, first: int, last: int | None, speaker: str | None
) -> int:
    """Give segments number ``first``..``last`` (1-based, as shown) one speaker."""
    ctx.require("transcript.edit")
    speaker = (speaker or "").strip() or None
    last = first if last is None else last

    def work(s: Session) -> int:
        iv = _interview(s, ctx, interview_id)
        if is_locked(iv):
            raise InputError(_msg("transcript.approved", title=iv.title))
        n = len(iv.segments)
        if not (1 <= first <= last <= n):
            raise InputError(
                f"Segment {first}-{last}: vælg numre mellem 1 og {n}, det første før det sidste."
            )
        for seg in iv.segments[first - 1 : last]:
            seg.speaker = speaker
        if speaker and speaker not in (iv.speakers or {}):
            iv.speakers = {**(iv.speakers or {}), speaker: {}}
        _audit(s, ctx, "segment.speaker", iv, first=first, last=last, segments=last - first + 1)
        return last - first + 1

    return _retry.write(ctx.db, work)


def rename_speaker(ctx: Context, interview_id: int, old: str, new: str) -> int:
    """Rename a speaker everywhere in the interview ("Kanal 1" -> "Interviewer")."""
    ctx.require("transcript.edit")
    new = new.strip()
    if not new:
        raise InputError("En taler skal have et navn.")

    def work(s: Session) -> int:
        iv = _interview(s, ctx, interview_id)
        if is_locked(iv):
            raise InputError(_msg("transcript.approved", title=iv.title))
        count = 0
        for seg in iv.segments:
            if seg.speaker == old:
                seg.speaker = new
                count += 1
        names = {(new if k == old else k): v for k, v in (iv.speakers or {}).items()}
        names.setdefault(new, {})
        iv.speakers = names
        _audit(s, ctx, "speaker.rename", iv, segments=count)
        return count

    return _retry.write(ctx.db, work)


def add_speaker(ctx: Context, interview_id: int, name: str) -> None:
    ctx.require("transcript.edit")
    name = name.strip()
    if not name:
        raise InputError("En taler skal have et navn.")

    def work(s: Session) -> None:
        iv = _interview(s, ctx, interview_id)
        if name not in (iv.speakers or {}):
            iv.speakers = {**(iv.speakers or {}), name: {}}
            _audit(s, ctx, "speaker.add", iv)

    _retry.write(ctx.db, work)


def edited_count(ctx: Context, interview_id: int) -> int:
    ctx.require("transcript.read")
    with ctx.db.session() as s:
        _interview(s, ctx, interview_id)
        return (
            s.scalar(
                select(func.count(Segment.id)).where(
                    Segment.interview_id == interview_id, Segment.edited.is_(True)
                )
            )
            or 0
        )
