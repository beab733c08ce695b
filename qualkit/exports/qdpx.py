"""REFI-QDA project exchange (.qdpx): write and read ``urn:QDA-XML:project:1.0``.

A .qdpx is a zip holding ``project.qde`` (the XML) and ``sources/<guid>.txt`` (one plain
text file per text source, referenced as ``plainTextPath="internal://<guid>.txt"``).
Codings sit on ``PlainTextSelection`` elements whose ``startPosition``/``endPosition``
count in UTF-16 units or code points (see ``exports/positions.py``); this module's model
holds code points, and the writer converts to the unit asked for.

The reader is tolerant of the producers' differences (inline ``PlainTextContent``,
"Sources/" or no folder, nested ``Code`` elements under wrappers) and never gives up on
one bad part: what it cannot read becomes a ``Problem`` and the rest is read. Only a file
that is not a REFI-QDA project at all is refused.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from qualkit.errors import InputError

from .positions import PositionMap, PositionUnit

NS = "urn:QDA-XML:project:1.0"
_Q = f"{{{NS}}}"
GUID_RE = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}\}?$"
)
_GUID_NS = uuid.UUID("6f1c3f52-5a0e-4c55-9a57-8b2f3d1e0a71")
CONSENSUS_USER = "Konsensus"  # the user under whom qualkit writes the agreed layer
_COLOR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


def guid_for(*parts: object) -> str:
    """A stable GUID for a qualkit object, so exporting twice gives the same file."""
    return str(uuid.uuid5(_GUID_NS, ":".join(str(p) for p in parts)))


def norm_guid(guid: str | None) -> str:
    return (guid or "").strip().strip("{}").lower()


@dataclass
class QdaUser:
    guid: str
    name: str


@dataclass
class QdaCode:
    guid: str
    name: str
    description: str = ""  # the whole Description (qualkit's trailer included)
    color: str | None = None
    codable: bool = True
    children: list[QdaCode] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)

    def walk(self, parent: QdaCode | None = None) -> Iterator[tuple[QdaCode, QdaCode | None]]:
        yield self, parent
        for c in self.children:
            yield from c.walk(self)


@dataclass
class QdaCoding:
    code_guid: str
    user_guid: str | None = None


@dataclass
class QdaSelection:
    guid: str
    start: int  # as in the file until converted; code points in the model
    end: int
    codings: list[QdaCoding] = field(default_factory=list)
    user_guid: str | None = None
    memo: str = ""  # Description and notes, both read; written as both
    note_guids: list[str] = field(default_factory=list)  # notes of an uncoded selection

    @property
    def code_guids(self) -> list[str]:
        return [c.code_guid for c in self.codings]


@dataclass
class QdaNote:
    guid: str
    name: str
    text: str  # exactly as in the file (memos travel byte for byte)
    user_guid: str | None = None
    created: str | None = None  # creationDateTime / modifiedDateTime as written
    modified: str | None = None


@dataclass
class QdaLink:
    """A REFI-QDA ``Link``: origin -> target, optionally with notes of its own (qualkit writes
    a memo's link to a passage or a code as one, see ``exports/memo_notes.py``)."""

    guid: str
    name: str = ""
    origin: str | None = None
    target: str | None = None
    note_guids: list[str] = field(default_factory=list)


@dataclass
class QdaSource:
    guid: str
    name: str
    text: str
    selections: list[QdaSelection] = field(default_factory=list)
    description: str = ""
    note_guids: list[str] = field(default_factory=list)


@dataclass
class QdaSet:
    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class QdaVariable:
    guid: str
    name: str
    kind: str = "Text"  # typeOfVariable


@dataclass
class QdaCase:
    guid: str
    name: str
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)  # variable guid -> value
    sources: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # codings of the case (read, not kept)


@dataclass(frozen=True)
class Problem:
    """Something in the file that was not imported, and why (shown and in the report)."""

    kind: str  # source | selection | coding | code | note | set | case
    where: str
    reason: str


