"""Pseudonymisering: review each proposed identifying span in its sentence, then approve.

One proposal at a time: its sentence with the span highlighted, the label and the pseudonym it
gets; accept, reject, relabel or skip, for this occurrence or for every occurrence of the same
text in the project (the choice goes back to "this occurrence" after every action, so a
project-wide decision is never made by accident). Keyboard: J accepts, N rejects, S skips.
Approval asks for confirmation and says what will happen.
"""

from __future__ import annotations

import re

import streamlit as st

from qualkit.deid.spans import LABELS
from qualkit.errors import QualkitError
from qualkit.messages import label as da_label
from qualkit.services import deid, interviews, preferences
from qualkit.services.permissions import allowed
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain, plain_message

MSG = "deid_msg"
SCOPES = {"occurrence": "Kun denne forekomst", "project": "Alle forekomster i projektet"}
SENTENCE_END = re.compile(r"[.!?…](?=\s)|\n")


def sentence_around(text: str, start: int, end: int, limit: int = 220) -> tuple[str, str, str]:
    """The sentence holding text[start:end], as (before, span, after), cut at words."""
    a = 0
    for m in SENTENCE_END.finditer(text, 0, start):
        a = m.end()
    m = SENTENCE_END.search(text, end)
    b = m.end() if m else len(text)
    before, after = text[a:start].lstrip(), text[end:b]
    if len(before) > limit:
        cut = before[-limit:]
        before = "… " + cut[cut.find(" ") + 1 :]
    if len(after) > limit:
        cut = after[:limit]
        after = cut[: cut.rfind(" ")] + " …"
    return before, text[start:end], after


def _note(kind: str, text: str) -> None:
    st.session_state[MSG] = (kind, text)


def _act(decision_id: int, action: str, count: int) -> None:
    ss = st.session_state
    scope = ss.get(f"deid_scope_{ss.get('deid_nonce', 0)}", "occurrence")
    try:
        n = deid.decide(
            state.context(),
            decision_id,
            action,
            label=ss.get("deid_relabel") if action == "relabel" else None,
            all_occurrences=scope == "project",
        )
        verb = {"accept": "accepteret", "reject": "afvist", "relabel": "fik ny etiket"}[action]
        _note("success", f"{n} forekomst(er) {verb}.")
    except QualkitError as exc:
        _note("error", str(exc))
    ss["deid_nonce"] = ss.get("deid_nonce", 0) + 1  # the scope goes back to one occurrence
    ss.pop("deid_cursor", None)


def _skip(next_id: int | None) -> None:
    st.session_state["deid_cursor"] = next_id
    st.session_state["deid_nonce"] = st.session_state.get("deid_nonce", 0) + 1


