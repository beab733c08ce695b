"""Helpers shared by coding and consensus: segments and codes of the project, spans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.messages import msg as _msg
from qualkit.store.models import Code, Codebook, Interview, Segment

from . import audit
from .context import Context


def project_segments(s: Session, ctx: Context, segment_ids: Iterable[int]) -> dict[int, Segment]:
    """The segments by id; raises InputError naming unknown ones (nothing is changed)."""
    ids = sorted({int(i) for i in segment_ids})
    if not ids:
        raise InputError("Vælg mindst ét segment.")
    rows = s.scalars(
        select(Segment)
        .join(Interview, Segment.interview_id == Interview.id)
        .where(Segment.id.in_(ids), Interview.project_id == ctx.project_id)
    ).all()
    found = {seg.id: seg for seg in rows}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InputError(_msg("segment.unknown", ids=", ".join(map(str, unknown[:20]))))
    return found


def project_code(s: Session, ctx: Context, code_id: int, *, usable: bool = True) -> Code:
    code = s.scalar(
        select(Code)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .where(Code.id == code_id, Codebook.project_id == ctx.project_id)
    )
    if code is None:
        raise NotFound(_msg("code.not_found", id=code_id))
    if usable and code.retired_at is not None:
        raise InputError(_msg("coding.retired", name=code.name))
    return code


def check_span(seg: Segment, start_char: int | None, end_char: int | None) -> None:
    if start_char is None and end_char is None:
        return
    if start_char is None or end_char is None:
        raise InputError("Et tegnudsnit skal have både en start og en slutning.")
    if not (0 <= start_char < end_char <= len(seg.text or "")):
        raise InputError(
            f"Segment {seg.position}: udsnittet {start_char}-{end_char} ligger uden for "
            f"teksten (0-{len(seg.text or '')})."
        )


def find_span(text: str, fragment: str) -> tuple[int, int]:
    """The span of a quoted fragment inside a segment's text (first occurrence)."""
    frag = fragment.strip()
    if not frag:
        raise InputError("Tekststykket er tomt.")
    at = text.find(frag)
    if at < 0:
        raise InputError("Tekststykket står ikke i segmentet; kopiér det nøjagtigt.")
    return at, at + len(frag)


def store_imported(
    s: Session, ctx: Context, rows: Sequence[object], problems: list[str], action: str, where: str
) -> int:
    """The end of a coding-file import: refuse the whole file on any problem (the first ten
    named), else add the rows and audit the import. Shared by codings and consensus."""
    if problems:
        raise InputError(_msg("table.problems", n=len(problems)) + " " + "; ".join(problems[:10]))
    s.add_all(rows)
    kind = "consensus" if action.startswith("consensus") else "codings"
    audit.record(
        s,
        ctx.actor,
        action,
        project_id=ctx.project_id,
        target_type="file",
        target_id=where.rsplit("/", 1)[-1],
        details={kind: len(rows)},
    )
    return len(rows)
