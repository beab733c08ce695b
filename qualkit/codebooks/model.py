"""The codebook YAML of docs/DESIGN.md, validated: unique ids, no cycles, known frameworks.

Codes nest through ``children``; a flat list with ``parent: <id>`` is accepted
too (what spreadsheets and other tools produce), which is where cycles can arise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualkit.enums import FRAMEWORKS
from qualkit.errors import InputError
from qualkit.messages import msg as _msg

_GUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
CODE_KEYS = {
    "id",
    "name",
    "framework",
    "description",
    "include",
    "exclude",
    "example",
    "children",
    "parent",
    "color",
    "guid",
}
TOP_KEYS = {"codebook", "language", "version", "source", "codes", "description"}


@dataclass
class CodeDef:
    id: str
    name: str
    framework: str = "theme"
    description: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    color: str | None = None
    # REFI-QDA identity: kept through .qdc, YAML and every export, so tools match codes.
    guid: str | None = None
    children: list[CodeDef] = field(default_factory=list)

    def walk(self, parent: CodeDef | None = None):
        yield self, parent
        for child in self.children:
            yield from child.walk(self)


@dataclass
class CodebookDef:
    name: str
    codes: list[CodeDef]
    language: str = "da"
    version: str = "1"
    source: str = ""
    description: str = ""

    def walk(self):
        for code in self.codes:
            yield from code.walk(None)

    def by_id(self) -> dict[str, CodeDef]:
        return {c.id: c for c, _ in self.walk()}

    def to_dict(self) -> dict[str, Any]:
        def code(c: CodeDef) -> dict[str, Any]:
            d: dict[str, Any] = {
                "id": c.id,
                "name": c.name,
                "framework": c.framework,
                "description": c.description,
                "include": c.include,
                "exclude": c.exclude,
                "example": c.example,
            }
            if c.color:
                d["color"] = c.color
            if c.guid:
                d["guid"] = c.guid
            d["children"] = [code(ch) for ch in c.children]
            return d

        out: dict[str, Any] = {
            "codebook": self.name,
            "language": self.language,
            "version": self.version,
        }
        if self.source:
            out["source"] = self.source
        if self.description:
            out["description"] = self.description
        out["codes"] = [code(c) for c in self.codes]
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)


def _code(raw: Any, where: str) -> CodeDef:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: en kode skal være en YAML-tabel med id og name.")
    unknown = set(raw) - CODE_KEYS
    if unknown:
        raise InputError(f"{where}: ukendt(e) nøgle(r) {', '.join(sorted(unknown))}.")
    cid = str(raw.get("id") or "").strip()
    if not cid:
        raise InputError(f"{where}: en kode mangler 'id'.")
    if not str(raw.get("name") or "").strip():
        raise InputError(f"{where}, kode '{cid}': mangler 'name'.")
    framework = str(raw.get("framework") or "theme").strip()
    if framework not in FRAMEWORKS:
        raise InputError(
            f"{where}, kode '{cid}': dimensionen (framework) '{framework}' er ikke en af "
            f"{'|'.join(FRAMEWORKS)}."
        )
    guid = str(raw.get("guid") or "").strip().strip("{}") or None
    if guid is not None and not _GUID.match(guid):
        raise InputError(f"{where}, kode '{cid}': guid '{guid}' er ikke en GUID.")
    children = raw.get("children") or []
    if not isinstance(children, list):
        raise InputError(f"{where}, kode '{cid}': 'children' skal være en liste.")
    return CodeDef(
        id=cid,
        name=str(raw["name"]).strip(),
        framework=framework,
        description=str(raw.get("description") or "").strip(),
        include=str(raw.get("include") or "").strip(),
        exclude=str(raw.get("exclude") or "").strip(),
        example=str(raw.get("example") or "").strip(),
        color=raw.get("color"),
        guid=guid,
        children=[_code(ch, f"{where} > {cid}") for ch in children],
    )


def _nest_flat(codes: list[CodeDef], parents: dict[str, str | None], where: str) -> list[CodeDef]:
    """Attach codes that name a ``parent`` under it; refuse unknown parents and cycles."""
    by_id = {c.id: c for c in codes}
    for cid, parent in parents.items():
        if parent is not None and parent not in by_id:
            raise InputError(f"{where}, kode '{cid}': overkoden (parent) '{parent}' findes ikke.")
    for cid in parents:
        seen = [cid]
        cur = parents.get(cid)
        while cur is not None:
            if cur in seen:
                raise InputError(f"{where}: koderne {' -> '.join(seen + [cur])} danner en cyklus.")
            seen.append(cur)
            cur = parents.get(cur)
    roots = []
    for c in codes:
        parent = parents.get(c.id)
        if parent is None:
            roots.append(c)
        else:
            by_id[parent].children.append(c)
    return roots


def parse_codebook(data: Any, where: str = "codebook") -> CodebookDef:
    if not isinstance(data, dict) or "codes" not in data:
        raise InputError(f"{where}: en kodebog er en YAML-tabel med 'codebook' og 'codes'.")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise InputError(f"{where}: ukendt(e) nøgle(r) {', '.join(sorted(unknown))}.")
    raw_codes = data.get("codes")
    if not isinstance(raw_codes, list) or not raw_codes:
        raise InputError(f"{where}: 'codes' skal være en liste med mindst én kode.")
    codes = [_code(c, where) for c in raw_codes]
    parents = {
        str(c.get("id")): (str(c["parent"]) if c.get("parent") else None)
        for c in raw_codes
        if isinstance(c, dict)
    }
    if any(p is not None for p in parents.values()):
        codes = _nest_flat(codes, parents, where)
    book = CodebookDef(
        name=str(data.get("codebook") or "").strip() or Path(where).stem,
        codes=codes,
        language=str(data.get("language") or "da"),
        version=str(data.get("version") or "1"),
        source=str(data.get("source") or ""),
        description=str(data.get("description") or ""),
    )
    seen: set[str] = set()
    for code, _ in book.walk():
        if code.id in seen:
            raise InputError(f"{where}: kode-id'et '{code.id}' er brugt mere end én gang.")
        seen.add(code.id)
    return book


def load_codebook_text(text: str, where: str = "codebook") -> CodebookDef:
    from qualkit.limits import load_yaml  # size, depth, node and alias limits first

    return parse_codebook(load_yaml(text, where), where)


def load_codebook(path: str | Path) -> CodebookDef:
    p = Path(path)
    if not p.exists():
        raise InputError(_msg("file.not_found", path=path))
    from qualkit.limits import MAX_YAML_BYTES, read_text_file

    return load_codebook_text(read_text_file(p, MAX_YAML_BYTES, "kodebog"), str(path))
