"""Memos beyond codings: one per interview or code, and free project memos (analytic memos with
a title, date and links to passages and codes). Searchable; exported as REFI-QDA notes
(services/exchange_memos.py) and in the quote set's appendix (services/export_memos.py).

Evaluators and administrators write memos (``coding.write``); everyone who reads consensus
codings reads them (``consensus.read``), but a report writer only sees memos about
de-identified interviews (read_policy: de-identified or approved, not withdrawn), and links
into other interviews are left out for them; exports apply the same rule to every role. The audit
trail records lengths, never the memo text (it may quote a transcript).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound, PermissionDenied
from qualkit.messages import msg
from qualkit.store.models import (
    Code,
    Codebook,
    Interview,
    Memo,
    MemoLink,
    Participant,
    Segment,
    User,
)

from . import _retry, audit, read_policy
from .context import Context
from .permissions import allowed


class MemoKind(StrEnum):
    PROJECT = "project"
    INTERVIEW = "interview"
    CODE = "code"


KIND_LABELS = {MemoKind.INTERVIEW: "Interview", MemoKind.CODE: "Kode", MemoKind.PROJECT: "Projekt"}


@dataclass(frozen=True)
class LinkSpec:
    """A link to give a memo: a passage (segment, optional span) and/or a code."""

    segment_id: int | None = None
    start: int | None = None
    end: int | None = None
    code_id: int | None = None


@dataclass(frozen=True)
class MemoLinkView:
    segment_id: int | None
    interview_id: int | None
    number: int | None
    start: int | None
    end: int | None
    text: str
    code_id: int | None
    code_key: str | None


@dataclass(frozen=True)
class MemoView:
    id: int
    kind: MemoKind
    title: str
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    interview_id: int | None
    interview_title: str | None
    code_id: int | None
    code_key: str | None
    links: tuple[MemoLinkView, ...]
    guid: str | None = None  # the REFI-QDA note GUID it was imported with


def _kind(kind: str) -> MemoKind:
    try:
        return MemoKind(kind)
    except ValueError:
        raise InputError(msg("memo.kind", kind=kind)) from None


def _check_target(
    s: Session, ctx: Context, kind: MemoKind, interview_id: int | None, code_id: int | None
) -> None:
    if kind is MemoKind.INTERVIEW and interview_id is None:
        raise InputError(msg("memo.target", what="et interview"))
    if kind is MemoKind.CODE and code_id is None:
        raise InputError(msg("memo.target", what="en kode"))
    if interview_id is not None:
        iv = s.get(Interview, interview_id)
        if iv is None or iv.project_id != ctx.project_id:
            raise NotFound(msg("interview.not_found", id=interview_id))
    if code_id is not None:
        _project_code(s, ctx, code_id)


def _project_code(s: Session, ctx: Context, code_id: int) -> Code:
    code = s.scalar(
        select(Code)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .where(Code.id == code_id, Codebook.project_id == ctx.project_id)
    )
    if code is None:
        raise NotFound(msg("code.not_found", id=code_id))
    return code


def _links(s: Session, ctx: Context, links: Sequence[LinkSpec]) -> list[MemoLink]:
    out = []
    for link in links:
        if link.segment_id is not None:
            seg = s.scalar(
                select(Segment)
                .join(Interview, Segment.interview_id == Interview.id)
                .where(Segment.id == link.segment_id, Interview.project_id == ctx.project_id)
            )
            if seg is None:
                raise InputError(msg("segment.unknown", ids=link.segment_id))
            if link.start is not None or link.end is not None:
                n = len(seg.text or "")
                if link.start is None or link.end is None or not 0 <= link.start < link.end <= n:
                    raise InputError(
                        f"Tur {seg.position + 1}: tekststykket {link.start}-{link.end} ligger "
                        f"uden for teksten (0-{n})."
                    )
        if link.code_id is not None:
            _project_code(s, ctx, link.code_id)
        if link.segment_id is None and link.code_id is None:
            continue
        out.append(
            MemoLink(
                segment_id=link.segment_id,
                start_char=link.start,
                end_char=link.end,
                code_id=link.code_id,
            )
        )
    return out


def create_memo(
    ctx: Context,
    kind: str,
    title: str,
    body: str = "",
    *,
    interview_id: int | None = None,
    code_id: int | None = None,
    links: Sequence[LinkSpec] = (),
) -> int:
    ctx.require("coding.write")
    k = _kind(kind)
    if not title.strip():
        raise InputError(msg("memo.title_required"))

    def work(s: Session) -> int:
        _check_target(s, ctx, k, interview_id, code_id)
        memo = Memo(
            project_id=ctx.project_id,
            kind=str(k),
            interview_id=interview_id if k is MemoKind.INTERVIEW else None,
            code_id=code_id if k is MemoKind.CODE else None,
            title=title.strip(),
            body=body or "",
            author_id=ctx.actor.user_id,
        )
        memo.links = _links(s, ctx, links)
        s.add(memo)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "memo.add",
            project_id=ctx.project_id,
            target_type="memo",
            target_id=memo.id,
            details={"kind": str(k), "chars": len(memo.body), "links": len(memo.links)},
        )
        return memo.id

    return _retry.write(ctx.db, work)


def _own_memo(s: Session, ctx: Context, memo_id: int) -> Memo:
    memo = s.get(Memo, memo_id)
    if memo is None or memo.project_id != ctx.project_id:
        raise NotFound(msg("memo.not_found", id=memo_id))
    if memo.author_id != ctx.actor.user_id and ctx.actor.role != "admin":
        raise PermissionDenied(msg("memo.not_owner", id=memo_id))
    return memo


def update_memo(
    ctx: Context,
    memo_id: int,
    *,
    title: str | None = None,
    body: str | None = None,
    links: Sequence[LinkSpec] | None = None,
) -> None:
    ctx.require("coding.write")
    if title is not None and not title.strip():
        raise InputError(msg("memo.title_required"))

    def work(s: Session) -> None:
        memo = _own_memo(s, ctx, memo_id)
        if title is not None:
            memo.title = title.strip()
        if body is not None:
            memo.body = body
        if links is not None:
            memo.links = _links(s, ctx, links)
        audit.record(
            s,
            ctx.actor,
            "memo.edit",
            project_id=ctx.project_id,
            target_type="memo",
            target_id=memo_id,
            details={"chars": len(memo.body), "links": len(memo.links)},
        )

    _retry.write(ctx.db, work)


def delete_memo(ctx: Context, memo_id: int) -> None:
    ctx.require("coding.write")

    def work(s: Session) -> None:
        memo = _own_memo(s, ctx, memo_id)
        s.delete(memo)
        audit.record(
            s,
            ctx.actor,
            "memo.delete",
            project_id=ctx.project_id,
            target_type="memo",
            target_id=memo_id,
        )

    _retry.write(ctx.db, work)


def list_memos(
    ctx: Context,
    *,
    kind: str | None = None,
    interview_id: int | None = None,
    code_id: int | None = None,
    query: str = "",
    approved_only: bool = False,
) -> list[MemoView]:
    """Memos the user may read, newest first; ``query``: every word in the title or text.
    ``approved_only``: only what may leave the project (memos and links about approved
    interviews), whatever the role."""
    ctx.require("consensus.read")
    only_approved = approved_only or not allowed(ctx.actor.role, "deid.review")
    words = [w for w in query.casefold().split() if w]
    with ctx.db.session() as s:
        q = (
            select(Memo, User.username)
            .outerjoin(User, Memo.author_id == User.id)
            .where(Memo.project_id == ctx.project_id)
            .order_by(Memo.updated_at.desc(), Memo.id.desc())
        )
        if kind:
            q = q.where(Memo.kind == str(_kind(kind)))
        if interview_id is not None:
            q = q.where(Memo.interview_id == interview_id)
        if code_id is not None:
            q = q.where(Memo.code_id == code_id)
        rows = s.execute(q).all()
        ivs = {
            iv.id: iv
            for iv in s.scalars(select(Interview).where(Interview.project_id == ctx.project_id))
        }
        # What a writer may read, and what may leave in an export (services/read_policy.py):
        # de-identified (or approved) interviews of participants who have not withdrawn.
        leaves = set(
            s.scalars(
                select(Interview.id).where(
                    read_policy.interviews(ctx, read_policy.Read.CONSENSUS),
                    Interview.status.in_(read_policy.DEIDENTIFIED_STATUSES),
                    Interview.participant_id.is_(None)
                    | Interview.participant_id.in_(
                        select(Participant.id).where(Participant.withdrawn_date.is_(None))
                    ),
                )
            )
        )
        codes = dict(
            s.execute(
                select(Code.id, Code.key)
                .join(Codebook, Code.codebook_id == Codebook.id)
                .where(Codebook.project_id == ctx.project_id)
            ).all()
        )
        seg_ids = {ln.segment_id for m, _ in rows for ln in m.links if ln.segment_id}
        segs = {
            sid: (iv, pos, text)
            for sid, iv, pos, text in s.execute(
                select(Segment.id, Segment.interview_id, Segment.position, Segment.text).where(
                    Segment.id.in_(seg_ids)
                )
            )
        }

        def readable(iv_id: int | None) -> bool:
            return iv_id is None or not only_approved or iv_id in leaves

        out = []
        for m, author in rows:
            if not readable(m.interview_id):
                continue
            if words and not all(w in f"{m.title}\n{m.body}".casefold() for w in words):
                continue
            links = []
            for ln in m.links:
                iv_id, pos, text = segs.get(ln.segment_id, (None, None, "")) if ln.segment_id else (
                    None, None, "")  # fmt: skip
                if ln.segment_id and not readable(iv_id):
                    continue
                piece = (
                    text[ln.start_char : ln.end_char] if ln.start_char is not None else text
                ) or ""
                links.append(
                    MemoLinkView(
                        ln.segment_id,
                        iv_id,
                        pos + 1 if pos is not None else None,
                        ln.start_char,
                        ln.end_char,
                        piece,
                        ln.code_id,
                        codes.get(ln.code_id) if ln.code_id else None,
                    )
                )
            out.append(
                MemoView(
                    id=m.id,
                    kind=MemoKind(m.kind),
                    title=m.title,
                    body=m.body,
                    author=author or "",
                    created_at=m.created_at,
                    updated_at=m.updated_at,
                    interview_id=m.interview_id,
                    interview_title=ivs[m.interview_id].title if m.interview_id else None,
                    code_id=m.code_id,
                    code_key=codes.get(m.code_id) if m.code_id else None,
                    links=tuple(links),
                    guid=m.guid,
                )
            )
    return out


def export_notes(ctx: Context) -> list[MemoView]:
    """The memos that leave with an export: only those about interviews whose text may leave
    (de-identified, not withdrawn), with links into such interviews only, whatever the role."""
    return list_memos(ctx, approved_only=True)
