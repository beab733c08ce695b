"""Memos in the REFI-QDA exchange: interview, code and project memos out as notes (with author,
dates and links), and notes back in as memos, so that export -> import -> export is a fixed
point (same title, same text byte for byte, one memo, links kept). The mapping itself is the
plain ``exports/memo_notes.py``; here are the store and the safety check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.exports import safety
from qualkit.exports.layout import Layout, place
from qualkit.exports.memo_notes import MemoNote, NoteKind, NoteLink, Passage, ReadMemos, add_memos
from qualkit.exports.positions import PositionMap, PositionUnit
from qualkit.exports.qdpx import Problem, QdaProject, QdaUser, guid_for, norm_guid
from qualkit.exports.qdpx_mapping import clean_guid
from qualkit.store.models import Code, Codebook, Interview, Memo, MemoLink, Project, Segment

from .attestation import attested_passages, attested_strings, sha
from .context import Context
from .read_policy import DEIDENTIFIED_STATUSES


def _source_offsets(
    s: Session, ctx: Context, qda: QdaProject, seg_ids: set[int]
) -> dict[int, tuple[str, int]]:
    """Segment id -> (source guid, offset of its text in the exported source text), for the
    interviews that hold the linked segments (only those are laid out again)."""
    from .exchange_build import _source_text

    if not seg_ids:
        return {}
    wanted = {norm_guid(src.guid) for src in qda.sources}
    out: dict[int, tuple[str, int]] = {}
    holding = select(Segment.interview_id).where(Segment.id.in_(seg_ids))
    for iv in s.scalars(
        select(Interview).where(Interview.project_id == ctx.project_id, Interview.id.in_(holding))
    ):
        guid = (iv.exchange or {}).get("guid") or guid_for("source", ctx.project_id, iv.id)
        if norm_guid(guid) not in wanted:
            continue
        segs = [g for g in iv.segments if g.deidentified or iv.status in DEIDENTIFIED_STATUSES]
        _, offsets = _source_text(iv, segs)
        out.update({seg.id: (guid, offsets[i]) for i, seg in enumerate(segs)})
    return out


def memo_notes(ctx: Context, qda: QdaProject) -> list[safety.Passage]:
    """Project, interview and code memos (those that may leave: services/memos.export_notes)
    into ``qda`` as REFI-QDA notes; their titles and texts are checked like every exported
    passage (the returned passages)."""
    from . import memos
    from .exchange_build import code_guid, stored_user_guids, user_guid
    from .export_memos import memo_key

    views = memos.export_notes(ctx)
    linked = {ln.segment_id for m in views for ln in m.links if ln.segment_id}
    with ctx.db.session() as s:
        offsets = _source_offsets(s, ctx, qda, linked)
        seg_len = dict(
            s.execute(select(Segment.id, Segment.text).where(Segment.id.in_(linked))).all()
        )
        sources = {
            iv_id: (exchange or {}).get("guid") or guid_for("source", ctx.project_id, iv_id)
            for iv_id, exchange in s.execute(
                select(Interview.id, Interview.exchange).where(
                    Interview.project_id == ctx.project_id
                )
            )
        }
        codes = {
            c.id: code_guid(c)
            for c in s.scalars(
                select(Code)
                .join(Codebook, Code.codebook_id == Codebook.id)
                .where(Codebook.project_id == ctx.project_id)
            )
        }
        attested = attested_strings(getattr(s.get(Project, ctx.project_id), "settings", None))
        stored = stored_user_guids(s)
    known = {norm_guid(u.guid) for u in qda.users}
    notes: list[MemoNote] = []
    out: list[safety.Passage] = []
    for m in views:
        author = user_guid(m.author, stored) if m.author else None
        if author and norm_guid(author) not in known:
            qda.users.insert(1 if qda.users else 0, QdaUser(author, m.author))
            known.add(norm_guid(author))
        links = []
        for ln in m.links:
            passage = None
            if ln.segment_id in offsets:
                guid, off = offsets[ln.segment_id]
                a = ln.start if ln.start is not None else 0
                b = ln.end if ln.end is not None else len(seg_len.get(ln.segment_id) or "")
                passage = Passage(guid, off + a, off + b)
            elif ln.segment_id:
                continue  # a passage that does not leave with this export
            links.append(NoteLink(passage, codes.get(ln.code_id) if ln.code_id else None))
        notes.append(
            MemoNote(
                m.guid or guid_for("memo", ctx.project_id, m.id),
                NoteKind(str(m.kind)),
                m.title,
                m.body,
                author,
                m.created_at,
                m.updated_at,
                sources.get(m.interview_id) if m.interview_id else None,
                codes.get(m.code_id) if m.code_id else None,
                tuple(links),
            )
        )
        for text in (m.title, m.body):  # a key of its own: no quote's override covers it
            whole = ((0, len(text)),) if sha(text) in attested else ()
            out.append(safety.Passage(memo_key(m.id), text, f"Memo {m.id}", whole))
    out += attested_passages([m.author for m in views if m.author], attested)
    add_memos(qda, notes)
    return out


@dataclass(frozen=True)
class PlacedSource:
    """An imported source as stored: its interview, its text and its layout in segments."""

    interview_id: int
    text: str
    layout: Layout


def memo_authors(read: ReadMemos) -> frozenset[str]:
    return frozenset(norm_guid(m.author_guid) for m in read.memos if m.author_guid)


def keep_memos(
    s: Session,
    read: ReadMemos,
    pid: int,
    codes: dict[str, Code],
    placed: dict[str, PlacedSource],
    users: dict[str, int],
    unit: PositionUnit,
    left: list[Problem],
) -> int:
    """Imported notes -> memos (kind from where the note is attached, title, text exactly,
    author, dates, links onto the stored segments). Returns how many."""
    seg_ids: dict[int, list[int]] = {}
    maps: dict[str, PositionMap] = {}
    n = 0
    for m in read.memos:
        kind, iv_id, code_id = m.kind, None, None
        if kind is NoteKind.INTERVIEW:
            src = placed.get(norm_guid(m.source_guid))
            iv_id = src.interview_id if src else None
        elif kind is NoteKind.CODE:
            code = codes.get(norm_guid(m.code_guid))
            code_id = code.id if code else None
        if (
            kind is NoteKind.INTERVIEW
            and iv_id is None
            or kind is NoteKind.CODE
            and code_id is None
        ):
            kind = NoteKind.PROJECT  # its source or code was left out
        memo = Memo(
            project_id=pid,
            kind=str(kind),
            interview_id=iv_id,
            code_id=code_id,
            title=m.title[:300],
            body=m.body,
            guid=clean_guid(m.guid, "memo", pid) if m.guid.strip() else None,
            author_id=users.get(norm_guid(m.author_guid)),
        )
        changed = m.modified or m.created
        if m.created is not None:
            memo.created_at = m.created
        if changed is not None:
            memo.updated_at = changed
        memo.links = list(_links(s, m, codes, placed, unit, seg_ids, maps, left))
        s.add(memo)
        n += 1
    return n


def _links(
    s: Session,
    m: MemoNote,
    codes: dict[str, Code],
    placed: dict[str, PlacedSource],
    unit: PositionUnit,
    seg_ids: dict[int, list[int]],
    maps: dict[str, PositionMap],
    left: list[Problem],
) -> Iterable[MemoLink]:
    for link in m.links:
        code = codes.get(norm_guid(link.code_guid)) if link.code_guid else None
        if link.code_guid and code is None:
            left.append(Problem("note", m.title, f"linket til koden {link.code_guid} er tabt"))
            continue
        code_id = code.id if code else None
        if link.passage is None:
            yield MemoLink(code_id=code_id)
            continue
        src = placed.get(norm_guid(link.passage.source_guid))
        if src is None:
            left.append(
                Problem("note", m.title, "linket peger på en kilde, der ikke er importeret")
            )
            continue
        pm = maps.setdefault(norm_guid(link.passage.source_guid), PositionMap(src.text))
        limit = pm.length(unit)
        p = link.passage
        if not 0 <= p.start <= p.end <= limit:
            left.append(
                Problem("note", m.title, f"linket {p.start}-{p.end} ligger uden for teksten")
            )
            continue
        a, b = pm.convert(p.start, unit), pm.convert(p.end, unit)
        lengths = [len(piece.text) for piece in src.layout.pieces]
        pieces = place(src.layout.starts(), lengths, a, b)
        if not pieces:
            left.append(Problem("note", m.title, "linket dækker ingen tekst i turene"))
            continue
        ids = seg_ids.get(src.interview_id)
        if ids is None:
            ids = seg_ids[src.interview_id] = list(
                s.scalars(
                    select(Segment.id)
                    .where(Segment.interview_id == src.interview_id)
                    .order_by(Segment.position)
                )
            )
        for idx, start, end in pieces:
            yield MemoLink(segment_id=ids[idx], start_char=start, end_char=end, code_id=code_id)