@dataclass
class QdaProject:
    name: str
    users: list[QdaUser] = field(default_factory=list)
    codes: list[QdaCode] = field(default_factory=list)
    sources: list[QdaSource] = field(default_factory=list)
    origin: str = "qualkit"
    description: str = ""
    notes: dict[str, QdaNote] = field(default_factory=dict)
    note_guids: list[str] = field(default_factory=list)  # the project's own notes
    sets: list[QdaSet] = field(default_factory=list)
    links: list[QdaLink] = field(default_factory=list)
    variables: list[QdaVariable] = field(default_factory=list)
    cases: list[QdaCase] = field(default_factory=list)
    creating_user: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def all_codes(self) -> list[tuple[QdaCode, QdaCode | None]]:
        return [pair for c in self.codes for pair in c.walk()]

    def user_names(self) -> dict[str, str]:
        return {norm_guid(u.guid): u.name for u in self.users}


# --- writing -----------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent: ET.Element, tag: str, **attrs: str | None) -> ET.Element:
    return ET.SubElement(parent, _Q + tag, {k: v for k, v in attrs.items() if v is not None})


def _code_el(parent: ET.Element, code: QdaCode) -> None:
    color = code.color if code.color and _COLOR.match(code.color) else None
    el = _el(
        parent,
        "Code",
        guid=code.guid,
        name=code.name,
        isCodable="true" if code.codable else "false",
        color=color,
    )
    if code.description:
        _el(el, "Description").text = code.description
    for g in code.note_guids:
        _el(el, "NoteRef", targetGUID=g)
    for child in code.children:
        _code_el(el, child)


def project_xml(
    project: QdaProject, unit: PositionUnit = PositionUnit.UTF16
) -> tuple[bytes, dict[str, str]]:
    """The project.qde bytes and the source files {zip path: text}; positions in ``unit``."""
    ET.register_namespace("", NS)
    now = _now()
    creator = project.creating_user or (project.users[0].guid if project.users else None)
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
    if project.variables:
        variables = _el(root, "Variables")
        for v in project.variables:
            _el(variables, "Variable", guid=v.guid, name=v.name, typeOfVariable=v.kind)
    if project.cases:
        cases = _el(root, "Cases")
        for case in project.cases:
            c_el = _el(cases, "Case", guid=case.guid, name=case.name)
            if case.description:
                _el(c_el, "Description").text = case.description
            for var_guid, value in case.values.items():
                vv = _el(c_el, "VariableValue")
                _el(vv, "VariableRef", targetGUID=var_guid)
                _el(vv, "TextValue").text = value
            for sg in case.sources:
                _el(c_el, "SourceRef", targetGUID=sg)
    files: dict[str, str] = {}
    if project.sources:
        sources = _el(root, "Sources")
        for src in project.sources:
            _source_el(sources, src, unit, creator, now)
            files[f"sources/{src.guid}.txt"] = src.text
    if project.notes:
        notes_el = _el(root, "Notes")
        for note in project.notes.values():
            n_el = _el(
                notes_el,
                "Note",
                guid=note.guid,
                name=note.name,
                creatingUser=note.user_guid or creator,
                creationDateTime=note.created or now,
                modifiedDateTime=note.modified,
            )
            _el(n_el, "PlainTextContent").text = note.text
    if project.links:
        links_el = _el(root, "Links")
        for link in project.links:
            l_el = _el(
                links_el,
                "Link",
                guid=link.guid,
                name=link.name or None,
                direction="OneWay",
                originGUID=link.origin,
                targetGUID=link.target,
            )
            for g in link.note_guids:
                _el(l_el, "NoteRef", targetGUID=g)
    if project.sets:
        sets = _el(root, "Sets")
        for st in project.sets:
            s_el = _el(sets, "Set", guid=st.guid, name=st.name)
            if st.description:
                _el(s_el, "Description").text = st.description
            for g in st.codes:
                _el(s_el, "MemberCode", targetGUID=g)
            for g in st.sources:
                _el(s_el, "MemberSource", targetGUID=g)
    if project.description:
        _el(root, "Description").text = project.description
    for g in project.note_guids:
        _el(root, "NoteRef", targetGUID=g)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), files


