"""Codebook YAML <-> REFI-QDA codebook `.qdc` (namespace ``urn:QDA-XML:codebook:1.0``).

The REFI-QDA codebook holds, per code, only a GUID, a name, ``isCodable``, a
colour, a ``Description`` and child codes; sets group codes. To carry the rest of
a qualkit code without loss, the writer puts it where other tools show it too:

- ``Description`` = the English description, then ``Include:``, ``Exclude:`` and
  ``Example:`` paragraphs, then a last line ``[qualkit id=<id> framework=<tag>]``;
- one ``Set`` per framework tag (``framework:implementation``) listing its codes,
  which ATLAS.ti shows as code groups and NVivo/MAXQDA as sets;
- the codebook's own name, language, version, source and description in a
  processing instruction ``<?qualkit-codebook {json}?>`` that other tools ignore;
- each code's own GUID (kept from the file it came from, through YAML as ``guid``, and
  stored with the code); a code without one gets a GUID derived from its id (UUID5), the
  one the project export (.qdpx) uses too.

The reader takes any REFI-QDA codebook as NVivo, ATLAS.ti, MAXQDA and QualCoder
write them: a BOM, pretty-printed or not, braces around GUIDs, categories with
``isCodable="false"``, flat codes grouped only by sets, a codebook inside a
``.qde`` project file. Missing qualkit details are derived: ids from the names
(parent id + slug), frameworks from a set named after a framework tag, else
from the parent, else ``theme``.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from qualkit.enums import FRAMEWORKS
from qualkit.errors import InputError
from qualkit.messages import msg as _msg

from .model import CodebookDef, CodeDef, parse_codebook

NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
GUID_NS = uuid.UUID("6f1c5a52-2f0e-4c43-9d8e-7a4b8f3c2e10")
_TRAILER = re.compile(r"^\[qualkit id=(\S+) framework=(\w+)\]\s*$")
_SECTIONS = {
    "include": "include",
    "exclude": "exclude",
    "example": "example",
    "inkluder": "include",
    "ekskluder": "exclude",
    "eksempel": "example",
    "inklusion": "include",
    "eksklusion": "exclude",
}
_SECTION_RE = re.compile(
    r"^(include|exclude|example|inkluder|ekskluder|eksempel|inklusion|"
    r"eksklusion)\s*:\s?(.*)$",
    re.IGNORECASE,
)
_COLOR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_GUID = re.compile(
    r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$"
)
PI_TARGET = "qualkit-codebook"


# ---------------------------------------------------------------- writing


def code_guid(code_id: str) -> str:
    return str(uuid.uuid5(GUID_NS, code_id)).upper()


def description_text(code: CodeDef) -> str:
    parts = [code.description] if code.description else []
    for label, value in (
        ("Include", code.include),
        ("Exclude", code.exclude),
        ("Example", code.example),
    ):
        if value:
            parts.append(f"{label}: {value}")
    parts.append(f"[qualkit id={code.id} framework={code.framework}]")
    return "\n\n".join(parts)


def _code_element(code: CodeDef) -> ET.Element:
    attrs = {"guid": code.guid or code_guid(code.id), "name": code.name, "isCodable": "true"}
    if code.color and _COLOR.match(str(code.color)):
        attrs["color"] = str(code.color)
    el = ET.Element(f"{{{NS}}}Code", attrs)
    ET.SubElement(el, f"{{{NS}}}Description").text = description_text(code)
    for child in code.children:
        el.append(_code_element(child))
    return el


def to_qdc(book: CodebookDef) -> str:
    """The codebook as REFI-QDA codebook XML (a string with the XML declaration)."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}CodeBook", {"origin": "qualkit"})
    codes = ET.SubElement(root, f"{{{NS}}}Codes")
    for code in book.codes:
        codes.append(_code_element(code))
    by_framework: dict[str, list[str]] = {}
    for code, _ in book.walk():
        by_framework.setdefault(code.framework, []).append(code.guid or code_guid(code.id))
    if by_framework:
        sets = ET.SubElement(root, f"{{{NS}}}Sets")
        for fw in FRAMEWORKS:
            if fw not in by_framework:
                continue
            s = ET.SubElement(
                sets,
                f"{{{NS}}}Set",
                {"guid": code_guid(f"set:{book.name}:{fw}"), "name": f"framework:{fw}"},
            )
            ET.SubElement(s, f"{{{NS}}}Description").text = f"qualkit framework tag '{fw}'"
            for guid in by_framework[fw]:
                ET.SubElement(s, f"{{{NS}}}MemberCode", {"guid": guid})
    ET.indent(root, space="  ")
    meta = {
        "codebook": book.name,
        "language": book.language,
        "version": book.version,
        "source": book.source,
        "description": book.description,
    }
    pi = json.dumps(meta, ensure_ascii=False).replace("?>", "?\\u003e")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n<?{PI_TARGET} {pi}?>\n{body}\n'


