"""Kodning: a transcript as segments; select one or several, apply or remove codes.

Each evaluator sees only their own codings here (blind coding); comparing is a
separate, explicit step on the page "Enighed og konsensus". Actions run as
button callbacks before the page is drawn, so the table always shows the
stored state. Keyboard: Tab moves between the widgets, the selectboxes filter
as you type, arrow keys move in the table, Space/Enter presses a button.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import codebooks, coding, interviews
from qualkit.transcripts.textformat import format_timestamp
from qualkit.ui import state
from qualkit.ui.plain import plain, plain_message

MSG = "coding_msg"


def _selected_ids() -> list[int]:
    ids = set(st.session_state.get("coding_segments") or [])
    rows = st.session_state.get("_coding_table_rows") or []
    table = st.session_state.get(st.session_state.get("_coding_table_key", "coding_table"))
    if table is not None:
        try:
            picked = table["selection"]["rows"]
        except (KeyError, TypeError):
            picked = []
        ids.update(rows[i] for i in picked if i < len(rows))
    return sorted(ids)


def _apply() -> None:
    ctx = state.context()
    code_id = st.session_state.get("coding_code")
    try:
        if code_id is None:
            raise QualkitError("Vælg en kode først.")
        ids = coding.apply_code(
            ctx,
            _selected_ids(),
            code_id,
            fragment=(st.session_state.get("coding_fragment") or "").strip() or None,
            memo=st.session_state.get("coding_memo") or "",
        )
        st.session_state[MSG] = ("success", f"Koden er anvendt på {len(ids)} segment(er).")
        st.session_state["coding_fragment"] = ""
        st.session_state["coding_memo"] = ""
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _remove() -> None:
    ctx = state.context()
    code_id = st.session_state.get("coding_code")
    try:
        if code_id is None:
            raise QualkitError("Vælg den kode, der skal fjernes.")
        n = coding.remove_code(ctx, _selected_ids(), code_id)
        st.session_state[MSG] = ("success", f"{n} kodning(er) fjernet.")
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _delete_one(coding_id: int) -> None:
    try:
        coding.delete_coding(state.context(), coding_id)
        st.session_state[MSG] = ("success", "Kodningen er fjernet.")
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _save_memo(coding_id: int) -> None:
    try:
        coding.set_memo(state.context(), coding_id, st.session_state.get(f"memo_{coding_id}") or "")
        st.session_state[MSG] = ("success", "Memo gemt.")
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _reset_selection() -> None:
    st.session_state["coding_segments"] = []


def render() -> None:
    ctx = state.guard("coding.write")
    st.header("Kodning")
    ivs = interviews.list_interviews(ctx)
    books = codebooks.list_codebooks(ctx)
    if not ivs or not books:
        st.info(
            "Projektet mangler interviews eller en kodebog."
            if ivs or books
            else "Projektet har ingen interviews og ingen kodebog endnu."
        )
        return
    titles = {r["id"]: r["title"] for r in ivs}
    codes = {
        c["id"]: f"{c['key']} – {c['name']} ({b['name']})"
        for b in books
        for c in b["codes"]
        if not c["retired"]
    }
    top = st.columns([3, 2])
    iv_id = top[0].selectbox(
        "Interview",
        list(titles),
        format_func=titles.get,
        key="coding_iv",
        on_change=_reset_selection,
    )
    top[1].caption(
        "Du ser kun dine egne kodninger. Sammenlign med de andre koderes på siden "
        "'Enighed og konsensus'."
    )
    if MSG in st.session_state:
        kind, text = st.session_state.pop(MSG)
        (st.success if kind == "success" else st.error)(plain_message(text))
    view = coding.coding_view(ctx, iv_id)
    f = st.columns(2)
    speakers = f[0].multiselect(
        "Filtrér på taler", view["speakers"], key="coding_speakers", placeholder="Alle talere"
    )
    code_filter = f[1].selectbox(
        "Filtrér på (min) kode",
        list(codes),
        format_func=codes.get,
        index=None,
        placeholder="Alle segmenter",
        key="coding_filter",
    )
    segs = [
        x
        for x in view["segments"]
        if (not speakers or x["speaker"] in speakers)
        and (code_filter is None or any(c["code_id"] == code_filter for c in x["codings"]))
    ]
    st.session_state["_coding_table_rows"] = [x["id"] for x in segs]
    # A new table widget (empty row selection) whenever the rows change meaning.
    rows_sig = hashlib.sha1(",".join(str(x["id"]) for x in segs).encode()).hexdigest()[:12]
    table_key = f"coding_table_{iv_id}_{rows_sig}"
    st.session_state["_coding_table_key"] = table_key
    table = pd.DataFrame(
        {
            "Nr": [x["position"] for x in segs],
            "Tid": [format_timestamp(x["start"]) for x in segs],
            "Taler": [x["speaker"] or "" for x in segs],
            "Tekst": [x["text"] for x in segs],
            "Mine koder": [
                ", ".join(
                    c["key"] + ("*" if c["start_char"] is not None else "") for c in x["codings"]
                )
                for x in segs
            ],
        }
    )
    st.caption(
        f"{len(segs)} af {len(view['segments'])} segmenter. Markér rækker i tabellen "
        "(eller vælg numre nedenfor) og anvend en kode. * = kodet på et tekststykke."
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=420,
        key=table_key,
        on_select="rerun",
        selection_mode="multi-row",
        column_config={
            "Tekst": st.column_config.TextColumn(width="large"),
            "Nr": st.column_config.NumberColumn(width="small"),
        },
    )
    by_id = {x["id"]: x for x in view["segments"]}
    labels = {
        x["id"]: f"{x['position']} · {x['speaker'] or '?'}: {x['text'][:60]}"
        for x in view["segments"]
    }
    st.multiselect(
        "Valgte segmenter",
        list(labels),
        format_func=labels.get,
        key="coding_segments",
        placeholder="Skriv et nummer eller et ord for at vælge segmenter",
    )
    chosen = _selected_ids()
    a = st.columns([3, 3])
    a[0].selectbox(
        "Kode",
        list(codes),
        format_func=codes.get,
        index=None,
        placeholder="Skriv for at søge i kodebogen",
        key="coding_code",
    )
    a[1].text_input(
        "Tekststykke (valgfrit, ét segment): kopiér præcis den del, der skal kodes",
        key="coding_fragment",
    )
    st.text_area("Memo (valgfrit)", key="coding_memo", height=68)
    b = st.columns([1, 1, 3])
    b[0].button(
        "Anvend kode", key="coding_apply", type="primary", on_click=_apply, disabled=not chosen
    )
    b[1].button("Fjern koden", key="coding_remove", on_click=_remove, disabled=not chosen)
    b[2].caption(f"{len(chosen)} segment(er) valgt.")
    for sid in chosen[:10]:
        seg = by_id.get(sid)
        if seg is None:
            continue
        with st.container(border=True):
            st.markdown(
                f"**{seg['position']} · {plain(seg['speaker'] or '?')}** "
                f"`{format_timestamp(seg['start'])}`  \n{plain(seg['text'])}"
            )
            for c in seg["codings"]:
                span = (
                    f" – «{seg['text'][c['start_char'] : c['end_char']]}»"
                    if c["start_char"] is not None
                    else ""
                )
                cols = st.columns([4, 3, 1, 1])
                cols[0].markdown(plain(f"{c['key']} – {c['name']}{span}"))
                cols[1].text_input(
                    "Memo", value=c["memo"], key=f"memo_{c['id']}", label_visibility="collapsed"
                )
                cols[2].button(
                    "Gem", key=f"savememo_{c['id']}", on_click=_save_memo, args=(c["id"],)
                )
                cols[3].button("Fjern", key=f"del_{c['id']}", on_click=_delete_one, args=(c["id"],))
    if len(chosen) > 10:
        st.caption(f"... og {len(chosen) - 10} segmenter mere.")
