"""Pseudonymisering: review the proposed identifying spans of an interview, then approve."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import deid, interviews
from qualkit.services.permissions import allowed
from qualkit.ui import state
from qualkit.ui.format import frame

ACTIONS = {"accept": "Acceptér", "reject": "Afvis", "relabel": "Skift etiket"}
DECISIONS = {"proposed": "foreslået", "accepted": "accepteret", "rejected": "afvist"}


def render() -> None:
    ctx = state.guard("deid.review")
    st.header("Pseudonymisering")
    if not deid.vault_exists(ctx):
        st.warning("Nøgleboksen er ikke oprettet endnu; en administrator skal oprette den først.")
        if allowed(ctx.actor.role, "vault.read"):
            _create_vault(ctx)
        return
    if allowed(ctx.actor.role, "vault.read"):
        _read_vault(ctx)
    if allowed(ctx.actor.role, "participant.withdraw"):
        _withdraw(ctx)
    rows = [r for r in interviews.list_interviews(ctx)]
    if not rows:
        st.info("Projektet har endnu ingen interviews.")
        return
    titles = {r["id"]: f"{r['title']} ({r['status']})" for r in rows}
    open_ids = [r["id"] for r in rows if r["status"] != "approved"]
    ids = open_ids + [r["id"] for r in rows if r["status"] == "approved"]
    chosen = st.selectbox("Interview", ids, format_func=titles.get, key="deid_interview")
    if chosen is None:
        return
    status = next(r["status"] for r in rows if r["id"] == chosen)
    if status == "approved":
        st.success("Interviewet er godkendt: segmenterne indeholder kun pseudonymer.")
        return
    uploaded = st.file_uploader("Deltagerliste (CSV: name, role, pseudonym)", type=["csv"])
    try:
        roster = (
            deid.roster_from_upload(ctx, uploaded.getvalue(), uploaded.name) if uploaded else None
        )
        if st.button("Foreslå pseudonymisering", key="deid_propose"):
            n = deid.propose(ctx, chosen, roster)
            st.toast(f"{n} forslag.")
        spans = deid.list_spans(ctx, chosen)
        _span_table(spans)
        if spans:
            _decide(ctx, spans)
        _add_missed(ctx, chosen)
        _edit_segment(ctx, chosen, roster)
        c1, c2 = st.columns(2)
        if c1.button("Acceptér alle åbne forslag", key="deid_accept_all"):
            deid.accept_pending(ctx, chosen)
            st.rerun()
        if c2.button("Godkend interview", type="primary", key="deid_approve"):
            res = deid.approve(ctx, chosen)
            st.success(f"Godkendt: {res.replaced} steder erstattet med pseudonymer.")
    except QualkitError as exc:
        state.show_error(exc)


def _span_table(spans: list[dict]) -> None:
    if not spans:
        st.info("Ingen forslag endnu. Tryk 'Foreslå pseudonymisering'.")
        return
    shown = [
        {
            **s,
            "decision": DECISIONS.get(s["decision"], s["decision"]),
            "position": "taler" if s["segment_id"] is None else str(s["position"]),
        }
        for s in spans
    ]
    st.dataframe(
        frame(
            shown,
            {
                "id": "ID",
                "position": "Segment",
                "speaker": "Taler",
                "text": "Tekst",
                "label": "Etiket",
                "source": "Kilde",
                "decision": "Beslutning",
                "pseudonym": "Pseudonym",
            },
        ),
        hide_index=True,
        width="stretch",
    )


def _decide(ctx, spans: list[dict]) -> None:
    st.subheader("Beslut")
    by_id = {s["id"]: s for s in spans}
    sid = st.selectbox(
        "Forslag",
        list(by_id),
        key="deid_span",
        format_func=lambda i: (
            f"{i}: {by_id[i]['text']} ({by_id[i]['label']}, {DECISIONS.get(by_id[i]['decision'])})"
        ),
    )
    action = st.radio(
        "Handling", list(ACTIONS), format_func=ACTIONS.get, horizontal=True, key="deid_action"
    )
    label = (
        st.selectbox("Ny etiket", deid.LABELS, key="deid_label") if action == "relabel" else None
    )
    everywhere = st.checkbox("Anvend på alle forekomster i projektet", key="deid_all")
    if st.button("Udfør", key="deid_do"):
        n = deid.decide(ctx, sid, action, label=label, all_occurrences=everywhere)
        st.toast(f"{n} forekomster opdateret.")
        st.rerun()


def _add_missed(ctx, interview_id: int) -> None:
    st.subheader("Tilføj overset navn eller oplysning")
    segs = deid.segments_for_review(ctx, interview_id)
    by_id = {g["id"]: g for g in segs}
    seg_id = st.selectbox(
        "Segment",
        list(by_id),
        key="deid_add_segment",
        format_func=lambda i: f"{by_id[i]['position']}: {by_id[i]['text'][:80]}",
    )
    surface = st.text_input("Tekst der skal pseudonymiseres", key="deid_add_text")
    label = st.selectbox("Etiket", deid.LABELS, key="deid_add_label")
    everywhere = st.checkbox("Også alle andre forekomster i projektet", key="deid_add_all")
    if st.button("Tilføj", key="deid_add") and surface:
        n = deid.add_span_text(ctx, seg_id, surface, label, everywhere)
        st.toast(f"{n} steder tilføjet.")
        st.rerun()


def _edit_segment(ctx, interview_id: int, roster) -> None:
    with st.expander("Ret tekst i et segment (beslutninger genanvendes)"):
        segs = deid.segments_for_review(ctx, interview_id)
        by_id = {g["id"]: g for g in segs}
        seg_id = st.selectbox(
            "Segment",
            list(by_id),
            key="deid_edit_segment",
            format_func=lambda i: f"{by_id[i]['position']}: {by_id[i]['text'][:80]}",
        )
        new = st.text_area(
            "Tekst", value=by_id[seg_id]["text"] if seg_id else "", key=f"deid_edit_text_{seg_id}"
        )
        if st.button("Gem tekst", key="deid_edit_save") and seg_id is not None:
            deid.edit_segment(ctx, seg_id, new, roster)
            st.rerun()


def _create_vault(ctx) -> None:
    p1 = st.text_input("Adgangsfrase til nøgleboksen", type="password", key="vault_new1")
    p2 = st.text_input("Gentag adgangsfrasen", type="password", key="vault_new2")
    if st.button("Opret nøgleboks", key="vault_create"):
        if p1 != p2:
            st.error("De to adgangsfraser er forskellige.")
            return
        try:
            deid.create_vault(ctx, p1)
            st.rerun()
        except QualkitError as exc:
            state.show_error(exc)


def _read_vault(ctx) -> None:
    with st.expander("Nøgleboks (kun administrator)"):
        phrase = st.text_input("Adgangsfrase", type="password", key="vault_phrase")
        if st.button("Vis nøgler", key="vault_read") and phrase:
            try:
                entries = deid.read_vault(ctx, phrase)
            except QualkitError as exc:
                state.show_error(exc)
                return
            keys = [e for e in entries if e.get("kind") == "pseudonym"]
            ids = [e for e in entries if e.get("kind") == "identity"]
            st.dataframe(
                frame(
                    keys,
                    {
                        "interview_id": "Interview",
                        "name": "Navn",
                        "label": "Etiket",
                        "pseudonym": "Pseudonym",
                    },
                ),
                hide_index=True,
                width="stretch",
            )
            if ids:
                st.dataframe(
                    frame(ids, {"citizen_id": "Borger-ID", "name": "Navn", "cpr": "CPR"}),
                    hide_index=True,
                    width="stretch",
                )


def _withdraw(ctx) -> None:
    with st.expander("Tilbagetræk deltager"):
        cid = st.text_input("Borger-ID", key="withdraw_id")
        sure = st.checkbox(
            "Slet deltagerens interviews, kodninger, citater og nøgler", key="withdraw_sure"
        )
        if st.button("Tilbagetræk", key="withdraw_do") and cid and sure:
            try:
                res = deid.withdraw_participant(ctx, cid.strip())
                st.success(
                    f"Tilbagetrukket: {res['interviews']} interviews og "
                    f"{res['vault_entries']} nøgler slettet."
                )
            except QualkitError as exc:
                state.show_error(exc)