# ---------------------------------------------------------------- reading


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _slug(text: str) -> str:
    norm = unicodedata.normalize(
        "NFKD", text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    )
    ascii_ = norm.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_).strip("_") or "kode"


def parse_description(text: str | None) -> tuple[str, dict[str, str], tuple[str, str] | None]:
    """Description -> (description, {include, exclude, example}, (id, framework) or None)."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    trailer = None
    m = _TRAILER.match(lines[-1].strip()) if lines else None
    if m:
        trailer = (m.group(1), m.group(2))
        lines = lines[:-1]
    sections: dict[str, list[str]] = {"description": []}
    current = "description"
    for line in lines:
        m = _SECTION_RE.match(line.strip())
        if m:
            current = _SECTIONS[m.group(1).lower()]
            sections.setdefault(current, []).append(m.group(2))
        else:
            sections.setdefault(current, []).append(line)
    out = {k: "\n".join(v).strip() for k, v in sections.items()}
    return out.pop("description", ""), out, trailer


def _parse_xml(raw: bytes, where: str) -> tuple[ET.Element, dict]:
    """Parse, keeping our processing instruction; refuse anything that is not XML."""
    meta: dict = {}
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "pi"))
    root: ET.Element | None = None
    try:
        parser.feed(raw)
        parser.close()
        for item in parser.read_events():
            if not (isinstance(item, tuple) and len(item) == 2):
                continue
            event, el = item
            if not isinstance(el, ET.Element):
                continue
            if event == "pi" and el.text and el.text.startswith(PI_TARGET):
                try:
                    meta = json.loads(el.text[len(PI_TARGET) :].strip())
                except ValueError:
                    meta = {}
            elif event == "start" and root is None:
                root = el
    except ET.ParseError as exc:
        raise InputError(
            f"{where}: ikke en REFI-QDA-kodebog (.qdc): filen er ikke XML ({exc})."
        ) from None
    if root is None:
        raise InputError(f"{where}: ikke en REFI-QDA-kodebog (.qdc): tom XML.")
    return root, meta if isinstance(meta, dict) else {}


def _find_codebook(root: ET.Element, where: str) -> ET.Element:
    name, ns = _local(root.tag), _ns(root.tag)
    if name == "CodeBook" and (ns.startswith("urn:QDA-XML:") or ns == ""):
        return root
    if name == "Project" and ns.startswith("urn:QDA-XML:"):
        for child in root:
            if _local(child.tag) == "CodeBook":
                return child
        raise InputError(f"{where}: et REFI-QDA-projekt uden et CodeBook-element.")
    shown = f"{{{ns}}}{name}" if ns else name
    raise InputError(
        f"{where}: ikke en REFI-QDA-kodebog (.qdc): rodelementet er <{shown}>, "
        f'forventet <CodeBook xmlns="{NS}">.'
    )


def _children(el: ET.Element, local: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == local]


def _norm_guid(guid: str) -> str:
    return guid.strip().strip("{}").upper()


def from_qdc_bytes(raw: bytes, where: str = "codebook.qdc") -> CodebookDef:
    """Read a REFI-QDA codebook (or the codebook of a .qde project) into a validated CodebookDef."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise InputError(f"{where}: filen er tom.")
    from qualkit.limits import check_xml

    check_xml(raw, where)  # size and depth before the recursive reader walks it
    root, meta = _parse_xml(raw, where)
    cb = _find_codebook(root, where)
    codes_el = _children(cb, "Codes")
    if not codes_el or not _children(codes_el[0], "Code"):
        raise InputError(f"{where}: REFI-QDA-kodebogen har ingen <Codes> med mindst én <Code>.")
    # Sets named after a framework tag ("framework:reach", "reach", "RE-AIM: reach").
    set_framework: dict[str, str] = {}
    sets_el = _children(cb, "Sets") or _children(root, "Sets")
    for s in _children(sets_el[0], "Set") if sets_el else []:
        tag = (s.get("name") or "").strip().lower().split(":")[-1].strip()
        if tag in FRAMEWORKS:
            for member in _children(s, "MemberCode"):
                ref = member.get("guid") or member.get("targetGUID") or ""
                set_framework[_norm_guid(ref)] = tag
    used: set[str] = set()

    def unique(cid: str) -> str:
        base, n = cid, 2
        while cid in used:
            cid, n = f"{base}_{n}", n + 1
        used.add(cid)
        return cid

    def walk(el: ET.Element, parent: CodeDef | None, path: str) -> CodeDef:
        name = (el.get("name") or "").strip()
        guid = el.get("guid") or ""
        if not name:
            raise InputError(f"{where}, {path}: en <Code> uden navn.")
        if guid and not _GUID.match(guid.strip()):
            raise InputError(f"{where}, kode '{name}': guid '{guid}' er ikke en GUID.")
        desc_el = _children(el, "Description")
        description, extra, trailer = parse_description(desc_el[0].text if desc_el else "")
        if trailer:
            cid, framework = trailer
        else:
            cid = f"{parent.id}.{_slug(name)}" if parent else _slug(name)
            framework = set_framework.get(_norm_guid(guid)) or (
                parent.framework if parent else "theme"
            )
        if framework not in FRAMEWORKS:
            framework = "theme"
        color = el.get("color")
        cid = unique(cid)
        # A GUID derived from the id (what qualkit writes) need not be stored; any other is kept.
        own = guid.strip().strip("{}")
        kept = None if not own or own.upper() == code_guid(cid) else own
        code = CodeDef(
            id=cid,
            name=name,
            framework=framework,
            description=description,
            include=extra.get("include", ""),
            exclude=extra.get("exclude", ""),
            example=extra.get("example", ""),
            color=color if color and _COLOR.match(color) else None,
            guid=kept,
        )
        code.children = [walk(c, code, f"{path} > {name}") for c in _children(el, "Code")]
        return code

    codes = [walk(c, None, "Codes") for c in _children(codes_el[0], "Code")]
    book = CodebookDef(
        name=str(meta.get("codebook") or Path(where).stem),
        codes=codes,
        language=str(meta.get("language") or "da"),
        version=str(meta.get("version") or "1"),
        source=str(meta.get("source") or cb.get("origin") or ""),
        description=str(meta.get("description") or ""),
    )
    # Re-validate through the YAML model: the same rules (ids, frameworks) for every route in.
    return parse_codebook(book.to_dict(), where)


