"""Comparing coders and agreeing the consensus coding.

Opening a comparison (``open_comparison``) is the coder's explicit choice to see
the others' codings, audited as ``coding.compare``. Agreement figures use exactly the definition of
``qualkit agreement`` (qualkit.agreement): units are the document's segments,
coders are the evaluators who coded in it, an uncoded segment counts as "no code".
Reconciling writes consensus codings: take one coder's coding, take both (all
given codings), or write a new one; every decision is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.agreement import agreement_rows
from qualkit.errors import InputError, NotFound, PermissionDenied
from qualkit.messages import msg
from qualkit.store.models import (
    Code,
    Coding,
    ConsensusCoding,
    Interview,
    Segment,
    User,
)

from . import _retry, audit, read_policy
from .coding import project_code, project_segments
from .consensus_reconcile import ORIGINS, _span_text
from .context import Context


def _interview(s: Session, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(msg("interview.not_found", id=interview_id))
    return iv


def _decisions(
    segments: list[int], codings: list[tuple[int, str, str]], coders: list[str]
) -> list[tuple[str, str, str, str]]:
    """Rows in the agreement-file shape: every coder x every unit, plus one row per code."""
    rows = [("doc", str(sid), c, "") for sid in segments for c in coders]
    rows += [("doc", str(sid), coder, key) for sid, coder, key in codings]
    return rows


def open_comparison(ctx: Context, interview_id: int) -> None:
    """The coder's explicit choice to see the other coders' codings of an interview (audited
    once here, not on every page redraw)."""
    ctx.require("coding.compare")

    def work(s: Session) -> None:
        _interview(s, ctx, interview_id)
        audit.record(
            s,
            ctx.actor,
            "coding.compare",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=interview_id,
        )

    _retry.write(ctx.db, work)


def comparison_opened(ctx: Context, interview_id: int) -> bool:
    """Whether the acting user has chosen to compare this interview (coding stays blind before)."""
    ctx.require("coding.compare")
    with ctx.db.session() as s:
        return _comparison_opened(s, ctx, interview_id)


def _comparison_opened(s: Session, ctx: Context, interview_id: int) -> bool:
    return read_policy.others_visible(s, ctx, interview_id)


def _require_opened(s: Session, ctx: Context, interview_id: int) -> None:
    if not _comparison_opened(s, ctx, interview_id):
        raise PermissionDenied(msg("coding.blind", id=interview_id))


def compare_document(ctx: Context, interview_id: int) -> dict[str, Any]:
    """All coders' codings of one interview side by side, agreement per code, disagreements.

    Evaluators must first choose to compare (``open_comparison``): the choice is the audit row.
    """
    ctx.require("coding.compare")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        _require_opened(s, ctx, interview_id)
        segs = s.execute(
            select(Segment.id, Segment.position, Segment.start, Segment.speaker, Segment.text)
            .where(Segment.interview_id == interview_id)
            .order_by(Segment.position)
        ).all()
        rows = s.execute(
            select(
                Coding.id,
                Coding.segment_id,
                Coding.start_char,
                Coding.end_char,
                Coding.memo,
                User.username,
                Code.id,
                Code.key,
                Code.name,
            )
            .join(Segment, Coding.segment_id == Segment.id)
            .join(User, Coding.coder_id == User.id)
            .join(Code, Coding.code_id == Code.id)
            .where(Segment.interview_id == interview_id)
        ).all()
        cons = s.execute(
            select(ConsensusCoding, Code.key, Code.name)
            .join(Segment, ConsensusCoding.segment_id == Segment.id)
            .join(Code, ConsensusCoding.code_id == Code.id)
            .where(Segment.interview_id == interview_id)
            .order_by(ConsensusCoding.id)
        ).all()
    coders = sorted({r.username for r in rows})
    code_names = {r.key: r.name for r in rows}
    code_ids = {r.key: r[6] for r in rows}
    per_seg: dict[int, dict[str, list[dict[str, Any]]]] = {}
    applied: dict[tuple[int, str], set[str]] = {}
    for r in rows:
        per_seg.setdefault(r.segment_id, {}).setdefault(r.username, []).append(
            {
                "coding_id": r[0],
                "code_id": r[6],
                "key": r.key,
                "name": r.name,
                "start_char": r.start_char,
                "end_char": r.end_char,
                "memo": r.memo,
            }
        )
        applied.setdefault((r.segment_id, r.key), set()).add(r.username)
    stats = []
    if len(coders) >= 2:
        decisions = _decisions(
            [x.id for x in segs], [(r.segment_id, r.username, r.key) for r in rows], coders
        )
        stats = [
            {
                "code": a.code,
                "name": code_names.get(a.code, "I alt" if a.code == "overall" else ""),
                "units": a.units,
                "coders": a.coders,
                "observed_agreement": a.observed_agreement,
                "kappa": a.kappa,
                "alpha": a.alpha,
            }
            for a in agreement_rows(decisions)
        ]
    seg_info = {x.id: x for x in segs}
    cons_by: dict[tuple[int, str], list[int]] = {}
    consensus = []
    for c, key, name in cons:
        cons_by.setdefault((c.segment_id, key), []).append(c.id)
        seg = seg_info.get(c.segment_id)
        consensus.append(
            {
                "id": c.id,
                "segment_id": c.segment_id,
                "position": seg.position if seg else None,
                "code_id": c.code_id,
                "key": key,
                "name": name,
                "origin": c.origin,
                "start_char": c.start_char,
                "end_char": c.end_char,
                "memo": c.memo,
                "starred": c.starred,
                "revealing": c.revealing,
                "text": _span_text(seg.text if seg else "", c.start_char, c.end_char),
            }
        )
    disagreements = []
    if len(coders) >= 2:
        for (sid, key), who in sorted(
            applied.items(), key=lambda kv: (seg_info[kv[0][0]].position, kv[0][1])
        ):
            if len(who) == len(coders):
                continue
            seg = seg_info[sid]
            disagreements.append(
                {
                    "segment_id": sid,
                    "position": seg.position,
                    "start": seg.start,
                    "speaker": seg.speaker,
                    "text": seg.text,
                    "code_id": code_ids[key],
                    "key": key,
                    "name": code_names[key],
                    "applied_by": sorted(who),
                    "missing": [c for c in coders if c not in who],
                    "by_coder": {c: per_seg.get(sid, {}).get(c, []) for c in coders},
                    "resolved": (sid, key) in cons_by,
                }
            )
    return {
        "id": iv.id,
        "title": iv.title,
        "coders": coders,
        "agreement": stats,
        "disagreements": disagreements,
        "consensus": consensus,
        "segments": [
            {
                "id": x.id,
                "position": x.position,
                "start": x.start,
                "speaker": x.speaker,
                "text": x.text,
                "by_coder": per_seg.get(x.id, {}),
            }
            for x in segs
        ],
    }


def take_options(ctx: Context, interview_id: int, segment_id: int, code_id: int) -> dict[str, Any]:
    """The codings a reconcile decision on (segment, code) can take: per coder the codings of
    that code ('take one'), and every coder's codings on the segment ('take both')."""
    ctx.require("coding.compare")
    with ctx.db.session() as s:
        seg = project_segments(s, ctx, [segment_id])[segment_id]
        if seg.interview_id != interview_id:
            raise InputError(msg("coding.other_interview"))
        _require_opened(s, ctx, interview_id)
        rows = s.execute(
            select(Coding.id, Coding.code_id, User.username)
            .join(User, Coding.coder_id == User.id)
            .where(Coding.segment_id == segment_id)
        ).all()
    one: dict[str, list[int]] = {}
    for cid, code, user in rows:
        if code == code_id:
            one.setdefault(user, []).append(cid)
    return {"take_one": one, "take_both": sorted(r[0] for r in rows)}


