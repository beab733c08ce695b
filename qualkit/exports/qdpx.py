"""REFI-QDA project exchange (.qdpx): write and read ``urn:QDA-XML:project:1.0``.

A .qdpx is a zip holding ``project.qde`` (the XML) and ``sources/<guid>.txt`` (one plain
text file per text source, referenced as ``plainTextPath="internal://<guid>.txt"``).
Codings sit on ``PlainTextSelection`` elements whose ``startPosition``/``endPosition``
are character offsets into that text. This is what NVivo, ATLAS.ti, MAXQDA and QualCoder
exchange; the reader is tolerant of their differences (inline ``PlainTextContent``,
"Sources/" or no folder, nested ``Code`` elements under wrappers).
"""

from __future__ import annotations

import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from qualkit.errors import InputError
from qualkit.transcripts.textformat import _match_turn, format_timestamp

if TYPE_CHECKING:
    from collections.abc import Iterator

NS = "urn:QDA-XML:project:1.0"
_Q = f"{{{NS}}}"
GUID_RE = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}\}?$"
)
_GUID_NS = uuid.UUID("6f1c3f52-5a0e-4c55-9a57-8b2f3d1e0a71")


def guid_for(*parts: object) -> str:
    """A stable GUID for a qualkit object, so exporting twice gives the same file."""
    return str(uuid.uuid5(_GUID_NS, ":".join(str(p) for p in parts)))


@dataclass
class QdaUser:
    guid: str
    name: str


@dataclass
class QdaCode:
    guid: str
    name: str
    description: str = ""
    color: str | None = None
    children: list[QdaCode] = field(default_factory=list)

    def walk(self, parent: QdaCode | None = None) -> Iterator[tuple[QdaCode, QdaCode | None]]:
        yield self, parent
        for c in self.children:
            yield from c.walk(self)


@dataclass
class QdaSelection:
    guid: str
    start: int
    end: int
    code_guids: list[str]
    user_guid: str | None = None
    memo: str = ""


@dataclass
class QdaSource:
    guid: str
    name: str
    text: str
    selections: list[QdaSelection] = field(default_factory=list)
    description: str = ""


@dataclass
class QdaProject:
    name: str
    users: list[QdaUser] = field(default_factory=list)
    codes: list[QdaCode] = field(default_factory=list)
    sources: list[QdaSource] = field(default_factory=list)
    origin: str = "qualkit"
    description: str = ""
    other_sources: int = 0  # PDF, picture, audio, video sources (not imported)

    def all_codes(self) -> list[tuple[QdaCode, QdaCode | None]]:
        return [pair for c in self.codes for pair in c.walk()]


# --- transcript text <-> positions -------------------------------------------------------


@dataclass
class TurnSpan:
    """One turn of a source text: where its spoken text starts and ends in the whole text."""

    start: int
    end: int
    speaker: str | None
    time: float | None
    text: str


def render_turns(turns: list[tuple[str | None, float | None, str]]) -> tuple[str, list[int]]:
    """Turns -> the source's plain text (transcript format) and each turn's text offset.

    Line breaks inside a turn become spaces (same length, so offsets inside it hold)."""
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for speaker, start, text in turns:
        prefix = f"[{format_timestamp(start)}] " if start is not None else ""
        prefix += f"{speaker}: " if speaker else ""
        if pos:
            parts.append("\n\n")
            pos += 2
        offsets.append(pos + len(prefix))
        line = prefix + text.replace("\r", " ").replace("\n", " ")
        parts.append(line)
        pos += len(line)
    return "".join(parts) + "\n", offsets


def split_turns(text: str) -> list[TurnSpan]:
    """A source's plain text -> turns, one per non-empty line, keeping character offsets."""
    out: list[TurnSpan] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            turn = _match_turn(stripped)
            body = turn.text if turn is not None else stripped
            body_start = pos + lead + len(stripped) - len(body)
            out.append(
                TurnSpan(
                    body_start,
                    body_start + len(body),
                    turn.speaker if turn else None,
                    turn.start if turn else None,
                    body,
                )
            )
        pos += len(raw)
    return out


