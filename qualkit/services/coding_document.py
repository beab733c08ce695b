"""A transcript as a document to code in: turns, codings as highlights, selections as spans.

The document view is the same for three uses: blind coding (the acting coder's own codings),
comparison (two coders in two layers, only after the coder chose to compare) and consensus (the
agreed codings). A selection in the browser arrives as parts ``(segment, start, end)`` in
character offsets (code points) of the stored segment text; ``apply_selection`` codes every part
in one transaction. A part that covers a whole turn becomes a whole-segment coding (the unit the
agreement statistics count); anything shorter is a character span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.messages import msg
from qualkit.store.models import Code, Coding, ConsensusCoding, Interview, Segment, User

from . import _retry, audit, consensus
from .coding import _own_coding, _require_coder, check_span, project_code, project_segments
from .context import Context


class DocMode(StrEnum):
    OWN = "own"
    COMPARE = "compare"
    CONSENSUS = "consensus"


@dataclass(frozen=True)
class DocSegment:
    id: int
    number: int  # from 1, as `qualkit interviews show` prints the turns
    start: float | None
    speaker: str | None
    text: str


@dataclass(frozen=True)
class DocCoding:
    id: int
    segment_id: int
    start: int  # code points into the segment text; a whole-turn coding is 0..len
    end: int
    whole: bool
    code_id: int
    coder: str
    layer: int  # 0 = the acting coder / first coder / consensus; 1 = the second coder
    memo: str
    editable: bool


@dataclass(frozen=True)
class CodingDocument:
    interview_id: int
    title: str
    mode: DocMode
    coders: tuple[str, ...]
    segments: tuple[DocSegment, ...]
    codings: tuple[DocCoding, ...]


@dataclass(frozen=True)
class SelectionPart:
    segment_id: int
    start: int
    end: int


def _interview(s: Session, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(msg("interview.not_found", id=interview_id))
    return iv


def document(
    ctx: Context, interview_id: int, mode: DocMode = DocMode.OWN, *, coders: Sequence[str] = ()
) -> CodingDocument:
    """The transcript with the codings the mode shows (see the module docstring)."""
    mode = DocMode(mode)
    if mode is DocMode.OWN:
        ctx.require("coding.write")
    elif mode is DocMode.COMPARE:
        ctx.require("coding.compare")
        if not consensus.comparison_opened(ctx, interview_id):
            raise InputError(msg("coding.blind", id=interview_id))
    else:
        ctx.require("consensus.read")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        segs = [
            DocSegment(sid, pos + 1, start, speaker, text or "")
            for sid, pos, start, speaker, text in s.execute(
                select(Segment.id, Segment.position, Segment.start, Segment.speaker, Segment.text)
                .where(Segment.interview_id == interview_id)
                .order_by(Segment.position)
            )
        ]
        lengths = {x.id: len(x.text) for x in segs}
        out: list[DocCoding] = []
        shown: tuple[str, ...] = ()
        if mode is DocMode.CONSENSUS:
            rows = s.execute(
                select(*_columns(ConsensusCoding))
                .join(Segment, ConsensusCoding.segment_id == Segment.id)
                .where(Segment.interview_id == interview_id)
                .order_by(ConsensusCoding.id)
            ).all()
            editable = ctx.actor.role in ("admin", "evaluator")
            for c in rows:
                out.append(_doc_coding(c, lengths, "konsensus", 0, editable))
        else:
            # Plain columns, not ORM objects: the view is redrawn after every action.
            q = (
                select(*_columns(Coding), User.username)
                .join(Segment, Coding.segment_id == Segment.id)
                .join(User, Coding.coder_id == User.id)
                .where(Segment.interview_id == interview_id)
                .order_by(Coding.id)
            )
            if mode is DocMode.OWN:
                q = q.where(Coding.coder_id == ctx.actor.user_id)
                shown = (ctx.actor.username,)
            rows2 = s.execute(q).all()
            if mode is DocMode.COMPARE:
                everyone = sorted({r.username for r in rows2})
                picked = [c for c in coders if c in everyone] or everyone
                shown = tuple(picked[:2])
            for c in rows2:
                user = c.username
                if user not in shown:
                    continue
                out.append(
                    _doc_coding(c, lengths, user, shown.index(user), user == ctx.actor.username)
                )
    return CodingDocument(
        interview_id=iv.id,
        title=iv.title,
        mode=mode,
        coders=shown,
        segments=tuple(segs),
        codings=tuple(out),
    )


def _columns(model: type[Coding] | type[ConsensusCoding]) -> tuple[Any, ...]:
    return (
        model.id,
        model.segment_id,
        model.start_char,
        model.end_char,
        model.code_id,
        model.memo,
    )


def _doc_coding(
    c: Row[Any], lengths: dict[int, int], coder: str, layer: int, editable: bool
) -> DocCoding:
    whole = c.start_char is None
    return DocCoding(
        id=c.id,
        segment_id=c.segment_id,
        start=0 if whole else int(c.start_char or 0),
        end=lengths.get(c.segment_id, 0) if whole else int(c.end_char or 0),
        whole=whole,
        code_id=c.code_id,
        coder=coder,
        layer=layer,
        memo=c.memo or "",
        editable=editable,
    )


def _spans(
    s: Session, ctx: Context, interview_id: int, parts: Sequence[SelectionPart]
) -> list[tuple[Segment, int | None, int | None]]:
    if not parts:
        raise InputError(msg("coding.empty_selection"))
    segs = project_segments(s, ctx, [p.segment_id for p in parts])
    out: list[tuple[Segment, int | None, int | None]] = []
    for p in parts:
        seg = segs[p.segment_id]
        if seg.interview_id != interview_id:
            raise InputError(msg("coding.other_interview"))
        check_span(seg, p.start, p.end)
        whole = p.start == 0 and p.end == len(seg.text or "")
        out.append((seg, None if whole else p.start, None if whole else p.end))
    return out


def apply_selection(
    ctx: Context,
    interview_id: int,
    parts: Sequence[SelectionPart],
    code_id: int,
    *,
    memo: str = "",
) -> list[int]:
    """Code a selection (within or across turns of one interview); returns the codings' ids.

    Coding the same span with the same code again changes nothing (or only the memo).
    """
    coder = _require_coder(ctx)

    def work(s: Session) -> list[int]:
        spans = _spans(s, ctx, interview_id, parts)
        code = project_code(s, ctx, code_id)
        ids: list[int] = []
        for seg, start, end in spans:
            row = s.scalar(
                select(Coding).where(
                    Coding.coder_id == coder,
                    Coding.code_id == code.id,
                    Coding.segment_id == seg.id,
                    Coding.start_char.is_(None) if start is None else Coding.start_char == start,
                    Coding.end_char.is_(None) if end is None else Coding.end_char == end,
                )
            )
            if row is None:
                row = Coding(
                    segment_id=seg.id,
                    code_id=code.id,
                    coder_id=coder,
                    start_char=start,
                    end_char=end,
                    memo=memo or "",
                )
                s.add(row)
            elif memo:
                row.memo = memo
            s.flush()
            ids.append(row.id)
        audit.record(
            s,
            ctx.actor,
            "coding.add",
            project_id=ctx.project_id,
            target_type="code",
            target_id=code.id,
            details={"segments": [seg.id for seg, _, _ in spans], "span": True},
        )
        return ids

    return _retry.write(ctx.db, work)


def apply_consensus_selection(
    ctx: Context, interview_id: int, parts: Sequence[SelectionPart], code_id: int, *, memo: str = ""
) -> list[int]:
    """A new consensus coding on each part of a selection (the 'new' reconcile decision)."""
    ctx.require("consensus.write")
    with ctx.db.session() as s:
        spans = [(seg.id, a, b) for seg, a, b in _spans(s, ctx, interview_id, parts)]
    out: list[int] = []
    for sid, a, b in spans:
        out += consensus.reconcile(
            ctx, "new", segment_id=sid, code_id=code_id, start_char=a, end_char=b, memo=memo
        )
    return out


def change_code(ctx: Context, coding_id: int, code_id: int) -> None:
    """Give one of the coder's own codings another code (same span, memo kept)."""
    _require_coder(ctx)

    def work(s: Session) -> None:
        row = _own_coding(s, ctx, coding_id)
        code = project_code(s, ctx, code_id)
        before = row.code_id
        row.code_id = code.id
        audit.record(
            s,
            ctx.actor,
            "coding.change",
            project_id=ctx.project_id,
            target_type="coding",
            target_id=coding_id,
            details={"from": before, "to": code.id},
        )

    _retry.write(ctx.db, work)


def code_names(ctx: Context) -> dict[int, tuple[str, str]]:
    """Every code of the project: id -> (key, name) (retired ones too, for old codings)."""
    ctx.require("codebook.read")
    from qualkit.store.models import Codebook

    with ctx.db.session() as s:
        return {
            cid: (key, name)
            for cid, key, name in s.execute(
                select(Code.id, Code.key, Code.name)
                .join(Codebook, Code.codebook_id == Codebook.id)
                .where(Codebook.project_id == ctx.project_id)
            )
        }
