"""Writing a .qdpx: the project model as ``project.qde`` and one text file per source, with
positions in the unit asked for (``exports/positions.py``)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from .positions import PositionMap, PositionUnit
from .qdpx_model import (
    _COLOR,
    _Q,
    NS,
    QdaCode,
    QdaNote,
    QdaProject,
    QdaSource,
    guid_for,
)


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
