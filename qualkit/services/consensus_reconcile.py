"""Reconciling into consensus codings, stars and revealing flags, listing the consensus.

Take one coder's coding, take both, or write a new one; every decision is audited. Writers
star, flag and read consensus codings of de-identified interviews only (read_policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.store.models import (
    Code,
    Codebook,
    Coding,
    ConsensusCoding,
    Interview,
    Segment,
)

from . import _retry, audit, read_policy
from .coding import check_span, find_span, project_code, project_segments
from .coding_common import store_imported
from .context import Context
from .read_policy import Read

ORIGINS = ("take_one", "take_both", "new")


def _span_text(text: str, start: int | None, end: int | None) -> str:
    return text[start:end] if start is not None and end is not None else text


def _add_consensus(
    s: Session,
    ctx: Context,
    segment_id: int,
    code_id: int,
    start: int | None,
    end: int | None,
    memo: str,
    origin: str,
) -> ConsensusCoding:
    existing = s.scalar(
        select(ConsensusCoding).where(
            ConsensusCoding.segment_id == segment_id,
            ConsensusCoding.code_id == code_id,
            ConsensusCoding.start_char.is_(None)
            if start is None
            else ConsensusCoding.start_char == start,
            ConsensusCoding.end_char.is_(None) if end is None else ConsensusCoding.end_char == end,
        )
    )
    if existing is not None:
        if memo:
            existing.memo = memo
        return existing
    row = ConsensusCoding(
        segment_id=segment_id,
        code_id=code_id,
        start_char=start,
        end_char=end,
        memo=memo or "",
        origin=origin,
        decided_by=ctx.actor.user_id,
    )
    s.add(row)
    s.flush()
    return row


def reconcile(
    ctx: Context,
    decision: str,
    *,
    coding_ids: Iterable[int] = (),
    segment_id: int | None = None,
    code_id: int | None = None,
    start_char: int | None = None,
    end_char: int | None = None,
    fragment: str | None = None,
    memo: str = "",
) -> list[int]:
    """Agree a consensus coding.

    - ``take_one``: one coder's coding(s) (``coding_ids``, all by the same coder) become consensus;
    - ``take_both``: every given coding becomes consensus (same code and span only once);
    - ``new``: a new consensus coding of ``code_id`` on ``segment_id`` (optional span, memo).
    Returns the consensus codings' ids.
    """
    ctx.require("consensus.write")
    if decision not in ORIGINS:
        raise InputError(f"Beslutningen '{decision}' er ikke en af {', '.join(ORIGINS)}.")
    ids = [int(i) for i in coding_ids]

    def work(s: Session) -> list[int]:
        out: list[ConsensusCoding] = []
        if decision == "new":
            if segment_id is None or code_id is None:
                raise InputError("En ny konsensuskodning skal have et segment og en kode.")
            seg = project_segments(s, ctx, [segment_id])[segment_id]
            code = project_code(s, ctx, code_id)
            start, end = find_span(seg.text or "", fragment) if fragment else (start_char, end_char)
            check_span(seg, start, end)
            out.append(_add_consensus(s, ctx, seg.id, code.id, start, end, memo, "new"))
        else:
            if not ids:
                raise InputError("Vælg den eller de kodninger, der skal tages.")
            rows = s.scalars(
                select(Coding)
                .join(Segment, Coding.segment_id == Segment.id)
                .join(Interview, Segment.interview_id == Interview.id)
                .where(Coding.id.in_(ids), Interview.project_id == ctx.project_id)
            ).all()
            missing = sorted(set(ids) - {r.id for r in rows})
            if missing:
                raise InputError(
                    f"Ukendt(e) kodning(er): {', '.join(map(str, missing))}; intet blev ændret."
                )
            if decision == "take_one" and len({r.coder_id for r in rows}) != 1:
                raise InputError("'Tag én' tager kun kodningerne fra én koder.")
            for r in rows:
                out.append(
                    _add_consensus(
                        s,
                        ctx,
                        r.segment_id,
                        r.code_id,
                        r.start_char,
                        r.end_char,
                        memo or r.memo,
                        decision,
                    )
                )
        audit.record(
            s,
            ctx.actor,
            "consensus.reconcile",
            project_id=ctx.project_id,
            target_type="segment",
            target_id=out[0].segment_id if out else None,
            details={
                "decision": decision,
                "consensus": sorted({c.id for c in out}),
                "from_codings": ids,
            },
        )
        return sorted({c.id for c in out})

    return _retry.write(ctx.db, work)


def _consensus_row(s: Session, ctx: Context, consensus_id: int) -> ConsensusCoding:
    row = s.scalar(
        select(ConsensusCoding)
        .join(Segment, ConsensusCoding.segment_id == Segment.id)
        .join(Interview, Segment.interview_id == Interview.id)
        .where(ConsensusCoding.id == consensus_id, Interview.project_id == ctx.project_id)
    )
    if row is None:
        raise NotFound(f"Konsensuskodningen {consensus_id} findes ikke i projektet.")
    return row


def remove_consensus(ctx: Context, consensus_id: int) -> None:
    ctx.require("consensus.write")

    def work(s: Session) -> None:
        row = _consensus_row(s, ctx, consensus_id)
        s.delete(row)
        audit.record(
            s,
            ctx.actor,
            "consensus.remove",
            project_id=ctx.project_id,
            target_type="consensus_coding",
            target_id=consensus_id,
            details={"code_id": row.code_id, "segment_id": row.segment_id},
        )

    _retry.write(ctx.db, work)


def mark_consensus(
    ctx: Context, consensus_id: int, *, starred: bool | None = None, revealing: bool | None = None
) -> None:
    """Star a quote for the report, or flag it as revealing who spoke (kept out of exports)."""
    ctx.require("quote.star")

    def work(s: Session) -> None:
        row = _consensus_row(s, ctx, consensus_id)
        seg = s.get(Segment, row.segment_id)
        assert seg is not None  # a consensus row's segment exists (foreign key)
        read_policy.require_interview(s, ctx, seg.interview_id, Read.CONSENSUS)
        changes = {}
        if starred is not None:
            row.starred = changes["starred"] = bool(starred)
        if revealing is not None:
            row.revealing = changes["revealing"] = bool(revealing)
        audit.record(
            s,
            ctx.actor,
            "consensus.mark",
            project_id=ctx.project_id,
            target_type="consensus_coding",
            target_id=consensus_id,
            details=changes,
        )

    _retry.write(ctx.db, work)


def list_consensus(ctx: Context, interview_id: int | None = None) -> list[dict[str, Any]]:
    """The agreed codings (what writers read and quote)."""
    ctx.require("consensus.read")
    with ctx.db.session() as s:
        q = (
            select(
                ConsensusCoding,
                Segment.position,
                Segment.speaker,
                Segment.text,
                Interview.id,
                Interview.title,
                Code.key,
                Code.name,
                Codebook.name,
            )
            .join(Segment, ConsensusCoding.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(Code, ConsensusCoding.code_id == Code.id)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(read_policy.interviews(ctx, Read.CONSENSUS))
        )
        if interview_id is not None:
            read_policy.require_interview(s, ctx, interview_id, Read.CONSENSUS)
            q = q.where(Interview.id == interview_id)
        rows = s.execute(q.order_by(Interview.id, Segment.position, ConsensusCoding.id)).all()
    return [
        {
            "id": c.id,
            "interview_id": iv_id,
            "title": title,
            "segment_id": c.segment_id,
            "position": pos,
            "speaker": speaker,
            "code_id": c.code_id,
            "key": key,
            "name": name,
            "codebook": book,
            "origin": c.origin,
            "memo": c.memo,
            "starred": c.starred,
            "revealing": c.revealing,
            "text": _span_text(text, c.start_char, c.end_char),
        }
        for c, pos, speaker, text, iv_id, title, key, name, book in rows
    ]


def load_consensus(ctx: Context, rows: list[dict[str, Any]], where: str = "consensus") -> int:
    """Bulk consensus codings (interview_id, position, code, optional codebook, memo, starred,
    origin); validated in full, one transaction (used by the demo)."""
    ctx.require("consensus.write")

    def work(s: Session) -> int:
        code_rows = s.execute(
            select(Code.id, Code.key, Codebook.name)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(Codebook.project_id == ctx.project_id)
        ).all()
        segs = {
            (iv, pos): sid
            for sid, iv, pos in s.execute(
                select(Segment.id, Segment.interview_id, Segment.position)
                .join(Interview, Segment.interview_id == Interview.id)
                .where(Interview.project_id == ctx.project_id)
            )
        }
        problems, new = [], []
        for i, r in enumerate(rows, start=1):
            sid = segs.get((r["interview_id"], int(r["position"])))
            cands = [
                cid
                for cid, key, book in code_rows
                if key == r["code"] and (not r.get("codebook") or book == r["codebook"])
            ]
            if sid is None:
                problems.append(f"{where}, post {i}: ukendt segment #{r['position']}")
            elif len(cands) != 1:
                problems.append(f"{where}, post {i}: koden '{r['code']}' er ukendt eller tvetydig")
            else:
                new.append(
                    ConsensusCoding(
                        segment_id=sid,
                        code_id=cands[0],
                        memo=r.get("memo") or "",
                        origin=r.get("origin") or "take_one",
                        starred=bool(r.get("starred")),
                        revealing=bool(r.get("revealing")),
                        decided_by=ctx.actor.user_id,
                    )
                )
        return store_imported(s, ctx, new, problems, "consensus.import", where)

    return _retry.write(ctx.db, work)
