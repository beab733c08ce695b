"""Coding: each evaluator applies codes to segments, blind to the other coders.

Every function here shows or changes only the acting coder's own codings; the
others' codings are shown only by ``consensus.compare_document``, the explicit
choice to compare. Writes go through ``_retry.write`` so evaluators coding at
the same time from their own browsers never lose a write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.store.models import Code, Codebook, Coding, Interview, Segment, User

from . import _retry, audit, read_policy
from .coding_common import (
    check_span,
    find_span,
    project_code,
    project_segments,
    store_imported,
)
from .context import Context

__all__ = ["check_span", "find_span", "project_code", "project_segments"]

# helpers shared with consensus (re-exported for callers): services/coding_common.py


# ------------------------------------------------------------------ reading (own codings only)


def coding_view(ctx: Context, interview_id: int) -> dict[str, Any]:
    """A transcript for coding: segments and the acting coder's own codings on them."""
    ctx.require("coding.write")
    with ctx.db.session() as s:
        iv = read_policy.require_interview(s, ctx, interview_id)
        segs = s.execute(
            select(
                Segment.id,
                Segment.position,
                Segment.start,
                Segment.end,
                Segment.speaker,
                Segment.text,
            )
            .where(Segment.interview_id == interview_id)
            .order_by(Segment.position)
        ).all()
        mine = s.execute(
            select(
                Coding.id,
                Coding.segment_id,
                Coding.code_id,
                Coding.start_char,
                Coding.end_char,
                Coding.memo,
                Code.key,
                Code.name,
            )
            .join(Segment, Coding.segment_id == Segment.id)
            .join(Code, Coding.code_id == Code.id)
            .where(Segment.interview_id == interview_id, Coding.coder_id == ctx.actor.user_id)
            .order_by(Coding.id)
        ).all()
    by_seg: dict[int, list[dict[str, Any]]] = {}
    for c in mine:
        by_seg.setdefault(c.segment_id, []).append(
            {
                "id": c.id,
                "code_id": c.code_id,
                "key": c.key,
                "name": c.name,
                "start_char": c.start_char,
                "end_char": c.end_char,
                "memo": c.memo,
            }
        )
    return {
        "id": iv.id,
        "title": iv.title,
        "speakers": sorted({r.speaker for r in segs if r.speaker}),
        "segments": [
            {
                "id": r.id,
                "position": r.position,
                "start": r.start,
                "end": r.end,
                "speaker": r.speaker,
                "text": r.text,
                "codings": by_seg.get(r.id, []),
            }
            for r in segs
        ],
    }


def my_codings(ctx: Context, interview_id: int | None = None) -> list[dict[str, Any]]:
    ctx.require("coding.write")
    with ctx.db.session() as s:
        q = (
            select(Coding, Segment.position, Segment.interview_id, Code.key)
            .join(Segment, Coding.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(Code, Coding.code_id == Code.id)
            .where(Interview.project_id == ctx.project_id, Coding.coder_id == ctx.actor.user_id)
        )
        if interview_id is not None:
            q = q.where(Segment.interview_id == interview_id)
        return [
            {
                "id": c.id,
                "segment_id": c.segment_id,
                "position": pos,
                "interview_id": iv,
                "code_id": c.code_id,
                "key": key,
                "start_char": c.start_char,
                "end_char": c.end_char,
                "memo": c.memo,
            }
            for c, pos, iv, key in s.execute(q.order_by(Coding.id))
        ]


# ------------------------------------------------------------------ writing


def _require_coder(ctx: Context) -> int:
    ctx.require("coding.write")
    if ctx.actor.user_id is None:
        raise InputError("Kodninger tilhører en koder: handl som en navngiven bruger (--user).")
    return ctx.actor.user_id


def apply_code(
    ctx: Context,
    segment_ids: Iterable[int],
    code_id: int,
    *,
    start_char: int | None = None,
    end_char: int | None = None,
    fragment: str | None = None,
    memo: str = "",
) -> list[int]:
    """Apply a code to one or several segments (a char span only with one segment).

    The span is given as offsets, or as a ``fragment`` of the segment's text
    (what a person selects and copies), whose first occurrence is coded.

    Applying a code the coder already applied to the same span changes nothing
    (or only updates the memo). Returns the codings' ids.
    """
    coder = _require_coder(ctx)
    ids = list(segment_ids)

    def work(s: Session) -> list[int]:
        segs = project_segments(s, ctx, ids)
        code = project_code(s, ctx, code_id)
        start, end = start_char, end_char
        if (start is not None or end is not None or fragment) and len(segs) != 1:
            raise InputError("Et tegnudsnit kan kun kodes inden for ét segment.")
        if fragment:
            start, end = find_span(next(iter(segs.values())).text or "", fragment)
        for seg in segs.values():
            check_span(seg, start, end)
        existing = {
            (c.segment_id, c.start_char, c.end_char): c
            for c in s.scalars(
                select(Coding).where(
                    Coding.coder_id == coder,
                    Coding.code_id == code.id,
                    Coding.segment_id.in_(list(segs)),
                )
            )
        }
        out: list[Coding] = []
        added = 0
        for sid in sorted(segs):
            row = existing.get((sid, start, end))
            if row is None:
                row = Coding(
                    segment_id=sid,
                    code_id=code.id,
                    coder_id=coder,
                    start_char=start,
                    end_char=end,
                    memo=memo or "",
                )
                s.add(row)
                added += 1
            elif memo:
                row.memo = memo
            out.append(row)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "coding.add",
            project_id=ctx.project_id,
            target_type="code",
            target_id=code.id,
            details={"segments": sorted(segs), "added": added, "span": start is not None},
        )
        return [r.id for r in out]

    return _retry.write(ctx.db, work)


