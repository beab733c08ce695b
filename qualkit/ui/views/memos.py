"""Memoer: analytic memos per interview, per code and for the project (title, date, text, links
to passages and codes); searchable; exported with the project as REFI-QDA notes."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import codebooks, interviews, memos
from qualkit.services.permissions import allowed
from qualkit.ui import state
from qualkit.ui.plain import plain, plain_message

MSG = "memo_msg"


def _create() -> None:
    ss = st.session_state
    kind = ss.get("memo_kind", memos.MemoKind.PROJECT)
    iv = ss.get("memo_iv")
    links = [memos.LinkSpec(code_id=c) for c in ss.get("memo_codes") or []]
    if iv is not None:
        view = interviews.get_transcript(state.context(), iv)
        by_number = {seg["position"] + 1: seg["id"] for seg in view["segments"]}
        links += [memos.LinkSpec(segment_id=by_number[n]) for n in ss.get("memo_turns") or []]
    try:
        memos.create_memo(
            state.context(),
            kind,
            ss.get("memo_title") or "",
            ss.get("memo_body") or "",
            interview_id=iv if kind == memos.MemoKind.INTERVIEW or links else None,
            code_id=ss.get("memo_code") if kind == memos.MemoKind.CODE else None,
            links=links,
        )
        ss[MSG] = ("success", "Memoet er gemt.")
        for k in ("memo_title", "memo_body", "memo_codes", "memo_turns"):
            ss.pop(k, None)
    except QualkitError as exc:
        ss[MSG] = ("error", str(exc))


def _save(memo_id: int) -> None:
    try:
        memos.update_memo(
            state.context(),
            memo_id,
            title=st.session_state.get(f"memo_t_{memo_id}"),
            body=st.session_state.get(f"memo_b_{memo_id}"),
        )
        st.session_state[MSG] = ("success", "Memoet er gemt.")
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _delete(memo_id: int) -> None:
    try:
        memos.delete_memo(state.context(), memo_id)
        st.session_state[MSG] = ("success", "Memoet er slettet.")
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def render() -> None:
    ctx = state.guard("consensus.read")
    st.header("Memoer")
    if MSG in st.session_state:
        kind, text = st.session_state.pop(MSG)
        (st.success if kind == "success" else st.error)(plain_message(text))
    ivs = {r["id"]: r["title"] for r in interviews.list_interviews(ctx)}
    codes = {
        c["id"]: f"{c['key']} – {c['name']}"
        for b in codebooks.list_codebooks(ctx)
        for c in b["codes"]
    }
    may_write = allowed(ctx.actor.role, "coding.write")
    if may_write:
        with st.expander("Nyt memo", expanded=False):
            kind = st.radio(
                "Memoet handler om",
                list(memos.MemoKind),
                format_func=lambda k: memos.KIND_LABELS[memos.MemoKind(k)],
                horizontal=True,
                key="memo_kind",
            )
            st.text_input("Titel", key="memo_title")
            st.text_area("Tekst", key="memo_body", height=140)
            if kind == memos.MemoKind.CODE:
                st.selectbox(
                    "Kode", list(codes), format_func=codes.get, index=None, key="memo_code"
                )
            iv = st.selectbox(
                "Interview" + ("" if kind == memos.MemoKind.INTERVIEW else " (for links til ture)"),
                list(ivs),
                format_func=ivs.get,
                index=None,
                key="memo_iv",
            )
            if iv is not None:
                n = len(interviews.get_transcript(ctx, iv)["segments"])
                st.multiselect("Link til ture (nr.)", list(range(1, n + 1)), key="memo_turns")
            st.multiselect("Link til koder", list(codes), format_func=codes.get, key="memo_codes")
            st.button("Gem memo", key="memo_create", type="primary", on_click=_create)
    f = st.columns([3, 1])
    query = f[0].text_input("Søg i memoer (alle ord)", key="memo_q")
    kinds = {None: "Alle", **{k: memos.KIND_LABELS[k] for k in memos.MemoKind}}
    kind_filter = f[1].selectbox("Type", list(kinds), format_func=kinds.get, key="memo_filter_kind")
    found = memos.list_memos(ctx, kind=kind_filter, query=query or "")
    st.caption(f"{len(found)} memo(er).")
    for m in found:
        about = m.interview_title or m.code_key or "projektet"
        title = f"{m.title} · {m.created_at:%d-%m-%Y} · {m.author} · {memos.KIND_LABELS[m.kind]}: {about}"
        with st.expander(title):
            mine = may_write and (m.author == ctx.actor.username or ctx.actor.role == "admin")
            if mine:
                st.text_input("Titel", value=m.title, key=f"memo_t_{m.id}")
                st.text_area("Tekst", value=m.body, key=f"memo_b_{m.id}", height=120)
                c = st.columns([1, 1, 6])
                c[0].button("Gem", key=f"memo_save_{m.id}", on_click=_save, args=(m.id,))
                c[1].button("Slet", key=f"memo_del_{m.id}", on_click=_delete, args=(m.id,))
            else:
                st.text(m.body)
            for ln in m.links:
                if ln.segment_id:
                    st.markdown(f"- tur {ln.number}: {plain(ln.text[:200])}")
                if ln.code_key:
                    st.markdown(f"- kode `{ln.code_key}`")
