"""Quotes as exchanges: a citizen's answer printed with the interviewer's question before it
(seed 002 lines 529-544, seed 003 line 3107). The question is de-identified text too, so it
goes through the same export safety check as the quote itself."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.exports import safety
from qualkit.exports.records import Quote
from qualkit.store.models import Interview, Segment

from .context import Context
from .export_policy import DEIDENTIFIED_STATUSES
from .speakers import INTERVIEWER, role_of_turn, turn_roles


def with_questions(
    s: Session, ctx: Context, quotes: list[Quote], reviewed_spans
) -> tuple[list[Quote], list[safety.Passage]]:
    """Each quote whose previous turn is the interviewer's, with that turn as its context;
    and the safety passages of the added questions."""
    if not quotes:
        return quotes, []
    segs = {
        seg.id: seg
        for seg in s.scalars(select(Segment).where(Segment.id.in_({q.segment_id for q in quotes})))
    }
    ivs = {
        iv.id: iv
        for iv in s.scalars(
            select(Interview).where(Interview.id.in_({q.interview_id for q in quotes}))
        )
    }
    roles = {iid: turn_roles(s, iv) for iid, iv in ivs.items()}
    prev: dict[int, Segment] = {}
    for seg in segs.values():
        before = s.scalar(
            select(Segment).where(
                Segment.interview_id == seg.interview_id, Segment.position == seg.position - 1
            )
        )
        if before is None:
            continue
        iv = ivs[seg.interview_id]
        if role_of_turn(iv, roles[iv.id], before.speaker).role != INTERVIEWER:
            continue
        if not (before.deidentified or iv.status in DEIDENTIFIED_STATUSES):
            continue
        prev[seg.id] = before
    reviewed = reviewed_spans(s, ctx.project_id, {p.id for p in prev.values()})
    out, passages = [], []
    for q in quotes:
        before = prev.get(q.segment_id)
        if before is None or not (before.text or "").strip():
            out.append(q)
            continue
        out.append(replace(q, context=(("Interviewer", before.text or ""),)))
        passages.append(
            safety.Passage(
                before.id,
                before.text or "",
                q.source_ref + " (spørgsmål)",
                tuple(reviewed.get(before.id, [])),
            )
        )
    return out, passages