def read_qdc(path: str | Path) -> CodebookDef:
    p = Path(path)
    if not p.exists():
        raise InputError(_msg("file.not_found", path=path))
    from qualkit.limits import MAX_XML_BYTES, check_size

    check_size(p, MAX_XML_BYTES, "kodebog (.qdc)")
    return from_qdc_bytes(p.read_bytes(), str(path))


def load_any(path: str | Path) -> CodebookDef:
    """A codebook from .yaml/.yml or .qdc (by extension)."""
    from .model import load_codebook

    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_codebook(path)
    if suffix in (".qdc", ".qde", ".xml"):
        return read_qdc(path)
    raise InputError(f"{path}: ukendt kodebogsformat '{suffix}'; brug .yaml, .yml eller .qdc.")


def write_any(book: CodebookDef, path: str | Path, *, force: bool | None = None) -> Path:
    """Write .yaml/.yml or .qdc by extension, through the one output mechanism
    (``qualkit.exports.files.write_atomic``: never replaces a file qualkit did not write)."""
    from qualkit.exports.files import write_atomic

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        text = book.to_yaml()
    elif suffix == ".qdc":
        text = to_qdc(book)
    else:
        raise InputError(
            f"{path}: ukendt filformat '{suffix}' at skrive; brug .yaml, .yml eller .qdc."
        )

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    return write_atomic(p, write, force=force)