def _review_card(spans: list[dict], segs: dict[int, dict]) -> None:
    # Open proposals in reading order; a speaker label's (no segment: "KB" as who speaks)
    # comes first, shown in its speaker's first turn, so none is left out of the card.
    open_ = sorted(
        (x for x in spans if x["decision"] == "proposed" and not x["stale"]),
        key=lambda x: (-1 if x["segment_id"] is None else x["position"] or 0, x["start"] or 0),
    )
    decided = sum(1 for x in spans if x["decision"] != "proposed")
    st.progress(
        decided / len(spans) if spans else 1.0,
        text=f"{decided} af {len(spans)} forslag afgjort",
    )
    if not open_:
        st.success("Alle forslag er afgjort. Godkend interviewet, når du er færdig.")
        return
    ids = [x["id"] for x in open_]
    cur = st.session_state.get("deid_cursor")
    idx = ids.index(cur) if cur in ids else 0
    item = open_[idx]
    nxt = ids[(idx + 1) % len(ids)] if len(ids) > 1 else None
    same = [x for x in spans if x["text"] and x["text"].casefold() == item["text"].casefold()]
    with st.container(border=True, key="deid_card"):
        if item["segment_id"] is None:
            _speaker_context(item, list(segs.values()), idx, len(open_))
        else:
            seg = segs.get(item["segment_id"], {"text": ""})
            before, span, after = sentence_around(seg["text"], item["start"], item["end"])
            st.caption(
                f"Forslag {idx + 1} af {len(open_)} åbne · tur {(item['position'] or 0) + 1} · "
                f"{plain(item['speaker'] or '?')}"
            )
            st.markdown(
                f"{plain(before)}:orange-background[**{plain(span)}**]{plain(after)}",
                help=None,
            )
        c = st.columns(3)
        c[0].metric("Etiket", da_label("entity", item["label"]))
        c[1].metric("Pseudonym", item["pseudonym"] or "tildeles ved godkendelse")
        c[2].metric("Samme tekst i interviewet", len(same))
        nonce = st.session_state.get("deid_nonce", 0)
        st.radio(
            "Gælder",
            list(SCOPES),
            format_func=lambda k: SCOPES[k] if k == "occurrence" else (
                f"Alle forekomster af «{item['text']}» i projektet"),
            horizontal=True,
            key=f"deid_scope_{nonce}",
        )  # fmt: skip
        b = st.columns([1, 1, 2, 1, 1])
        b[0].button(
            "Acceptér (J)", key="deid_accept", type="primary", shortcut="j",
            on_click=_act, args=(item["id"], "accept", len(same)),
        )  # fmt: skip
        b[1].button(
            "Afvis (N)", key="deid_reject", shortcut="n",
            on_click=_act, args=(item["id"], "reject", len(same)),
        )  # fmt: skip
        b[2].selectbox(
            "Ny etiket",
            [x for x in LABELS if x != item["label"]],
            format_func=lambda x: da_label("entity", x),
            key="deid_relabel",
            label_visibility="collapsed",
        )
        b[3].button(
            "Skift etiket", key="deid_relabel_do",
            on_click=_act, args=(item["id"], "relabel", len(same)),
        )  # fmt: skip
        b[4].button("Spring over (S)", key="deid_skip", shortcut="s", on_click=_skip, args=(nxt,))


def _speaker_context(item: dict, segs: list[dict], idx: int, total: int) -> None:
    """A speaker label's proposal: the label in front of its speaker's first turn."""
    turns = [g for g in segs if (g["speaker"] or "").casefold() == item["text"].casefold()]
    st.caption(
        f"Forslag {idx + 1} af {total} åbne · talerbetegnelse · {len(turns)} ture med denne taler"
    )
    first = turns[0]["text"] if turns else ""
    if len(first) > 220:
        first = first[:220].rsplit(" ", 1)[0] + " …"
    st.markdown(f":orange-background[**{plain(item['text'])}**]: {plain(first)}", help=None)


def _approve(interview_id: int) -> None:
    st.session_state.pop("deid_confirm", None)
    try:
        res = deid.approve(state.context(), interview_id)
        _note("success", f"Godkendt: {res.replaced} steder erstattet med pseudonymer.")
    except QualkitError as exc:
        _note("error", str(exc))


def _confirm_approve(interview_id: int, title: str, open_count: int) -> None:
    """What approval does, said before it is done (it cannot be undone in the app)."""
    with st.container(border=True, key="deid_confirm_box"):
        st.warning(
            f"Godkend pseudonymiseringen af «{title}»? Hvert accepteret navn og hver "
            "accepteret oplysning erstattes i teksten med sit pseudonym; den oprindelige tekst og "
            "nøglen navn ↔ pseudonym gemmes krypteret i nøgleboksen, som kun en administrator "
            "kan læse. "
            + (
                f"{open_count} forslag er stadig åbne: godkendelsen afvises, til de er afgjort. "
                if open_count
                else ""
            )
            + "Godkendelsen kan ikke fortrydes i appen."
        )
        c = st.columns([1, 1, 4])
        c[0].button(
            "Ja, godkend", type="primary", key="deid_approve_yes",
            on_click=_approve, args=(interview_id,),
        )  # fmt: skip
        c[1].button(
            "Fortryd", key="deid_approve_no",
            on_click=lambda: st.session_state.pop("deid_confirm", None),
        )  # fmt: skip


def _iv_changed() -> None:
    iv = st.session_state.get("deid_interview")
    if iv is not None:
        preferences.remember_interview(state.context(), int(iv))
    st.session_state.pop("deid_cursor", None)


