"""Memos <-> REFI-QDA notes, so that export -> import -> export is a fixed point.

A memo travels as one ``Note``: its ``name`` is the memo's title, its ``PlainTextContent`` the
memo's text byte for byte (no header, no date or author written into the text), its
``creatingUser``/``creationDateTime``/``modifiedDateTime`` the author and dates. Where it belongs
is said by the ``NoteRef`` that points at it: from a ``TextSource`` (interview memo), a ``Code``
(code memo) or the ``Project`` (project memo). A link to a passage is an uncoded
``PlainTextSelection`` on that passage with a ``NoteRef`` to the memo (what NVivo and MAXQDA
write for an annotation); a link to a code is a ``Link`` from the note to the code; a link to a
passage *and* a code adds a ``Link`` from that selection to the code, carrying the note.

A coding's memo is the selection's ``Description`` and a note the selection refers to (both
written; read as one memo: the same text twice is one memo).

Plain Python: no store, no services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from .qdpx import Problem, QdaLink, QdaNote, QdaProject, QdaSelection, guid_for, norm_guid


class NoteKind(StrEnum):
    """What a memo is about (the same values as ``services.memos.MemoKind``)."""

    PROJECT = "project"
    INTERVIEW = "interview"
    CODE = "code"


@dataclass(frozen=True)
class Passage:
    """A stretch of a source's text, in code points of the text as exported."""

    source_guid: str
    start: int
    end: int


@dataclass(frozen=True)
class NoteLink:
    passage: Passage | None = None
    code_guid: str | None = None


@dataclass(frozen=True)
class MemoNote:
    """A memo as it travels: title, text, author (a user GUID), dates, what it is about."""

    guid: str
    kind: NoteKind
    title: str
    body: str
    author_guid: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    source_guid: str | None = None  # an interview memo's source
    code_guid: str | None = None  # a code memo's code
    links: tuple[NoteLink, ...] = ()


@dataclass
class ReadMemos:
    memos: list[MemoNote] = field(default_factory=list)
    passages: set[str] = field(default_factory=set)  # guids of the memos' link selections
    problems: list[Problem] = field(default_factory=list)


