"""Søg: full-text search over every approved transcript the user may read, keyword in context,
filters (code, speaker role, arm, site, wave); a code's passages; a hit opens the transcript at
that place (in Kodning for a coder, read-only here for others)."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from qualkit.messages import label
from qualkit.services import codebooks, search
from qualkit.services import coding_document as cdoc
from qualkit.services.context import Context
from qualkit.services.permissions import allowed
from qualkit.ui import state
from qualkit.ui.components import transcript_doc
from qualkit.ui.navigation import PAGES_DIR
from qualkit.ui.plain import plain

PAGE_SIZE = 50


def _open(iv_id: int, seg_id: int, start: int, end: int) -> None:
    focus = {"iv": iv_id, "seg": seg_id, "start": start, "end": end, "nonce": time.time()}
    ctx = state.context()
    if allowed(ctx.actor.role, "coding.write"):
        st.session_state["coding_focus"] = focus
        st.session_state["coding_layout"] = "Dokument"
        st.session_state["coding_mode"] = cdoc.DocMode.OWN
        st.session_state["_search_goto"] = True
    else:
        st.session_state["search_open"] = focus


def _hit_line(h: search.Hit) -> str:
    who = f"{h.speaker or '?'}" + (f" ({label('speaker_role', h.role)})" if h.role else "")
    return (
        f"**{plain(h.title)}** · tur {h.number} · {plain(who)}  \n"
        f"{plain(h.before)}**{plain(h.match)}**{plain(h.after)}"
    )


def _results(ctx: Context, codes: dict[int, str]) -> None:
    opts = search.filter_options(ctx)
    q = st.text_input(
        "Søg i alle godkendte transskriptioner (alle ord skal forekomme i turen)", key="search_q"
    )
    f = st.columns(5)
    code_id = f[0].selectbox(
        "Kode",
        list(codes),
        format_func=codes.get,
        index=None,
        placeholder="Alle",
        key="search_code",
    )
    role = f[1].selectbox(
        "Talerrolle",
        opts["role"],
        format_func=lambda r: label("speaker_role", r),
        index=None,
        placeholder="Alle",
        key="search_role",
    )
    arm = f[2].selectbox(
        "Arm", opts["arm"], format_func=lambda a: label("arm", a), index=None,
        placeholder="Alle", key="search_arm",
    )  # fmt: skip
    site = f[3].selectbox("Sted", opts["site"], index=None, placeholder="Alle", key="search_site")
    wave = f[4].selectbox("Bølge", opts["wave"], index=None, placeholder="Alle", key="search_wave")
    if not (q or "").strip():
        st.caption("Skriv et eller flere ord. Søgningen dækker hele teksten i hver tur.")
        return
    filters = search.Filters(
        code_id=code_id,
        speaker_role=role,
        arm=arm,
        site=site,
        wave=int(wave) if wave else None,
    )
    result = search.search(ctx, q, filters)
    st.caption(f"{result.total} tur(e) fundet blandt {result.searched} søgte.")
    shown = st.session_state.get("search_shown", PAGE_SIZE)
    for i, h in enumerate(result.hits[:shown]):
        with st.container(border=True):
            cols = st.columns([12, 2])
            cols[0].markdown(_hit_line(h))
            cols[1].button(
                "Åbn",
                key=f"search_hit_{i}",
                on_click=_open,
                args=(h.interview_id, h.segment_id, h.start, h.end),
                help="Åbn transskriptionen ved dette sted",
            )
    if len(result.hits) > shown:
        st.button(
            "Vis flere",
            key="search_more",
            on_click=lambda: st.session_state.update(search_shown=shown + PAGE_SIZE),
        )


def _codes_tab(ctx: Context) -> None:
    source = search.Source.CONSENSUS
    if allowed(ctx.actor.role, "coding.write"):
        own = st.toggle("Mine egne kodninger (i stedet for konsensus)", key="search_own")
        source = search.Source.OWN if own else search.Source.CONSENSUS
    counts = search.code_counts(ctx, source=source)
    depth: dict[int, int] = {}
    parents = {c.code_id: c.parent_id for c in counts}
    for c in counts:
        d, p = 0, c.parent_id
        while p is not None and d < 10:
            d, p = d + 1, parents.get(p)
        depth[c.code_id] = d
    table = pd.DataFrame(
        {
            "Kode": ["\u2003" * depth[c.code_id] + c.key for c in counts],
            "Navn": [c.name for c in counts],
            "Egne": [c.own for c in counts],
            "Med underkoder": [c.total for c in counts],
        }
    )
    st.caption("Vælg en kode for at se alle dens passager med kontekst.")
    picked = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=320,
        on_select="rerun",
        selection_mode="single-row",
        key="search_code_table",
    )
    rows = picked["selection"]["rows"] if picked else []
    if not rows:
        return
    code = counts[rows[0]]
    passages = search.code_passages(ctx, code.code_id, source=source)
    st.subheader(f"{code.key} – {code.name}: {len(passages)} passage(r)")
    for i, p in enumerate(passages[:200]):
        with st.container(border=True):
            cols = st.columns([12, 2])
            cols[0].markdown(
                f"**{plain(p.title)}** · tur {p.number} · {plain(p.speaker or '?')} · `{p.code_key}`  \n"
                f"{plain(p.before)}**{plain(p.text)}**{plain(p.after)}"
            )
            cols[1].button(
                "Åbn",
                key=f"search_passage_{i}",
                on_click=_open,
                args=(p.interview_id, p.segment_id, p.start, p.end),
            )


def _reader(ctx: Context) -> None:
    focus = st.session_state.get("search_open")
    if not focus:
        return
    doc = cdoc.document(ctx, int(focus["iv"]), cdoc.DocMode.CONSENSUS)
    st.subheader(doc.title)
    data = transcript_doc.document_data(
        doc, cdoc.code_names(ctx), usable=[], focus=focus, readonly=True
    )
    transcript_doc.render_document(data, key="search_doc", on_action=lambda: None)


def render() -> None:
    ctx = state.guard("transcript.read")
    if st.session_state.pop("_search_goto", False):
        st.switch_page(str(PAGES_DIR / "coding.py"))
    st.header("Søg")
    books = codebooks.list_codebooks(ctx)
    codes = {c["id"]: f"{c['key']} – {c['name']}" for b in books for c in b["codes"]}
    hits, per_code = st.tabs(["Fritekst", "Koder og passager"])
    with hits:
        _results(ctx, codes)
    with per_code:
        _codes_tab(ctx)
    _reader(ctx)