def _source_el(
    parent: ET.Element, src: QdaSource, unit: PositionUnit, creator: str | None, now: str
) -> None:
    el = _el(
        parent,
        "TextSource",
        guid=src.guid,
        name=src.name,
        plainTextPath=f"internal://{src.guid}.txt",
        creatingUser=creator,
        creationDateTime=now,
    )
    if src.description:
        _el(el, "Description").text = src.description
    pm = PositionMap(src.text)
    for sel in src.selections:
        who = sel.user_guid or creator
        s_el = _el(
            el,
            "PlainTextSelection",
            guid=sel.guid,
            name=src.text[sel.start : sel.end][:40],
            startPosition=str(pm.write(sel.start, unit)),
            endPosition=str(pm.write(sel.end, unit)),
            creatingUser=who,
            creationDateTime=now,
        )
        if sel.memo:  # QualCoder and NVivo read the Description; the note is for the rest
            _el(s_el, "Description").text = sel.memo
        for coding in sel.codings:
            c_el = _el(
                s_el,
                "Coding",
                guid=guid_for("coding", sel.guid, coding.code_guid),
                creatingUser=coding.user_guid or who,
                creationDateTime=now,
            )
            _el(c_el, "CodeRef", targetGUID=coding.code_guid)
        if sel.memo:
            _el(s_el, "NoteRef", targetGUID=guid_for("note", sel.guid))
        for g in sel.note_guids:
            _el(s_el, "NoteRef", targetGUID=g)
    for g in src.note_guids:
        _el(el, "NoteRef", targetGUID=g)


def selection_notes(project: QdaProject) -> None:
    """Add a Note for every selection memo (the NoteRef the writer puts on the selection)."""
    for src in project.sources:
        for sel in src.selections:
            if sel.memo:
                g = guid_for("note", sel.guid)
                project.notes[g] = QdaNote(g, f"Memo: {src.name}", sel.memo, sel.user_guid)


def write_qdpx(
    project: QdaProject, path: str | Path, unit: PositionUnit = PositionUnit.UTF16
) -> None:
    selection_notes(project)
    xml, files = project_xml(project, unit)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))


# --- reading -----------------------------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _text_of(el: ET.Element, name: str, strip: bool = True) -> str:
    found = _children(el, name)
    if not found:
        return ""
    text = found[0].text or ""
    return text.strip() if strip else text


def _refs(el: ET.Element, name: str, attr: str = "targetGUID") -> list[str]:
    return [r.get(attr) or r.get("guid") or "" for r in _children(el, name)]


def _read_code(el: ET.Element, project: QdaProject, path: str) -> QdaCode | None:
    guid, name = el.get("guid"), (el.get("name") or "").strip()
    if not guid or not name:
        project.problems.append(
            Problem("code", f"{path} > {name or guid or '?'}", "koden mangler guid eller navn")
        )
        return None
    code = QdaCode(
        guid=guid,
        name=name,
        description=_text_of(el, "Description"),
        color=el.get("color") if _COLOR.match(el.get("color") or "") else None,
        codable=(el.get("isCodable") or "true").strip().lower() != "false",
        note_guids=_refs(el, "NoteRef"),
    )
    for child in el:
        kind = _local(child.tag)
        if kind == "Code":
            sub = _read_code(child, project, f"{path} > {name}")
            if sub is not None:
                code.children.append(sub)
        elif kind not in ("Description", "NoteRef"):
            for c in _children(child, "Code"):
                sub = _read_code(c, project, f"{path} > {name}")
                if sub is not None:
                    code.children.append(sub)
    return code


