"""The transcript document component: a readable transcript to code in (see transcript_doc.js).

Registered once per process with ``st.components.v2.component`` from the JavaScript and CSS
committed beside this file. ``render_document`` mounts it; the action the browser reports
(apply, remove, memo, change) arrives in the ``on_action`` callback before the page is drawn
again, so the component always gets the stored state back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

from qualkit.services.coding_document import CodingDocument
from qualkit.transcripts.textformat import format_timestamp

HERE = Path(__file__).resolve().parent
PALETTE = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
    "#469990", "#808000", "#000075", "#e6a100", "#a9a9a9", "#800000", "#bfef45", "#dcbeff",
)  # fmt: skip
TEXTS = {
    "apply": "Kod markeringen",
    "search": "Søg kode (navn eller id)",
    "memo": "Memo (valgfrit)",
    "keys": "Enter anvender den fremhævede kode, 1-9 en nylig kode, Esc lukker.",
    "nomatch": "Ingen kode passer.",
    "codings": "Kodninger her",
    "coder": "Koder",
    "savememo": "Gem memo",
    "change": "Skift kode",
    "changeto": "Skift til koden",
    "remove": "Fjern",
    "whole": "Markér hele turen",
    "empty": "Interviewet har ingen segmenter.",
}


@cache
def _component() -> Callable[..., Any]:
    return st.components.v2.component(
        "qualkit.transcript_doc",
        js=(HERE / "transcript_doc.js").read_text(encoding="utf-8"),
        css=(HERE / "transcript_doc.css").read_text(encoding="utf-8"),
        isolate_styles=False,
    )


def colour(code_id: int) -> str:
    return PALETTE[code_id % len(PALETTE)]


def document_data(
    doc: CodingDocument,
    codes: dict[int, tuple[str, str]],
    *,
    usable: Sequence[int],
    recent: Sequence[int] = (),
    focus: dict[str, Any] | None = None,
    readonly: bool = False,
    version: int = 0,
    browser_has: str | None = None,
) -> dict[str, Any]:
    """The JSON the component draws: compact rows, so an 800-turn transcript stays small.

    The turns travel with their content hash (``segsKey``). When the mounted component is
    known to hold the same turns already (``browser_has``: the key it sent with its last
    action), they are left out and only the codings travel: the rerun after each coding
    action then ships a few kilobytes instead of the whole transcript.
    """
    segs = [
        [
            x.id,
            x.number,
            format_timestamp(x.start) if x.start is not None else "",
            x.speaker,
            x.text,
        ]
        for x in doc.segments
    ]  # fmt: skip
    key = segments_key(segs)
    return {
        "iv": doc.interview_id,
        "mode": str(doc.mode),
        "readonly": readonly,
        "version": version,
        "coders": list(doc.coders),
        "segsKey": key,
        "segs": None if browser_has == key else segs,
        "cods": [
            [c.id, c.segment_id, c.start, c.end, c.code_id, c.layer, c.coder, c.memo, c.editable]
            for c in doc.codings
        ],
        "codes": {str(k): [v[0], v[1], colour(k)] for k, v in codes.items()},
        "usable": list(usable),
        "recent": list(recent),
        "focus": focus,
        "t": TEXTS,
    }


def segments_key(segs: list[list[Any]]) -> str:
    """A content hash of the turns as the component draws them."""
    blob = json.dumps(segs, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.blake2b(blob, digest_size=12).hexdigest()


def render_document(data: dict[str, Any], *, key: str, on_action: Callable[[], None]) -> Any:
    return _component()(key=key, data=data, on_action_change=on_action)


def last_action(key: str) -> dict[str, Any] | None:
    """The action the component just reported (inside the ``on_action`` callback)."""
    value = st.session_state.get(key)
    if value is None:
        return None
    action = value.get("action") if hasattr(value, "get") else None
    return action if isinstance(action, dict) else None