def remove_code(ctx: Context, segment_ids: Iterable[int], code_id: int) -> int:
    """Remove the coder's own codings of a code from the given segments; returns how many."""
    coder = _require_coder(ctx)
    ids = list(segment_ids)

    def work(s: Session) -> int:
        segs = project_segments(s, ctx, ids)
        code = project_code(s, ctx, code_id, usable=False)
        n = s.execute(
            delete(Coding).where(
                Coding.coder_id == coder,
                Coding.code_id == code.id,
                Coding.segment_id.in_(list(segs)),
            )
        ).rowcount  # type: ignore[attr-defined]  # a DELETE returns a CursorResult
        audit.record(
            s,
            ctx.actor,
            "coding.remove",
            project_id=ctx.project_id,
            target_type="code",
            target_id=code.id,
            details={"segments": sorted(segs), "removed": n},
        )
        return n

    return _retry.write(ctx.db, work)


def _own_coding(s: Session, ctx: Context, coding_id: int) -> Coding:
    row = s.scalar(
        select(Coding)
        .join(Segment, Coding.segment_id == Segment.id)
        .join(Interview, Segment.interview_id == Interview.id)
        .where(Coding.id == coding_id, Interview.project_id == ctx.project_id)
    )
    if row is None or row.coder_id != ctx.actor.user_id:
        raise NotFound(f"Du har ingen kodning {coding_id} i projektet.")
    return row


def delete_coding(ctx: Context, coding_id: int) -> None:
    _require_coder(ctx)

    def work(s: Session) -> None:
        row = _own_coding(s, ctx, coding_id)
        s.delete(row)
        audit.record(
            s,
            ctx.actor,
            "coding.remove",
            project_id=ctx.project_id,
            target_type="coding",
            target_id=coding_id,
            details={"code_id": row.code_id},
        )

    _retry.write(ctx.db, work)


def set_memo(ctx: Context, coding_id: int, memo: str) -> None:
    _require_coder(ctx)

    def work(s: Session) -> None:
        row = _own_coding(s, ctx, coding_id)
        row.memo = memo or ""
        # The memo itself may quote the transcript: only its length goes to the audit trail.
        audit.record(
            s,
            ctx.actor,
            "coding.memo",
            project_id=ctx.project_id,
            target_type="coding",
            target_id=coding_id,
            details={"chars": len(row.memo)},
        )

    _retry.write(ctx.db, work)


# ------------------------------------------------------------------ bulk loading (demo, imports)


def load_codings(ctx: Context, rows: list[dict[str, Any]], where: str = "codings") -> int:
    """Store codings given as dicts with interview_id, position, code (key), coder (username),
    optional codebook (name), start_char, end_char, memo. Validated in full first; one transaction.
    """
    ctx.require("coding.write")
    ctx.require("consensus.write")

    def work(s: Session) -> int:
        users = dict(s.execute(select(User.username, User.id)).all())
        code_rows = s.execute(
            select(Code.id, Code.key, Codebook.name)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(Codebook.project_id == ctx.project_id)
        ).all()
        by_key: dict[str, list[tuple[int, str]]] = {}
        for cid, key, book in code_rows:
            by_key.setdefault(key, []).append((cid, book))
        segs = {
            (iv, pos): (sid, text)
            for sid, iv, pos, text in s.execute(
                select(Segment.id, Segment.interview_id, Segment.position, Segment.text)
                .join(Interview, Segment.interview_id == Interview.id)
                .where(Interview.project_id == ctx.project_id)
            )
        }
        problems: list[str] = []
        new: list[Coding] = []
        for i, r in enumerate(rows, start=1):
            label = f"{where}, post {i}"
            seg = segs.get((r["interview_id"], int(r["position"])))
            if seg is None:
                problems.append(
                    f"{label}: ukendt segment {r.get('file', r['interview_id'])}#{r['position']}"
                )
                continue
            cands = [
                c
                for c in by_key.get(r["code"], [])
                if not r.get("codebook") or c[1] == r["codebook"]
            ]
            if len(cands) != 1:
                problems.append(
                    f"{label}: koden '{r['code']}' er "
                    f"{'ukendt' if not cands else 'tvetydig; angiv kodebogen'}"
                )
                continue
            uid = users.get(r["coder"])
            if uid is None:
                problems.append(f"{label}: ukendt koder '{r['coder']}'")
                continue
            new.append(
                Coding(
                    segment_id=seg[0],
                    code_id=cands[0][0],
                    coder_id=uid,
                    start_char=r.get("start_char"),
                    end_char=r.get("end_char"),
                    memo=r.get("memo") or "",
                )
            )
        return store_imported(s, ctx, new, problems, "coding.import", where)

    return _retry.write(ctx.db, work)