def _open(p: Path, where: str) -> tuple[bytes, dict[str, bytes]]:
    """project.qde and the text files; sizes, ratios and entry counts are checked from the
    zip directory first and each member is streamed with a hard cap (qualkit.limits), so a
    zip bomb is refused before it is expanded."""
    from qualkit.limits import (
        MAX_TEXT_BYTES,
        MAX_XML_BYTES,
        check_size,
        check_xml,
        open_zip,
        read_member,
    )

    texts: dict[str, bytes] = {}
    if not zipfile.is_zipfile(p):
        check_size(p, MAX_XML_BYTES, "REFI-QDA-fil")
        xml = p.read_bytes()
        check_xml(xml, where)
        return xml, texts
    try:
        with open_zip(p, where) as zf:
            names = zf.namelist()
            qde = next((n for n in names if n.lower().endswith(".qde")), None)
            if qde is None:
                raise InputError(
                    f"{where}: ingen project.qde i filen; ikke et REFI-QDA-projekt (.qdpx)."
                )
            xml = read_member(zf, qde, where, MAX_XML_BYTES)
            for n in names:
                if n.lower().endswith(".txt"):
                    texts[PurePosixPath(n).name.lower()] = read_member(zf, n, where, MAX_TEXT_BYTES)
    except zipfile.BadZipFile as exc:
        raise InputError(f"{where}: zip-filen er beskadiget ({exc}).") from None
    check_xml(xml, where)
    return xml, texts


def read_qdpx(path: str | Path) -> QdaProject:
    """Parse a .qdpx (or a bare .qde) into a QdaProject, positions as in the file.

    What cannot be read is listed in ``problems``; only a file that is no REFI-QDA project
    is refused (one line, naming the file)."""
    p = Path(path)
    where = str(path)
    if not p.exists():
        raise InputError(f"{where}: filen findes ikke.")
    xml, raw_texts = _open(p, where)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise InputError(f"{where}: project.qde er ikke gyldig XML ({exc}).") from None
    if root.tag != _Q + "Project":
        raise InputError(
            f"{where}: rodelementet er {_local(root.tag)!r} i "
            f"{root.tag.partition('}')[0].lstrip('{') or 'intet navnerum'}; forventet "
            f"Project i {NS}."
        )
    project = QdaProject(
        name=(root.get("name") or p.stem).strip(),
        origin=root.get("origin") or "",
        description=_text_of(root, "Description"),
        creating_user=root.get("creatingUserGUID"),
        note_guids=_refs(root, "NoteRef"),
    )
    for users in _children(root, "Users"):
        project.users = [
            QdaUser(u.get("guid") or "", (u.get("name") or "").strip())
            for u in _children(users, "User")
        ]
    for book in _children(root, "CodeBook"):
        for codes in _children(book, "Codes"):
            for c in _children(codes, "Code"):
                code = _read_code(c, project, "Koder")
                if code is not None:
                    project.codes.append(code)
    for ns in _children(root, "Notes"):
        for n in _children(ns, "Note"):
            g = n.get("guid") or ""
            project.notes[norm_guid(g)] = QdaNote(
                g,
                (n.get("name") or "").strip(),
                _note_text(n, raw_texts),
                n.get("creatingUser"),
                n.get("creationDateTime"),
                n.get("modifiedDateTime"),
            )
    for variables in _children(root, "Variables"):
        for v in _children(variables, "Variable"):
            project.variables.append(
                QdaVariable(
                    v.get("guid") or "",
                    (v.get("name") or "").strip(),
                    v.get("typeOfVariable") or "",
                )
            )
    for cases in _children(root, "Cases"):
        for c in _children(cases, "Case"):
            project.cases.append(_read_case(c))
    for sources in _children(root, "Sources"):
        for el in sources:
            kind = _local(el.tag)
            name = (el.get("name") or el.get("guid") or "kilde").strip()
            if kind != "TextSource":
                project.problems.append(
                    Problem(
                        "source",
                        name,
                        f"{kind}: kun tekstkilder importeres (billede, PDF, lyd og video ikke)",
                    )
                )
                continue
            src = _read_source(el, raw_texts, project)
            if src is not None:
                project.sources.append(src)
    for group in _children(root, "Graphs"):
        for item in _children(group, "Graph"):
            project.problems.append(
                Problem(
                    "note",
                    (item.get("name") or item.get("guid") or "Graph").strip(),
                    "Graph importeres ikke",
                )
            )
    for group in _children(root, "Links"):  # memo links are read in exports/memo_notes.py
        for item in _children(group, "Link"):
            project.links.append(
                QdaLink(
                    item.get("guid") or "",
                    (item.get("name") or "").strip(),
                    item.get("originGUID"),
                    item.get("targetGUID"),
                    _refs(item, "NoteRef"),
                )
            )
    for sets in _children(root, "Sets"):
        for st in _children(sets, "Set"):
            if _children(st, "MemberNote"):
                project.problems.append(
                    Problem("set", (st.get("name") or "").strip(), "noter i sættet importeres ikke")
                )
            project.sets.append(
                QdaSet(
                    st.get("guid") or "",
                    (st.get("name") or "").strip(),
                    _text_of(st, "Description"),
                    _refs(st, "MemberCode"),
                    _refs(st, "MemberSource"),
                )
            )
    return project


