"""Retrieval: project-wide full-text search and a code's passages, keyword in context.

What may be searched is what the user may read: de-identified (approved) transcripts of
participants who have not withdrawn. A segment matches when it holds every word of the query
(case-insensitive, anywhere in the full text); the hit shows the first word in its context and
the offsets of every matched word, so the transcript can open at the place.

Code filters and code passages count consensus codings, and for a coder also their own codings
(``source="own"``). A parent code's count is its own passages plus its children's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.messages import msg
from qualkit.store.models import (
    Code,
    Codebook,
    Coding,
    ConsensusCoding,
    Interview,
    Participant,
    Segment,
)

from .context import Context

CONTEXT_CHARS = 70


class Source(StrEnum):
    CONSENSUS = "consensus"
    OWN = "own"


@dataclass(frozen=True)
class Hit:
    interview_id: int
    title: str
    segment_id: int
    number: int  # turn number from 1
    speaker: str | None
    role: str | None
    start: int  # code points into the segment text: the first query word
    end: int
    before: str
    match: str
    after: str
    words: tuple[tuple[int, int], ...]  # every matched word occurrence


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
    total: int  # matching segments (hits may be capped by ``limit``)
    searched: int  # segments searched


@dataclass(frozen=True)
class Passage:
    interview_id: int
    title: str
    segment_id: int
    number: int
    speaker: str | None
    code_id: int
    code_key: str
    start: int
    end: int
    before: str
    text: str
    after: str


@dataclass(frozen=True)
class CodeCount:
    code_id: int
    key: str
    name: str
    parent_id: int | None
    own: int
    total: int  # own + all descendants'


@dataclass(frozen=True)
class Filters:
    code_id: int | None = None
    speaker_role: str | None = None
    arm: str | None = None
    site: str | None = None
    wave: int | None = None


def _role(speakers: object, speaker: str | None) -> str | None:
    if not isinstance(speakers, dict) or speaker is None:
        return None
    value = speakers.get(speaker)
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        role = value.get("role")
        return str(role) if role else None
    return None


def _readable(
    s: Session, ctx: Context, f: Filters
) -> list[tuple[Interview, str | None, str | None]]:
    """The interviews the user may search: approved, participant not withdrawn, filters."""
    ctx.require("transcript.read")
    q = (
        select(Interview, Participant.arm, Participant.site, Participant.withdrawn_date)
        .outerjoin(Participant, Interview.participant_id == Participant.id)
        .where(Interview.project_id == ctx.project_id, Interview.status == "approved")
        .order_by(Interview.interview_date, Interview.id)
    )
    out = []
    for iv, arm, site, withdrawn in s.execute(q):
        if withdrawn is not None:
            continue
        if f.arm and (arm or "") != f.arm:
            continue
        if f.site and (site or "") != f.site:
            continue
        if f.wave is not None and iv.wave != f.wave:
            continue
        out.append((iv, arm, site))
    return out


def _code_family(s: Session, ctx: Context, code_id: int) -> set[int]:
    rows = s.execute(
        select(Code.id, Code.parent_id)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .where(Codebook.project_id == ctx.project_id)
    ).all()
    children: dict[int | None, list[int]] = {}
    for cid, parent in rows:
        children.setdefault(parent, []).append(cid)
    out, todo = set(), [code_id]
    while todo:
        c = todo.pop()
        if c in out:
            continue
        out.add(c)
        todo += children.get(c, [])
    return out


def _coded_segments(s: Session, ctx: Context, codes: set[int], source: Source) -> set[int]:
    ids = set(
        s.scalars(select(ConsensusCoding.segment_id).where(ConsensusCoding.code_id.in_(codes)))
    )
    if source is Source.OWN and ctx.actor.user_id is not None:
        ids |= set(
            s.scalars(
                select(Coding.segment_id).where(
                    Coding.code_id.in_(codes), Coding.coder_id == ctx.actor.user_id
                )
            )
        )
    return ids


def _trim_before(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[-CONTEXT_CHARS:]
    space = cut.find(" ")
    return "… " + (cut[space + 1 :] if 0 <= space < 25 else cut)


def _trim_after(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[:CONTEXT_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > CONTEXT_CHARS - 25 else cut) + " …"


def words_of(query: str) -> list[str]:
    return [w for w in re.findall(r"\w[\w\-']*", query.casefold()) if w]


def search(
    ctx: Context,
    query: str,
    filters: Filters | None = None,
    *,
    source: Source = Source.CONSENSUS,
    limit: int = 200,
) -> SearchResult:
    """Segments holding every word of ``query`` in the transcripts the user may read."""
    f = filters or Filters()
    words = words_of(query)
    if not words:
        raise InputError(msg("search.empty"))
    if source is Source.OWN:
        ctx.require("coding.write")
    patterns = [re.compile(re.escape(w), re.IGNORECASE) for w in words]
    hits: list[Hit] = []
    total = searched = 0
    with ctx.db.session() as s:
        ivs = {iv.id: iv for iv, _, _ in _readable(s, ctx, f)}
        if not ivs:
            return SearchResult(query, (), 0, 0)
        coded = (
            _coded_segments(s, ctx, _code_family(s, ctx, f.code_id), source)
            if f.code_id is not None
            else None
        )
        rows = s.execute(
            select(
                Segment.id, Segment.interview_id, Segment.position, Segment.speaker, Segment.text
            )
            .where(Segment.interview_id.in_(list(ivs)))
            .order_by(Segment.interview_id, Segment.position)
        ).all()
    order = {iv_id: i for i, iv_id in enumerate(ivs)}
    for sid, iv_id, pos, speaker, text in sorted(rows, key=lambda r: (order[r[1]], r[2])):
        iv = ivs[iv_id]
        role = _role(iv.speakers, speaker)
        if f.speaker_role and role != f.speaker_role:
            continue
        if coded is not None and sid not in coded:
            continue
        searched += 1
        text = text or ""
        if not all(w in text.casefold() for w in words):
            continue
        per_word = [[(m.start(), m.end()) for m in p.finditer(text)] for p in patterns]
        if not all(per_word):
            continue
        total += 1
        if len(hits) >= limit:
            continue
        a, b = per_word[0][0]
        found = [span for spans in per_word for span in spans]
        hits.append(
            Hit(
                interview_id=iv_id,
                title=iv.title,
                segment_id=sid,
                number=pos + 1,
                speaker=speaker,
                role=role,
                start=a,
                end=b,
                before=_trim_before(text[:a]),
                match=text[a:b],
                after=_trim_after(text[b:]),
                words=tuple(sorted(found)),
            )
        )
    return SearchResult(query, tuple(hits), total, searched)


def code_passages(
    ctx: Context, code_id: int, *, source: Source = Source.CONSENSUS, children: bool = True
) -> list[Passage]:
    """Every passage coded with the code (and its children), with its context in the turn."""
    if source is Source.OWN:
        ctx.require("coding.write")
    else:
        ctx.require("consensus.read")
    with ctx.db.session() as s:
        ivs = {iv.id: iv for iv, _, _ in _readable(s, ctx, Filters())}
        family = _code_family(s, ctx, code_id) if children else {code_id}
        keys = dict(s.execute(select(Code.id, Code.key).where(Code.id.in_(family))).all())
        models: list[type[Coding] | type[ConsensusCoding]] = [ConsensusCoding]
        if source is Source.OWN:
            models = [Coding]
        rows: list[Row[int, int, int | None, int | None, int, int, str | None, str]] = []
        for model in models:
            q = (
                select(
                    model.segment_id,
                    model.code_id,
                    model.start_char,
                    model.end_char,
                    Segment.interview_id,
                    Segment.position,
                    Segment.speaker,
                    Segment.text,
                )
                .join(Segment, model.segment_id == Segment.id)
                .where(model.code_id.in_(family), Segment.interview_id.in_(list(ivs)))
            )
            if model is Coding:
                q = q.where(Coding.coder_id == ctx.actor.user_id)
            rows += s.execute(q).all()
    order = {iv_id: i for i, iv_id in enumerate(ivs)}
    out = []
    for sid, cid, a, b, iv_id, pos, speaker, text in sorted(
        rows, key=lambda r: (order[r[4]], r[5], r[2] or 0)
    ):
        text = text or ""
        # A half-open span (only the bulk loader can store one) counts as the whole segment,
        # as in consensus_reconcile._span_text.
        a, b = (0, len(text)) if a is None or b is None else (a, b)
        out.append(
            Passage(
                interview_id=iv_id,
                title=ivs[iv_id].title,
                segment_id=sid,
                number=pos + 1,
                speaker=speaker,
                code_id=cid,
                code_key=keys.get(cid, ""),
                start=a,
                end=b,
                before=_trim_before(text[:a]),
                text=text[a:b],
                after=_trim_after(text[b:]),
            )
        )
    return out


def code_counts(ctx: Context, *, source: Source = Source.CONSENSUS) -> list[CodeCount]:
    """Passages per code in the readable transcripts: own, and own + all descendants'."""
    if source is Source.OWN:
        ctx.require("coding.write")
    else:
        ctx.require("consensus.read")
    with ctx.db.session() as s:
        ivs = [iv.id for iv, _, _ in _readable(s, ctx, Filters())]
        codes = s.execute(
            select(Code.id, Code.key, Code.name, Code.parent_id)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(Codebook.project_id == ctx.project_id)
            .order_by(Codebook.id, Code.position, Code.id)
        ).all()
        model = Coding if source is Source.OWN else ConsensusCoding
        q = (
            select(model.code_id)
            .join(Segment, model.segment_id == Segment.id)
            .where(Segment.interview_id.in_(ivs))
        )
        if model is Coding:
            q = q.where(Coding.coder_id == ctx.actor.user_id)
        own: dict[int, int] = {}
        for (cid,) in s.execute(q):
            own[cid] = own.get(cid, 0) + 1
    children: dict[int | None, list[int]] = {}
    for c in codes:
        children.setdefault(c.parent_id, []).append(c.id)

    def total(cid: int, seen: frozenset[int] = frozenset()) -> int:
        if cid in seen:
            return 0
        return own.get(cid, 0) + sum(total(k, seen | {cid}) for k in children.get(cid, []))

    return [
        CodeCount(c.id, c.key, c.name, c.parent_id, own.get(c.id, 0), total(c.id)) for c in codes
    ]


def filter_options(ctx: Context) -> dict[str, list[str]]:
    """The values the filters can take in the readable transcripts (arms, sites, waves, roles)."""
    with ctx.db.session() as s:
        readable = _readable(s, ctx, Filters())
    roles = sorted(
        {
            r
            for iv, _, _ in readable
            for spk in (iv.speakers or {})
            if (r := _role(iv.speakers, spk))
        }
    )
    return {
        "arm": sorted({a for _, a, _ in readable if a}),
        "site": sorted({x for _, _, x in readable if x}),
        "wave": sorted({str(iv.wave) for iv, _, _ in readable if iv.wave is not None}),
        "role": roles,
    }
