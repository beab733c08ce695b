"""Coding rows of both layers -> REFI-QDA selections of one source (plain Python).

Each coder's codings and the consensus codings are rows placed in the source text (code
points). A REFI-QDA selection is one span with its codes, made by one user: rows that came
from one imported selection (same ``ref``, layer and user) join again into that selection,
with the slack the import trimmed (``exports/layout.selection_ref``) given back, so an
imported project exports as it came in. Every other row is a selection of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .layout import parse_ref
from .qdpx import QdaCoding, QdaSelection, QdaUser, guid_for


@dataclass(frozen=True)
class CodingRow:
    """One coding row of either layer, placed in the source text (code points)."""

    layer: str  # coder | consensus
    row_id: int
    user: QdaUser
    code_guid: str
    start: int
    end: int
    memo: str
    ref: str | None


def selections(rows: Iterable[CodingRow], length: int) -> list[QdaSelection]:
    """Rows -> selections sorted by position; pieces of one imported selection (same ref,
    layer, user) join, within the text's ``length``; their codes and memos are each kept once."""
    groups: dict[tuple[str, str, str], list[CodingRow]] = {}
    slack: dict[tuple[str, str, str], tuple[int, int]] = {}
    for r in rows:
        if r.ref:
            ref, before, after = parse_ref(r.ref)
            key = (r.layer, r.user.guid, ref)
            slack[key] = (before, after)
        else:
            key = (r.layer, r.user.guid, f"#{r.row_id}")
        groups.setdefault(key, []).append(r)
    used: set[str] = set()
    out: list[QdaSelection] = []
    for gkey, members in groups.items():
        layer, _, ref = gkey
        before, after = slack.get(gkey, (0, 0))
        if ref.startswith("#"):
            guid = guid_for("selection" if layer == "consensus" else "coding", ref[1:])
        else:
            # the file's own selection GUID, once; a second layer's copy gets a derived one
            guid = ref if ref.lower() not in used else guid_for(layer, ref)
        used.add(guid.lower())
        codes: list[str] = []
        memos: list[str] = []
        for m in members:
            if m.code_guid not in codes:
                codes.append(m.code_guid)
            if m.memo and m.memo not in memos:
                memos.append(m.memo)
        who = members[0].user
        out.append(
            QdaSelection(
                guid,
                max(min(m.start for m in members) - before, 0),
                min(max(m.end for m in members) + after, length),
                [QdaCoding(c, who.guid) for c in codes],
                who.guid,
                "\n\n".join(memos),
            )
        )
    return sorted(out, key=lambda s: (s.start, s.end, s.guid))
