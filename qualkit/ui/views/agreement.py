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


def _reveal() -> None:
    """Open the comparison of the interview chosen *now*: the selectbox state arrives with the
    click, whereas args bound at render time name the interview of a stale run when the user
    picks an interview and clicks before the page has redrawn."""
    iv_id = st.session_state.get("agree_iv")
    if iv_id is None:
        return
    try:
        consensus.open_comparison(state.context(), iv_id)
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def words_cut(text: str, n: int) -> str:
    """At most about n characters, never cut inside a word."""
    if len(text) <= n:
        return text
    cut = text[:n]
    space = cut.rfind(" ")
    return (cut[:space] if space > n // 2 else cut).rstrip(" ,.;:") + " …"


def _reconcile(iv_id: int, item: dict, next_item: int | None = None) -> None:
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
        if next_item is not None:  # the next open disagreement opens, with a fresh form
            st.session_state["agree_item"] = next_item
            for k in ("agree_memo", "agree_fragment", "agree_new_code"):
                st.session_state.pop(k, None)
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
        agreement_box = st.expander("Enighed pr. kode (kappa, alpha)", expanded=False)
        with agreement_box:
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
        solved = sum(1 for d in dis if d["resolved"])
        st.progress(
            solved / len(dis) if dis else 1.0, text=f"{solved} af {len(dis)} uenigheder løst"
        )
        table = pd.DataFrame(
            {
                "Nr": [d["position"] + 1 for d in dis],
                "Taler": [d["speaker"] or "" for d in dis],
                "Tekst": [words_cut(d["text"], 140) for d in dis],
                "Kode": [d["key"] for d in dis],
                **{
                    c: [", ".join(x["key"] for x in d["by_coder"][c]) or "–" for d in dis]
                    for c in cmp["coders"]
                },
                "Løst": ["ja" if d["resolved"] else "" for d in dis],
            }
        )
        with st.expander("Alle uenigheder (sorteret efter tur)", expanded=False):
            st.dataframe(table, hide_index=True, width="stretch", height=260)
        if dis:
            labels = {
                i: f"Tur {d['position'] + 1} · {d['key']}{' (løst)' if d['resolved'] else ''}"
                for i, d in enumerate(dis)
            }
            if st.session_state.get("agree_item") not in labels:
                first_open = next((i for i, d in enumerate(dis) if not d["resolved"]), 0)
                st.session_state["agree_item"] = first_open
            pick = st.selectbox(
                "Afgør uenighed", list(labels), format_func=labels.get, key="agree_item"
            )
            # The options (dis) are not empty and the key holds one of them: never None.
            assert pick is not None
            item = dis[pick]
            later = [i for i in range(pick + 1, len(dis)) if not dis[i]["resolved"]]
            earlier = [i for i in range(pick) if not dis[i]["resolved"]]
            next_item = (later or earlier or [None])[0]
            left, right = st.columns([3, 2], gap="medium")
            with left:
                st.markdown(
                    f"`{format_timestamp(item['start'])}` **Tur {item['position'] + 1} · "
                    f"{plain(item['speaker'] or '?')}**: {plain(item['text'])}"
                )
                cols = st.columns(len(cmp["coders"]))
                for col, coder in zip(cols, cmp["coders"], strict=True):
                    with col.container(border=True):
                        st.markdown(f"**{coder}**")
                        for x in item["by_coder"][coder]:
                            span = (
                                f"  \n«{plain(words_cut(item['text'][x['start_char'] : x['end_char']], 120))}»"
                                if x["start_char"] is not None
                                else ""
                            )
                            st.markdown(
                                f"{plain(x['key'])} – {plain(x['name'])}{span}"
                                + (f"  \n_Memo: {plain(x['memo'])}_" if x["memo"] else "")
                            )
                        if not item["by_coder"][coder]:
                            st.write("(ingen kode)")
            with right:
                st.radio(
                    "Afgørelse",
                    list(DECISIONS),
                    format_func=DECISIONS.get,
                    key="agree_decision",
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
                    "Gem konsensus og gå til næste",
                    key="agree_save",
                    type="primary",
                    on_click=_reconcile,
                    args=(iv_id, item, next_item),
                )
    st.subheader("Konsensuskodning")
    if not cmp["consensus"]:
        st.caption("Ingen konsensuskodninger endnu.")
    for c in sorted(
        cmp["consensus"], key=lambda c: (c["position"] or 0, c["start_char"] or 0, c["key"])
    ):
        cols = st.columns([1, 6, 1, 1])
        cols[0].write(("★ " if c["starred"] else "") + f"Tur {(c['position'] or 0) + 1}")
        cols[1].markdown(f"**{plain(c['key'])}** – {plain(words_cut(c['text'], 220))}")
        cols[2].button(
            "Fjern ★" if c["starred"] else "★",
            key=f"star_{c['id']}",
            on_click=_mark,
            args=(c["id"], not c["starred"]),
        )
        cols[3].button("Fjern", key=f"cdel_{c['id']}", on_click=_remove, args=(c["id"],))
