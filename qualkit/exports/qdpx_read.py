"""Reading a .qdpx, tolerant of the producers' differences; a bad part becomes a ``Problem``
and the rest is read (see ``exports/qdpx.py``)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from qualkit.errors import InputError

from .qdpx_model import (
    _COLOR,
    _Q,
    NS,
    Problem,
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaLink,
    QdaNote,
    QdaProject,
    QdaSelection,
    QdaSet,
    QdaSource,
    QdaUser,
    QdaVariable,
    guid_for,
    norm_guid,
)


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
