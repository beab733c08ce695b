"""Helpers shared by coding and consensus: segments and codes of the project, spans."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.store.models import Code, Codebook, Interview, Segment

from .context import Context


def project_segments(s: Session, ctx: Context, segment_ids: Iterable[int]) -> dict[int, Segment]:
    """The segments by id; raises InputError naming unknown ones (nothing is changed)."""
    ids = sorted({int(i) for i in segment_ids})
    if not ids:
        raise InputError("Choose at least one segment.")
    rows = s.scalars(
        select(Segment)
        .join(Interview, Segment.interview_id == Interview.id)
        .where(Segment.id.in_(ids), Interview.project_id == ctx.project_id)
    ).all()
    found = {seg.id: seg for seg in rows}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InputError(
            f"Unknown segment(s) in this project: {', '.join(map(str, unknown[:20]))}; "
            "nothing was coded."
        )
    return found


def project_code(s: Session, ctx: Context, code_id: int, *, usable: bool = True) -> Code:
    code = s.scalar(
        select(Code)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .where(Code.id == code_id, Codebook.project_id == ctx.project_id)
    )
    if code is None:
        raise NotFound(f"No code {code_id} in this project.")
    if usable and code.retired_at is not None:
        raise InputError(f"The code '{code.name}' is retired and can no longer be applied.")
    return code


def check_span(seg: Segment, start_char: int | None, end_char: int | None) -> None:
    if start_char is None and end_char is None:
        return
    if start_char is None or end_char is None:
        raise InputError("A character span needs both a start and an end.")
    if not (0 <= start_char < end_char <= len(seg.text or "")):
        raise InputError(
            f"Segment {seg.position}: the span {start_char}-{end_char} is outside "
            f"its text (0-{len(seg.text or '')})."
        )


def find_span(text: str, fragment: str) -> tuple[int, int]:
    """The span of a quoted fragment inside a segment's text (first occurrence)."""
    frag = fragment.strip()
    if not frag:
        raise InputError("The text fragment is empty.")
    at = text.find(frag)
    if at < 0:
        raise InputError("The text fragment does not occur in the segment; copy it exactly.")
    return at, at + len(frag)
