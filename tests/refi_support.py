"""Helpers for the REFI-QDA tests: the real files in ../shared/data/refi, read independently of
qualkit's reader, and a summary of what an imported project holds."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from qualkit.exports.layout import parse_ref
from qualkit.exports.positions import PositionMap, PositionUnit
from qualkit.store.models import Code, Codebook, Coding, ConsensusCoding, Interview, User

REPO = Path(__file__).resolve().parent.parent
REFI = REPO.parent / "shared" / "data" / "refi"
Q = "{urn:QDA-XML:project:1.0}"


def refi_file(name: str) -> Path:
    if not REFI.is_dir():
        pytest.skip(f"the real REFI-QDA files are not here: {REFI} is absent")
    path = REFI / name
    assert path.exists(), f"{path} is missing from {REFI}"
    return path


def schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(refi_file("Project-mrt2019.xsd"))))


def validate(path: Path) -> None:
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        doc = etree.fromstring(zf.read("project.qde"))
    xsd = schema()
    assert xsd.validate(doc), xsd.error_log


def raw(path: Path) -> dict:
    """What the file holds, read with ElementTree only: codes (guid -> (name, parent guid,
    color, codable)), sources (guid -> (name, text)), selections (guid -> (source guid, start,
    end, [(code guid, coder guid)])), users (guid -> name), sets (name -> member guids)."""
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        texts = {
            PurePosixPath(n).name.lower(): zf.read(n).decode("utf-8-sig")
            for n in zf.namelist()
            if n.lower().endswith(".txt")
        }
    g = lambda v: (v or "").strip("{}").lower()  # noqa: E731
    codes = {}

    def walk(el, parent):
        for c in el.findall(Q + "Code"):
            codes[g(c.get("guid"))] = (
                c.get("name"),
                parent,
                c.get("color"),
                c.get("isCodable") != "false",
            )
            walk(c, g(c.get("guid")))

    for codes_el in root.iter(Q + "Codes"):
        walk(codes_el, None)
    sources, selections = {}, {}
    for src in root.iter(Q + "TextSource"):
        sg = g(src.get("guid"))
        content = src.find(Q + "PlainTextContent")
        if content is not None:
            text = content.text or ""
        else:
            text = texts[src.get("plainTextPath").split("://")[-1].lower()]
        sources[sg] = (src.get("name"), text)
        for sel in src.findall(Q + "PlainTextSelection"):
            codings = [
                (g(ref.get("targetGUID")), g(c.get("creatingUser") or sel.get("creatingUser")))
                for c in sel.findall(Q + "Coding")
                for ref in c.findall(Q + "CodeRef")
            ]
            selections[g(sel.get("guid"))] = (
                sg,
                int(sel.get("startPosition")),
                int(sel.get("endPosition")),
                codings,
            )
    users = {g(u.get("guid")): u.get("name") for u in root.iter(Q + "User")}
    sets = {
        s.get("name"): sorted(g(m.get("targetGUID")) for m in s if m.tag != Q + "Description")
        for s in root.iter(Q + "Set")
    }
    return {
        "origin": root.get("origin"),
        "codes": codes,
        "sources": sources,
        "selections": selections,
        "users": users,
        "sets": sets,
    }


_MAPS: dict[int, PositionMap] = {}


def producer_slice(text: str, start: int, end: int, unit: PositionUnit) -> str:
    """The text between two positions as the producer counted them (UTF-16 units: decoded
    from the UTF-16 encoding itself, not through qualkit's conversion)."""
    if unit == PositionUnit.UTF16:
        pm = _MAPS.get(id(text))
        if pm is None or pm.text is not text:
            pm = _MAPS[id(text)] = PositionMap(text)
        raw = pm.text.encode("utf-16-le") if not hasattr(pm, "_raw") else pm._raw
        pm._raw = raw  # type: ignore[attr-defined]
        return raw[2 * start : 2 * end].decode("utf-16-le")
    return text[start:end]


def imported(db, project_id: int) -> dict:
    """The imported project: codes (guid -> (name, parent guid, color, codable, framework)),
    sources (guid -> (title, rebuilt text)), selections (guid -> {(layer, coder, code guid)}
    and their text), per layer."""
    with db.session() as s:
        codes = s.scalars(
            select(Code).join(Codebook).where(Codebook.project_id == project_id)
        ).all()
        by_id = {c.id: c for c in codes}
        out_codes = {
            c.guid.lower(): (
                c.name,
                by_id[c.parent_id].guid.lower() if c.parent_id else None,
                c.color,
                c.codable,
                c.framework,
            )
            for c in codes
        }
        names = dict(s.execute(select(User.id, User.username)).all())
        sources, selections = {}, {}
        for iv in s.scalars(select(Interview).where(Interview.project_id == project_id)):
            ex = iv.exchange or {}
            pos, where = len(ex.get("lead", "")), {}
            parts = [ex.get("lead", "")]
            for seg in iv.segments:
                pos += len(seg.prefix)
                where[seg.id] = (pos, len(seg.text))
                pos += len(seg.text) + len(seg.trail)
                parts.append(seg.prefix + seg.text + seg.trail)
            text = "".join(parts)
            sources[ex.get("guid", str(iv.id)).lower()] = (iv.title, text)
            for layer, model in (("coder", Coding), ("consensus", ConsensusCoding)):
                for c in s.scalars(select(model).where(model.segment_id.in_(list(where)))):
                    off, n = where[c.segment_id]
                    a = off + (c.start_char or 0)
                    b = off + (n if c.end_char is None else c.end_char)
                    guid, before, after = parse_ref(c.ref or f"#{c.id}")
                    who = names[c.coder_id] if layer == "coder" else "Konsensus"
                    entry = selections.setdefault(
                        (layer, guid.lower()), {"codes": set(), "lo": a, "hi": b, "text": text}
                    )
                    entry["codes"].add((who, by_id[c.code_id].guid.lower()))
                    entry["lo"] = min(entry["lo"], a - before)
                    entry["hi"] = max(entry["hi"], b + after)
                    entry["memo"] = c.memo
        for entry in selections.values():
            entry["slice"] = entry.pop("text")[entry["lo"] : entry["hi"]]
        return {"codes": out_codes, "sources": sources, "selections": selections}
