"""One mechanism for every path that changes a segment's text: its decisions follow.

Whatever changes ``Segment.text`` before de-identification (the transcript editor, the
review page, ``qualkit interviews edit``, split, merge, markers, any future path) goes
through the ORM, so a ``before_flush`` hook sees the old and the new text: the segment's
``text_version`` counts one up and each de-identification decision on it is re-anchored
(the same words at a shifted offset) or marked stale (qualkit.deid.anchors). Approval
(services/deid_approval.py) then refuses until a proposal run has seen the current text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from qualkit.deid.anchors import reanchor

from .models.interviews import EntityDecision, Segment


def _changed_text(seg: Segment) -> tuple[bool, str | None]:
    """(changed, old text); old is None where it was never loaded (then all go stale)."""
    hist = inspect(seg).attrs.text.history
    if not hist.added:
        return False, None
    old = hist.deleted[0] if hist.deleted else None
    if old is not None and old == seg.text:
        return False, None
    return True, old


def _follow(session: Session, seg: Segment, old: str | None) -> None:
    seg.text_version = (seg.text_version or 0) + 1
    with session.no_autoflush:
        rows = session.scalars(
            select(EntityDecision)
            .where(EntityDecision.segment_id == seg.id)
            .order_by(EntityDecision.start)
        ).all()
    taken: list[tuple[int, int]] = []
    for row in rows:
        if row.start is None or row.end is None or row.stale:
            continue
        hit = None if old is None else reanchor(old, seg.text or "", row.start, row.end, taken)
        if hit is None:
            row.stale = True
        else:
            row.start, row.end = hit
            row.text_version = seg.text_version
            taken.append(hit)


@event.listens_for(Session, "before_flush")
def _segments_changed(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty):
        if not isinstance(obj, Segment) or obj.deidentified:
            continue  # approval rewrites de-identified text and moves the offsets itself
        changed, old = _changed_text(obj)
        if changed:
            _follow(session, obj, old)