def _note_text(n: ET.Element, raw_texts: dict[str, bytes]) -> str:
    """The note's text exactly (no stripping: a memo comes back byte for byte)."""
    if _children(n, "PlainTextContent"):
        return _text_of(n, "PlainTextContent", strip=False)
    key = PurePosixPath(re.sub(r"^internal://", "", n.get("plainTextPath") or "", flags=re.I))
    raw = raw_texts.get(key.name.lower())
    return raw.decode("utf-8-sig", errors="replace") if raw else ""


def _read_case(c: ET.Element) -> QdaCase:
    case = QdaCase(
        c.get("guid") or "",
        (c.get("name") or "").strip(),
        _text_of(c, "Description"),
        sources=_refs(c, "SourceRef"),
        codes=_refs(c, "CodeRef") + _refs(c, "SelectionRef"),
    )
    for vv in _children(c, "VariableValue"):
        ref = _refs(vv, "VariableRef")
        value = next(((x.text or "").strip() for x in vv if _local(x.tag).endswith("Value")), "")
        if ref and ref[0]:
            case.values[ref[0]] = value
    return case


def _read_source(
    el: ET.Element, raw_texts: dict[str, bytes], project: QdaProject
) -> QdaSource | None:
    name = (el.get("name") or el.get("guid") or "kilde").strip()
    if _children(el, "PlainTextContent"):
        text = _text_of(el, "PlainTextContent", strip=False)
    else:
        ref = el.get("plainTextPath") or ""
        key = PurePosixPath(re.sub(r"^internal://", "", ref, flags=re.I)).name.lower()
        if key not in raw_texts:
            project.problems.append(
                Problem("source", name, f"peger på {ref or 'ingen tekst'}, som ikke er i filen")
            )
            return None
        text = raw_texts[key].decode("utf-8-sig", errors="replace")
    if el.get("richTextPath"):
        project.problems.append(
            Problem(
                "source",
                name,
                f"den formaterede tekst ({el.get('richTextPath')}) springes over; "
                "den rene tekst er importeret",
            )
        )
    src = QdaSource(
        guid=el.get("guid") or guid_for("source", name),
        name=name,
        text=text,
        description=_text_of(el, "Description"),
        note_guids=_refs(el, "NoteRef"),
    )
    whole = len(_children(el, "Coding"))
    if whole:
        project.problems.append(
            Problem("coding", name, f"{whole} kodning(er) af hele kilden importeres ikke")
        )
    if _children(el, "VariableValue"):
        project.problems.append(
            Problem("source", name, "variabelværdier på kilden importeres ikke")
        )
    for sel in _children(el, "PlainTextSelection"):
        sguid = sel.get("guid") or ""
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            project.problems.append(
                Problem("selection", f"{name} / {sguid}", "positionerne er ikke hele tal")
            )
            continue
        user = sel.get("creatingUser")
        codings = [
            QdaCoding(ref.get("targetGUID") or "", c.get("creatingUser") or user)
            for c in _children(sel, "Coding")
            for ref in _children(c, "CodeRef")
        ]
        note_refs = _refs(sel, "NoteRef")
        if not codings:  # an annotation of a passage: its notes stay memos of their own
            src.selections.append(QdaSelection(sguid, start, end, [], user, "", note_refs))
            continue
        from .memo_notes import coding_memo

        memo = coding_memo(
            _text_of(sel, "Description", strip=False),
            [project.notes[norm_guid(g)].text for g in note_refs if norm_guid(g) in project.notes],
        )
        src.selections.append(QdaSelection(sguid, start, end, codings, user, memo))
        for g in note_refs:
            project.notes.pop(norm_guid(g), None)  # read as the memo; not a note of its own
    return src