def map_selection(
    turns: list[TurnSpan], start: int, end: int
) -> list[tuple[int, int | None, int | None]]:
    """A selection -> (turn index, start_char, end_char) per turn it touches; the char span is
    None where the selection covers the turn's whole text (a segment-level coding)."""
    hits: list[tuple[int, int | None, int | None]] = []
    for i, t in enumerate(turns):
        s, e = max(start, t.start), min(end, t.end)
        if s >= e:
            continue
        if s == t.start and e == t.end:
            hits.append((i, None, None))
        else:
            hits.append((i, s - t.start, e - t.start))
    return hits


# --- writing -----------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent: ET.Element, tag: str, **attrs: str | None) -> ET.Element:
    return ET.SubElement(parent, _Q + tag, {k: v for k, v in attrs.items() if v is not None})


def _code_el(parent: ET.Element, code: QdaCode) -> None:
    el = _el(parent, "Code", guid=code.guid, name=code.name, isCodable="true", color=code.color)
    if code.description:
        _el(el, "Description").text = code.description
    for child in code.children:
        _code_el(el, child)


def project_xml(project: QdaProject) -> tuple[bytes, dict[str, str]]:
    """The project.qde bytes and the source files {zip path: text}."""
    ET.register_namespace("", NS)
    now = _now()
    creator = project.users[0].guid if project.users else None
    root = ET.Element(
        _Q + "Project",
        {
            "name": project.name,
            "origin": project.origin,
            "creationDateTime": now,
            **({"creatingUserGUID": creator} if creator else {}),
        },
    )
    if project.users:
        users = _el(root, "Users")
        for u in project.users:
            _el(users, "User", guid=u.guid, name=u.name)
    if project.codes:
        codes = _el(_el(root, "CodeBook"), "Codes")
        for c in project.codes:
            _code_el(codes, c)
    files: dict[str, str] = {}
    notes: list[tuple[str, str, str]] = []
    if project.sources:
        sources = _el(root, "Sources")
        for src in project.sources:
            el = _el(
                sources,
                "TextSource",
                guid=src.guid,
                name=src.name,
                plainTextPath=f"internal://{src.guid}.txt",
                creatingUser=creator,
                creationDateTime=now,
            )
            if src.description:
                _el(el, "Description").text = src.description
            files[f"sources/{src.guid}.txt"] = src.text
            for sel in src.selections:
                s_el = _el(
                    el,
                    "PlainTextSelection",
                    guid=sel.guid,
                    name=src.text[sel.start : sel.end][:40],
                    startPosition=str(sel.start),
                    endPosition=str(sel.end),
                    creatingUser=sel.user_guid or creator,
                    creationDateTime=now,
                )
                for cg in sel.code_guids:
                    c_el = _el(
                        s_el,
                        "Coding",
                        guid=guid_for("coding", sel.guid, cg),
                        creatingUser=sel.user_guid or creator,
                        creationDateTime=now,
                    )
                    _el(c_el, "CodeRef", targetGUID=cg)
                if sel.memo:
                    note_guid = guid_for("note", sel.guid)
                    _el(s_el, "NoteRef", targetGUID=note_guid)
                    notes.append((note_guid, f"Memo: {src.name}", sel.memo))
    if notes:
        notes_el = _el(root, "Notes")
        for guid, name, text in notes:
            n_el = _el(
                notes_el, "Note", guid=guid, name=name, creatingUser=creator, creationDateTime=now
            )
            _el(n_el, "PlainTextContent").text = text
    if project.description:
        _el(root, "Description").text = project.description
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), files


def write_qdpx(project: QdaProject, path: str | Path) -> None:
    xml, files = project_xml(project)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))


# --- reading -----------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _text_of(el: ET.Element, name: str) -> str:
    found = _children(el, name)
    return (found[0].text or "").strip() if found else ""


def _read_code(el: ET.Element, where: str) -> QdaCode:
    guid, name = el.get("guid"), el.get("name")
    if not guid or not name:
        raise InputError(f"{where}: a Code without guid or name.")
    code = QdaCode(
        guid=guid, name=name.strip(), description=_text_of(el, "Description"), color=el.get("color")
    )
    for child in el:
        if _local(child.tag) == "Code":
            code.children.append(_read_code(child, where))
        elif _local(child.tag) not in ("Description", "NoteRef"):
            code.children.extend(_read_code(c, where) for c in _children(child, "Code"))
    return code


