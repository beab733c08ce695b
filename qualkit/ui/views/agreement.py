"""Enighed og konsensus: compare the coders per document and per code, see the
disagreeing segments side by side, and reconcile them into the consensus coding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import codebooks, consensus, interviews
from qualkit.tabular import format_number_dk
from qualkit.transcripts.textformat import format_timestamp
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain, plain_message

if TYPE_CHECKING:
    from qualkit.services.context import Context

MSG = "agree_msg"
DECISIONS = {
    "take_one": "Tag én koders kodning",
    "take_both": "Tag begge (alle koderes kodninger på segmentet)",
    "new": "Skriv en ny konsensuskodning",
}


def _num(x: float | None) -> str:
    return format_number_dk(x, 2) if x is not None else "–"


def _reveal(iv_id: int) -> None:
    try:
        consensus.open_comparison(state.context(), iv_id)
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _reconcile(iv_id: int, item: dict) -> None:
    ctx = state.context()
    decision = st.session_state.get("agree_decision")
    try:
        if decision == "new":
            code_id = st.session_state.get("agree_new_code") or item["code_id"]
            frag = (st.session_state.get("agree_fragment") or "").strip() or None
            ids = consensus.reconcile(
                ctx,
                "new",
                segment_id=item["segment_id"],
                code_id=code_id,
                memo=st.session_state.get("agree_memo") or "",
                fragment=frag,
            )
        else:
            opts = consensus.take_options(ctx, iv_id, item["segment_id"], item["code_id"])
            if decision == "take_one":
                coder = st.session_state.get("agree_coder")
                chosen = opts["take_one"].get(coder, [])
                if not chosen:
                    raise QualkitError(
                        f"{coder} har ikke anvendt koden her. Vælg en anden koder, "
                        "eller lad segmentet være uden konsensuskodning."
                    )
            else:
                chosen = opts["take_both"]
            ids = consensus.reconcile(
                ctx, decision, coding_ids=chosen, memo=st.session_state.get("agree_memo") or ""
            )
        st.session_state[MSG] = ("success", f"Konsensus gemt ({len(ids)} kodning(er)).")
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _mark(cid: int, starred: bool) -> None:
    try:
        consensus.mark_consensus(state.context(), cid, starred=starred)
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _remove(cid: int) -> None:
    try:
        consensus.remove_consensus(state.context(), cid)
        st.session_state[MSG] = ("success", "Konsensuskodningen er fjernet.")
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def render() -> None:
    ctx = state.guard("coding.compare")
    st.header("Enighed og konsensus")
    if MSG in st.session_state:
        kind, text = st.session_state.pop(MSG)
        (st.success if kind == "success" else st.error)(plain_message(text))
    ivs = interviews.list_interviews(ctx)
    if not ivs:
        st.info("Projektet har endnu ingen interviews.")
        return
    per_doc, per_code = st.tabs(["Pr. dokument", "Pr. kode"])
    with per_code:
        books = codebooks.list_codebooks(ctx)
        codes = {c["id"]: f"{c['key']} – {c['name']}" for b in books for c in b["codes"]}
        code_id = st.selectbox(
            "Kode",
            list(codes),
            format_func=codes.get,
            index=None,
            placeholder="Vælg en kode",
            key="agree_code",
        )
        if code_id is not None:
            rows = consensus.compare_code(ctx, code_id)
            for r in rows:
                for k in ("observed_agreement", "kappa", "alpha"):
                    r[k] = _num(r[k])
            st.dataframe(
                frame(
                    rows,
                    {
                        "title": "Interview",
                        "coders": "Kodere",
                        "units": "Segmenter",
                        "applied": "Kodet",
                        "disagreements": "Uenige",
                        "observed_agreement": "Enighed",
                        "kappa": "Kappa",
                        "alpha": "Alpha",
                    },
                ),
                hide_index=True,
                width="stretch",
            )
    with per_doc:
        titles = {r["id"]: r["title"] for r in ivs}
        iv_id = st.selectbox("Interview", list(titles), format_func=titles.get, key="agree_iv")
        if not consensus.comparison_opened(ctx, iv_id):
            st.info(
                "Kodningen er blind: du ser de andre koderes kodninger af dette interview, "
                "først når du vælger at sammenligne."
            )
            st.button(
                "Sammenlign kodninger",
                key="agree_reveal",
                type="primary",
                on_click=_reveal,
                args=(iv_id,),
            )
            return
        _render_document(ctx, iv_id)


def _render_document(ctx: Context, iv_id: int) -> None:
    cmp = consensus.compare_document(ctx, iv_id)
    if len(cmp["coders"]) < 2:
        st.info(
            f"Mindst to kodere skal have kodet interviewet (kodere: "
            f"{', '.join(cmp['coders']) or 'ingen'})."
        )
    else:
        st.subheader("Enighed pr. kode")
        st.caption(
            "Enighed = andel enige (parvis); Kappa = Cohens kappa (to kodere); Alpha = "
            "Krippendorffs alpha (nominal). – = ikke defineret (ingen variation)."
        )
        rows = [
            {
                **a,
                "observed_agreement": _num(a["observed_agreement"]),
                "kappa": _num(a["kappa"]),
                "alpha": _num(a["alpha"]),
                "code": "I alt" if a["code"] == "overall" else a["code"],
            }
            for a in cmp["agreement"]
        ]
        st.dataframe(
            frame(
                rows,
                {
                    "code": "Kode",
                    "name": "Navn",
                    "units": "Segmenter",
                    "observed_agreement": "Enighed",
                    "kappa": "Kappa",
                    "alpha": "Alpha",
                },
            ),
            hide_index=True,
            width="stretch",
        )
        st.subheader("Uenigheder side om side")
        dis = cmp["disagreements"]
        table = pd.DataFrame(
            {
                "Nr": [d["position"] for d in dis],
                "Taler": [d["speaker"] or "" for d in dis],
                "Tekst": [d["text"] for d in dis],
                "Kode": [d["key"] for d in dis],
                **{
                    c: [", ".join(x["key"] for x in d["by_coder"][c]) or "–" for d in dis]
                    for c in cmp["coders"]
                },
                "Afgjort": ["ja" if d["resolved"] else "" for d in dis],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", height=300)
        open_items = {i: d for i, d in enumerate(dis)}
        if open_items:
            labels = {
                i: f"{d['position']} · {d['key']}{' (afgjort)' if d['resolved'] else ''}"
                for i, d in open_items.items()
            }
            pick = st.selectbox(
                "Afgør uenighed", list(labels), format_func=labels.get, key="agree_item"
            )
            item = open_items[pick]
            cols = st.columns(len(cmp["coders"]))
            for col, coder in zip(cols, cmp["coders"], strict=True):
                with col.container(border=True):
                    st.markdown(f"**{plain(coder)}**")
                    for x in item["by_coder"][coder]:
                        st.markdown(
                            f"{plain(x['key'])} – {plain(x['name'])}"
                            + (f"  \n_Memo: {plain(x['memo'])}_" if x["memo"] else "")
                        )
                    if not item["by_coder"][coder]:
                        st.write("(ingen kode)")
            st.markdown(
                f"`{format_timestamp(item['start'])}` **{plain(item['speaker'] or '?')}**: "
                f"{plain(item['text'])}"
            )
            st.radio(
                "Afgørelse",
                list(DECISIONS),
                format_func=DECISIONS.get,
                key="agree_decision",
                horizontal=True,
            )
            decision = st.session_state.get("agree_decision")
            if decision == "take_one":
                st.selectbox("Koder", item["applied_by"], key="agree_coder")
            elif decision == "new":
                books = codebooks.list_codebooks(ctx)
                codes = {
                    c["id"]: f"{c['key']} – {c['name']}"
                    for b in books
                    for c in b["codes"]
                    if not c["retired"]
                }
                st.selectbox(
                    "Kode",
                    list(codes),
                    format_func=codes.get,
                    index=None,
                    placeholder=f"(samme kode: {item['key']})",
                    key="agree_new_code",
                )
                st.text_input("Tekststykke (valgfrit)", key="agree_fragment")
            st.text_input("Memo (valgfrit)", key="agree_memo")
            st.button(
                "Gem konsensus",
                key="agree_save",
                type="primary",
                on_click=_reconcile,
                args=(iv_id, item),
            )
    st.subheader("Konsensuskodning")
    if not cmp["consensus"]:
        st.caption("Ingen konsensuskodninger endnu.")
    for c in cmp["consensus"]:
        cols = st.columns([1, 6, 1, 1])
        cols[0].write(("★ " if c["starred"] else "") + str(c["position"]))
        cols[1].markdown(f"**{plain(c['key'])}** – {plain(c['text'][:200])}")
        cols[2].button(
            "Fjern ★" if c["starred"] else "★",
            key=f"star_{c['id']}",
            on_click=_mark,
            args=(c["id"], not c["starred"]),
        )
        cols[3].button("Fjern", key=f"cdel_{c['id']}", on_click=_remove, args=(c["id"],))
