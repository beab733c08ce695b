"""How a REFI-QDA project's GUIDs, codes and user names map onto qualkit's, on import
(plain Python; ``services/exchange_store`` writes the result). Nothing is lost silently:
what cannot be taken as it is goes to the caller's list of ``Problem``.
"""

from __future__ import annotations

import re
from typing import Any

from qualkit.codebooks.qdc import _slug, parse_description
from qualkit.enums import FRAMEWORKS

from .qdpx import GUID_RE, Problem, QdaCode, QdaProject, guid_for, norm_guid


def clean_guid(guid: str, *scope: object) -> str:
    """A GUID as REFI-QDA requires it: the file's own where it is one (braces off), else a
    stable one derived from it, so an export of the imported project validates."""
    g = (guid or "").strip().strip("{}")
    return g if GUID_RE.match(g) else guid_for(*scope, guid)


USERNAME_RE = re.compile(r"[^A-Za-z0-9._-]+")

# qualkit's export names, in one set, the sources written in its transcript format
# (``[hh:mm:ss] SPEAKER: text``, exports/layout.render_turns) so a re-import reads their turns
# back and leaves every other source's text exactly as it is ("Abstract: ..." stays text).
TURNS_SET = "qualkit:talerture"
TURNS_SET_DESCRIPTION = (
    "Kilder skrevet i qualkits transskriptionsformat ([tt:mm:ss] TALER: tekst); "
    "qualkit læser talerne igen ved import."
)


def own_set_kind(name: str) -> str | None:
    """The kind of a set qualkit's export writes for itself ("framework": one per framework,
    "turns": the transcript mark), by its name; None for the file's own sets."""
    tag = name.strip().lower()
    if tag == TURNS_SET:
        return "turns"
    if tag.startswith("framework:") and tag.split(":", 1)[1] in FRAMEWORKS:
        return "framework"
    return None


def turn_sources(qda: QdaProject) -> set[str] | None:
    """The GUIDs of the sources a qualkit export marked as transcripts; None for a file
    without the mark (another tool's, or an export from before the mark)."""
    marked = [st for st in qda.sets if own_set_kind(st.name) == "turns"]
    if not marked:
        return None
    return {norm_guid(g) for st in marked for g in st.sources}


def username(name: str) -> str:
    """A qualkit user name for a coder named in a file ("Anna B. Olsen" -> "anna-b-olsen")."""
    return (USERNAME_RE.sub("-", _slug(name).replace("_", "-")) or "koder")[:80]


def code_rows(
    qda: QdaProject, left: list[Problem]
) -> list[tuple[QdaCode, QdaCode | None, dict[str, Any]]]:
    """(code, parent, fields) for each code to store, the qualkit detail parsed back."""
    set_framework: dict[str, str] = {}
    for st in qda.sets:
        tag = st.name.strip().lower().split(":")[-1].strip()
        if tag in FRAMEWORKS:
            for g in st.codes:
                set_framework[norm_guid(g)] = tag
    seen: set[str] = set()
    keys: set[str] = set()
    out = []
    key_of: dict[int, str] = {}
    fw_of: dict[int, str] = {}
    for code, parent in qda.all_codes():
        g = norm_guid(code.guid)
        if g in seen:
            left.append(Problem("code", code.name, f"guid {code.guid} er brugt før; springes over"))
            continue
        seen.add(g)
        description, extra, trailer = parse_description(code.description)
        if trailer:
            key, framework = trailer
        else:
            base = key_of.get(id(parent)) if parent else None
            key = f"{base}.{_slug(code.name)}" if base else _slug(code.name)
            framework = set_framework.get(g) or (
                fw_of.get(id(parent), "theme") if parent else "theme"
            )
        if framework not in FRAMEWORKS:
            framework = "theme"
        k, n = key, 2
        while k in keys:
            k, n = f"{key}_{n}", n + 1
        keys.add(k)
        key_of[id(code)], fw_of[id(code)] = k, framework
        out.append(
            (
                code,
                parent,
                {
                    "key": k[:200],
                    "name": code.name[:300],
                    "framework": framework,
                    "description": description,
                    "include": extra.get("include", ""),
                    "exclude": extra.get("exclude", ""),
                    "example": extra.get("example", ""),
                    "guid": clean_guid(code.guid, "code"),
                    "color": code.color,
                    "codable": code.codable,
                },
            )
        )
    return out