def compare_code(ctx: Context, code_id: int) -> list[dict[str, Any]]:
    """Agreement on one code in every interview that at least two coders coded."""
    ctx.require("coding.compare")
    with ctx.db.session() as s:
        code = project_code(s, ctx, code_id, usable=False)
        ivs = [
            (iv_id, title)
            for iv_id, title in s.execute(
                select(Interview.id, Interview.title)
                .where(read_policy.interviews(ctx))
                .order_by(Interview.id)
            ).all()
            if read_policy.others_visible(s, ctx, iv_id)
        ]
        rows = s.execute(
            select(Segment.interview_id, Coding.segment_id, User.username, Code.key)
            .join(Segment, Coding.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(User, Coding.coder_id == User.id)
            .join(Code, Coding.code_id == Code.id)
            .where(Interview.project_id == ctx.project_id)
        ).all()
        seg_ids: dict[int, list[int]] = {}
        for iv_id, sid in s.execute(
            select(Segment.interview_id, Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .where(Interview.project_id == ctx.project_id)
        ):
            seg_ids.setdefault(iv_id, []).append(sid)
    out = []
    for iv_id, title in ivs:
        mine = [r for r in rows if r.interview_id == iv_id]
        coders = sorted({r.username for r in mine})
        if len(coders) < 2:
            continue
        decisions = _decisions(
            seg_ids.get(iv_id, []),
            [(r.segment_id, r.username, r.key) for r in mine if r.key == code.key],
            coders,
        )
        stat = agreement_rows(decisions)[
            -1
        ]  # only this code is in the table: 'overall' == the code
        applied = {(r.segment_id, r.username) for r in mine if r.key == code.key}
        disagree = {
            sid for sid, _ in applied if sum((sid, c) in applied for c in coders) < len(coders)
        }
        out.append(
            {
                "interview_id": iv_id,
                "title": title,
                "coders": len(coders),
                "units": stat.units,
                "applied": len({sid for sid, _ in applied}),
                "disagreements": len(disagree),
                "observed_agreement": stat.observed_agreement,
                "kappa": stat.kappa,
                "alpha": stat.alpha,
            }
        )
    return out


# Reconciling, stars and flags, the consensus list: services/consensus_reconcile.py.
from .consensus_reconcile import (  # noqa: E402
    list_consensus,
    load_consensus,
    mark_consensus,
    reconcile,
    remove_consensus,
)

__all__ = [
    "ORIGINS",
    "compare_code",
    "compare_document",
    "comparison_opened",
    "list_consensus",
    "load_consensus",
    "mark_consensus",
    "open_comparison",
    "reconcile",
    "remove_consensus",
    "take_options",
]