def read_qdpx(path: str | Path) -> QdaProject:
    """Parse a .qdpx (or a bare .qde) into a QdaProject; refuse anything malformed in one line."""
    p = Path(path)
    where = str(path)
    if not p.exists():
        raise InputError(f"{where}: file not found.")
    texts: dict[str, str] = {}
    from qualkit.limits import MAX_TEXT_BYTES, MAX_XML_BYTES, check_size, open_zip, read_member

    if zipfile.is_zipfile(p):
        # Sizes, ratios and entry counts from the directory first; then each member streamed
        # with a hard cap: a zip bomb is refused before it is expanded.
        with open_zip(p, where) as zf:
            names = zf.namelist()
            qde = next((n for n in names if n.lower().endswith(".qde")), None)
            if qde is None:
                raise InputError(f"{where}: no project.qde inside; not a REFI-QDA project (.qdpx).")
            xml = read_member(zf, qde, where, MAX_XML_BYTES)
            for n in names:
                if n.lower().endswith(".txt"):
                    texts[PurePosixPath(n).name.lower()] = read_member(
                        zf, n, where, MAX_TEXT_BYTES
                    ).decode("utf-8-sig", errors="replace")
    else:
        check_size(p, MAX_XML_BYTES, "REFI-QDA-fil")
        xml = p.read_bytes()
    from qualkit.limits import check_xml

    check_xml(xml, where)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise InputError(f"{where}: project.qde is not valid XML ({exc}).") from None
    if root.tag != _Q + "Project":
        raise InputError(
            f"{where}: the root element is {_local(root.tag)!r} in "
            f"{root.tag.partition('}')[0].lstrip('{') or 'no namespace'}; expected "
            f"Project in {NS}."
        )
    project = QdaProject(
        name=(root.get("name") or p.stem).strip(),
        origin=root.get("origin") or "",
        description=_text_of(root, "Description"),
    )
    for users in _children(root, "Users"):
        project.users = [
            QdaUser(u.get("guid") or "", u.get("name") or "") for u in _children(users, "User")
        ]
    for book in _children(root, "CodeBook"):
        for codes in _children(book, "Codes"):
            project.codes.extend(_read_code(c, where) for c in _children(codes, "Code"))
    notes = {
        n.get("guid"): _text_of(n, "PlainTextContent")
        for ns in _children(root, "Notes")
        for n in _children(ns, "Note")
    }
    known = {c.guid for c, _ in project.all_codes()}
    for sources in _children(root, "Sources"):
        for el in sources:
            if _local(el.tag) == "TextSource":
                project.sources.append(_read_source(el, texts, notes, known, where))
            else:
                project.other_sources += 1
    return project


def _read_source(
    el: ET.Element, texts: dict[str, str], notes: dict[str | None, str], known: set[str], where: str
) -> QdaSource:
    name = (el.get("name") or el.get("guid") or "kilde").strip()
    text = _text_of(el, "PlainTextContent") if _children(el, "PlainTextContent") else None
    if text is None:
        ref = el.get("plainTextPath") or ""
        key = PurePosixPath(re.sub(r"^internal://", "", ref, flags=re.I)).name.lower()
        if key not in texts:
            raise InputError(
                f"{where}: source {name!r} points at {ref or 'no text'}, which is not in the file."
            )
        text = texts[key]
    src = QdaSource(
        guid=el.get("guid") or guid_for("source", name),
        name=name,
        text=text,
        description=_text_of(el, "Description"),
    )
    for sel in _children(el, "PlainTextSelection"):
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            raise InputError(
                f"{where}: source {name!r}, selection {sel.get('guid')}: "
                f"startPosition/endPosition are not whole numbers."
            ) from None
        if not 0 <= start <= end <= len(text):
            raise InputError(
                f"{where}: source {name!r}, selection {sel.get('guid')}: positions "
                f"{start}-{end} lie outside the text ({len(text)} characters)."
            )
        refs = []
        for coding in _children(sel, "Coding"):
            for code_ref in _children(coding, "CodeRef"):
                target = code_ref.get("targetGUID")
                if target not in known:
                    raise InputError(
                        f"{where}: source {name!r}, selection {sel.get('guid')}: "
                        f"code {target} is not in the codebook."
                    )
                refs.append(target)
        memo = "\n\n".join(
            t
            for t in [
                _text_of(sel, "Description"),
                *(notes.get(r.get("targetGUID"), "") for r in _children(sel, "NoteRef")),
            ]
            if t
        )
        src.selections.append(
            QdaSelection(sel.get("guid") or "", start, end, refs, sel.get("creatingUser"), memo)
        )
    return src