def stamp(when: datetime | None) -> str | None:
    """A datetime as REFI-QDA writes it (UTC, seconds)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def coding_memo(description: str, notes: Sequence[str]) -> str:
    """A coding's one memo from the selection's Description and its notes: qualkit writes the
    same text to both, so equal texts are one memo; distinct texts (another tool's) are kept,
    in order, separated by a blank line."""
    parts: list[str] = []
    for t in (description, *notes):
        if t.strip() and t not in parts:
            parts.append(t)
    return "\n\n".join(parts)


def add_memos(project: QdaProject, memos: Iterable[MemoNote]) -> None:
    """Write memos into ``project`` as notes, note references, link selections and links.

    A link to a passage of a source that is not in the project (not exported) is left out."""
    sources = {norm_guid(src.guid): src for src in project.sources}
    codes = {norm_guid(c.guid): c for c, _ in project.all_codes()}
    for m in memos:
        project.notes[m.guid] = QdaNote(
            m.guid, m.title, m.body, m.author_guid, stamp(m.created), stamp(m.modified)
        )
        src = sources.get(norm_guid(m.source_guid)) if m.kind is NoteKind.INTERVIEW else None
        code = codes.get(norm_guid(m.code_guid)) if m.kind is NoteKind.CODE else None
        if src is not None:
            src.note_guids.append(m.guid)
        elif code is not None:
            code.note_guids.append(m.guid)
        else:
            project.note_guids.append(m.guid)
        seen: set[str] = set()
        for link in m.links:
            target = norm_guid(link.code_guid) if link.code_guid else ""
            code_guid = codes[target].guid if target in codes else None
            p = link.passage
            where = sources.get(norm_guid(p.source_guid)) if p is not None else None
            # GUIDs from what the link is (not its place in the list, which an import may
            # reorder), so the same memo exported again gives other tools the same links.
            if p is not None and where is not None:
                sel_guid = _unique(seen, "memo-passage", m.guid, where.guid.lower(), p.start, p.end)
                where.selections.append(
                    QdaSelection(sel_guid, p.start, p.end, [], m.author_guid, "", [m.guid])
                )
                if code_guid:
                    link_guid = _unique(seen, "memo-link", m.guid, sel_guid, target)
                    project.links.append(QdaLink(link_guid, "Memo", sel_guid, code_guid, [m.guid]))
            elif p is None and code_guid:
                link_guid = _unique(seen, "memo-link", m.guid, target)
                project.links.append(QdaLink(link_guid, "Memo", m.guid, code_guid))


def _unique(seen: set[str], *parts: object) -> str:
    """A GUID derived from ``parts``; a second identical link of one memo gets a numbered one."""
    guid, n = guid_for(*parts), 1
    while guid in seen:
        guid, n = guid_for(*parts, n), n + 1
    seen.add(guid)
    return guid


def read_memos(project: QdaProject) -> ReadMemos:
    """The notes left after the coding memos were read (``read_qdpx``) -> memos, with their
    kind, author, dates and links; positions of passages as in the file."""
    out = ReadMemos()
    notes = {norm_guid(g): n for g, n in project.notes.items()}
    kind: dict[str, tuple[NoteKind, str | None, str | None]] = {}
    for src in project.sources:
        for g in src.note_guids:
            kind.setdefault(norm_guid(g), (NoteKind.INTERVIEW, src.guid, None))
    for code, _ in project.all_codes():
        for g in code.note_guids:
            kind.setdefault(norm_guid(g), (NoteKind.CODE, None, code.guid))
    for g in project.note_guids:
        kind.setdefault(norm_guid(g), (NoteKind.PROJECT, None, None))
    selections: dict[str, tuple[str, QdaSelection]] = {}
    links: dict[str, list[NoteLink]] = {g: [] for g in notes}
    annotated: dict[str, list[str]] = {}  # note -> sources whose passages it annotates
    for src in project.sources:
        for sel in src.selections:
            selections[norm_guid(sel.guid)] = (src.guid, sel)
            if sel.codings:
                continue
            for g in sel.note_guids:
                if norm_guid(g) in notes:
                    links[norm_guid(g)].append(NoteLink(Passage(src.guid, sel.start, sel.end)))
                    annotated.setdefault(norm_guid(g), []).append(src.guid)
                    out.passages.add(norm_guid(sel.guid))
    codes = {norm_guid(c.guid) for c, _ in project.all_codes()}
    for link in project.links:
        origin, target = norm_guid(link.origin), norm_guid(link.target)
        carried = [norm_guid(g) for g in link.note_guids if norm_guid(g) in notes]
        if origin in notes and target in codes:
            links[origin].append(NoteLink(code_guid=link.target))
        elif origin in notes and target in selections:
            src_guid, sel = selections[target]
            links[origin].append(NoteLink(Passage(src_guid, sel.start, sel.end)))
            if not sel.codings:
                out.passages.add(target)
        elif origin in selections and target in codes and carried:
            src_guid, sel = selections[origin]
            for g in carried:  # the passage link the selection gave, now with its code
                here = Passage(src_guid, sel.start, sel.end)
                idx = next((i for i, x in enumerate(links[g]) if x.passage == here), None)
                if idx is None:
                    links[g].append(NoteLink(here, link.target))
                else:
                    links[g][idx] = NoteLink(here, link.target)
        else:
            out.problems.append(
                Problem("note", link.name or link.guid or "Link", "Link importeres ikke")
            )
    for g, note in notes.items():
        k, source, about = kind.get(g, (NoteKind.PROJECT, None, None))
        if g not in kind and len(set(annotated.get(g, []))) == 1:
            k, source = NoteKind.INTERVIEW, annotated[g][0]  # an annotation of one source
        out.memos.append(
            MemoNote(
                note.guid,
                k,
                note.name or "Note",
                note.text,
                note.user_guid,
                parse_stamp(note.created),
                parse_stamp(note.modified),
                source,
                about,
                tuple(links[g]),
            )
        )
    return out