def render() -> None:
    ctx = state.guard("deid.review")
    st.header("Pseudonymisering")
    if MSG in st.session_state:
        kind, text = st.session_state.pop(MSG)
        (st.success if kind == "success" else st.error)(plain_message(text))
    if not deid.vault_exists(ctx):
        st.warning("Nøgleboksen er ikke oprettet endnu; en administrator skal oprette den først.")
        if allowed(ctx.actor.role, "vault.read"):
            _create_vault(ctx)
        return
    if allowed(ctx.actor.role, "vault.read"):
        _read_vault(ctx)
    if allowed(ctx.actor.role, "participant.withdraw"):
        _withdraw(ctx)
    rows = list(interviews.list_interviews(ctx))
    if not rows:
        st.info("Projektet har endnu ingen interviews.")
        return
    titles = {r["id"]: f"{r['title']} ({da_label('interview_status', r['status'])})" for r in rows}
    open_ids = [r["id"] for r in rows if r["status"] != "approved"]
    ids = open_ids + [r["id"] for r in rows if r["status"] == "approved"]
    if st.session_state.get("deid_interview") not in ids:
        last = preferences.last_interview(ctx, open_ids)
        st.session_state["deid_interview"] = last if last is not None else ids[0]
    chosen = st.selectbox(
        "Interview", ids, format_func=titles.get, key="deid_interview", on_change=_iv_changed
    )
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
        segs = {g["id"]: g for g in deid.segments_for_review(ctx, chosen)}
        if not spans:
            st.info("Ingen forslag endnu. Tryk 'Foreslå pseudonymisering'.")
        else:
            _review_card(spans, segs)
            with st.expander("Alle forslag i interviewet"):
                _span_table(spans)
        _add_missed(ctx, chosen)
        _edit_segment(ctx, chosen, roster)
        c1, c2 = st.columns(2)
        if c1.button("Acceptér alle åbne forslag", key="deid_accept_all"):
            n = deid.accept_pending(ctx, chosen)
            _note("success", f"{n} forslag accepteret.")
            st.rerun()
        if c2.button("Godkend interview …", type="primary", key="deid_approve"):
            st.session_state["deid_confirm"] = chosen
        if st.session_state.get("deid_confirm") == chosen:
            title = next(r["title"] for r in rows if r["id"] == chosen)
            _confirm_approve(chosen, title, sum(1 for x in spans if x["decision"] == "proposed"))
    except QualkitError as exc:
        state.show_error(exc)


def _span_table(spans: list[dict]) -> None:
    shown = [
        {
            **s,
            "label": da_label("entity", s["label"]),
            "decision": da_label("decision", "stale" if s["stale"] else s["decision"]),
            "scope": da_label("scope", s["scope"]),
            "position": "taler" if s["segment_id"] is None else str((s["position"] or 0) + 1),
        }
        for s in spans
    ]
    st.dataframe(
        frame(
            shown,
            {
                "id": "ID",
                "position": "Tur",
                "speaker": "Taler",
                "text": "Tekst",
                "label": "Etiket",
                "source": "Kilde",
                "decision": "Beslutning",
                "scope": "Gælder",
                "pseudonym": "Pseudonym",
            },
        ),
        hide_index=True,
        width="stretch",
    )


def _add_missed(ctx, interview_id: int) -> None:
    with st.expander("Tilføj overset navn eller oplysning"):
        segs = deid.segments_for_review(ctx, interview_id)
        by_id = {g["id"]: g for g in segs}
        seg_id = st.selectbox(
            "Tur",
            list(by_id),
            key="deid_add_segment",
            format_func=lambda i: f"{by_id[i]['position'] + 1}: {by_id[i]['text'][:80]}",
        )
        surface = st.text_input("Tekst der skal pseudonymiseres", key="deid_add_text")
        label = st.selectbox(
            "Etiket", LABELS, format_func=lambda x: da_label("entity", x), key="deid_add_label"
        )
        everywhere = st.checkbox("Også alle andre forekomster i projektet", key="deid_add_all")
        if st.button("Tilføj", key="deid_add") and surface:
            n = deid.add_span_text(ctx, seg_id, surface, label, everywhere)
            _note("success", f"{n} steder tilføjet.")
            st.rerun()


def _edit_segment(ctx, interview_id: int, roster) -> None:
    with st.expander("Ret tekst i en tur (beslutninger genanvendes)"):
        segs = deid.segments_for_review(ctx, interview_id)
        by_id = {g["id"]: g for g in segs}
        seg_id = st.selectbox(
            "Tur",
            list(by_id),
            key="deid_edit_segment",
            format_func=lambda i: f"{by_id[i]['position'] + 1}: {by_id[i]['text'][:80]}",
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
