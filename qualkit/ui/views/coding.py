"""Kodning: the transcript as a document to code in, and a table view for bulk work.

Document view (ui/components/transcript_doc): select text with the mouse (within or across
turns), pick a code (search, Enter; 1-9 for recent codes), click a highlight to see its codes,
coder and memo and change or remove it. The same view shows the coder's own codings (blind),
two coders in two stripe colours (after the explicit choice to compare) or the consensus.
Table view: select rows or numbers, apply or remove a code on several segments at once.
Actions run as callbacks before the page is drawn, so the page always shows the stored state.
The document view is a fragment: an action in it reruns only the view, and the rerun sends the
component only the codings when it already holds the turns (see transcript_doc.document_data).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import codebooks, coding, consensus, interviews, preferences
from qualkit.services import coding_document as cdoc
from qualkit.services.context import Context
from qualkit.transcripts.textformat import format_timestamp
from qualkit.ui import state
from qualkit.ui.components import transcript_doc
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


def _table_view(ctx: Context, books: list[dict], iv_id: int) -> None:
    codes = {
        c["id"]: f"{c['key']} – {c['name']} ({b['name']})"
        for b in books
        for c in b["codes"]
        if not c["retired"]
    }
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
            "Nr": [x["position"] + 1 for x in segs],
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
        x["id"]: f"{x['position'] + 1} · {x['speaker'] or '?'}: {x['text'][:60]}"
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
                f"**{seg['position'] + 1} · {seg['speaker'] or '?'}** "
                f"`{format_timestamp(seg['start'])}`  \n{seg['text']}"
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


# ------------------------------------------------------------------ the document view

DOC_KEY = "coding_doc"
HAS_KEY = "_coding_doc_has"  # the turns' key the mounted component reported it holds
REMEMBERED = "_coding_remembered_iv"
MODES = {
    cdoc.DocMode.OWN: "Mine kodninger (blind)",
    cdoc.DocMode.COMPARE: "Sammenlign to kodere",
    cdoc.DocMode.CONSENSUS: "Konsensus",
}


def _remember(code_id: int) -> None:
    recent = [c for c in st.session_state.get("coding_recent", []) if c != code_id]
    st.session_state["coding_recent"] = [code_id, *recent][:9]


def _on_action() -> None:
    """The component reported an action (apply, remove, memo, change): run it in the service."""
    action = transcript_doc.last_action(DOC_KEY)
    if not action:
        return
    if action.get("type") == "need":  # a fresh mount without the turns: send them in full
        return
    # The component that reported the action holds these turns: the rerun sends only codings.
    st.session_state[HAS_KEY] = action.get("segsKey")
    ctx = state.context()
    mode = cdoc.DocMode(st.session_state.get("coding_mode", cdoc.DocMode.OWN))
    try:
        kind = action.get("type")
        iv_id = int(action["iv"])
        if kind == "apply":
            parts = [
                cdoc.SelectionPart(int(p["segment"]), int(p["start"]), int(p["end"]))
                for p in action.get("parts") or []
            ]
            code_id = int(action["code"])
            memo = str(action.get("memo") or "")
            if mode is cdoc.DocMode.CONSENSUS:
                ids = cdoc.apply_consensus_selection(ctx, iv_id, parts, code_id, memo=memo)
            else:
                ids = cdoc.apply_selection(ctx, iv_id, parts, code_id, memo=memo)
            _remember(code_id)
            if st.session_state.get(REMEMBERED) != iv_id:  # one write per interview, not per code
                preferences.remember_interview(ctx, iv_id)
                st.session_state[REMEMBERED] = iv_id
            st.session_state[MSG] = ("success", f"Kodet: {len(ids)} tekststykke(r).")
        elif kind == "remove":
            if mode is cdoc.DocMode.CONSENSUS:
                consensus.remove_consensus(ctx, int(action["coding"]))
            else:
                coding.delete_coding(ctx, int(action["coding"]))
            st.session_state[MSG] = ("success", "Kodningen er fjernet.")
        elif kind == "memo" and mode is cdoc.DocMode.OWN:
            coding.set_memo(ctx, int(action["coding"]), str(action.get("memo") or ""))
            st.session_state[MSG] = ("success", "Memo gemt.")
        elif kind == "change" and mode is cdoc.DocMode.OWN:
            cdoc.change_code(ctx, int(action["coding"]), int(action["code"]))
            _remember(int(action["code"]))
            st.session_state[MSG] = ("success", "Koden er skiftet.")
        else:
            st.session_state[MSG] = ("error", "Handlingen findes ikke i denne visning.")
    except (QualkitError, KeyError, ValueError, TypeError) as exc:
        text = str(exc) if isinstance(exc, QualkitError) else "Handlingen kunne ikke læses."
        st.session_state[MSG] = ("error", text)


def _open_comparison(iv_id: int) -> None:
    try:
        consensus.open_comparison(state.context(), iv_id)
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _iv_changed() -> None:
    _reset_selection()
    iv = st.session_state.get("coding_iv")
    if iv is not None:
        preferences.remember_interview(state.context(), int(iv))
        st.session_state[REMEMBERED] = int(iv)


@st.fragment
def _document_fragment(iv_id: int, usable: tuple[int, ...]) -> None:
    """The document view as a fragment: a coding action reruns only this, not the page.

    The user is re-read (``state.context``) on every run, so a deactivation still acts at the
    next action; the services check permissions again.
    """
    ctx = state.context()
    if MSG in st.session_state:
        kind, text = st.session_state.pop(MSG)
        (st.toast if kind == "success" else st.error)(plain_message(text))
    has = st.session_state.pop(HAS_KEY, None)
    _document_view(ctx, usable, iv_id, has)


def _document_view(
    ctx: Context, usable: tuple[int, ...], iv_id: int, browser_has: str | None
) -> None:
    mode = cdoc.DocMode(
        st.radio(
            "Kodninger",
            list(MODES),
            format_func=MODES.get,
            horizontal=True,
            key="coding_mode",
            label_visibility="collapsed",
        )
    )
    coders: list[str] = []
    if mode is cdoc.DocMode.COMPARE:
        if not consensus.comparison_opened(ctx, iv_id):
            st.info(
                "Kodningen er blind. Når du vælger at sammenligne, ser du de andre koderes "
                "kodninger i dette interview (valget logges)."
            )
            st.button(
                "Sammenlign med de andre kodere",
                key="coding_reveal",
                on_click=_open_comparison,
                args=(iv_id,),
            )
            return
        everyone = consensus.compare_document(ctx, iv_id)["coders"]
        if len(everyone) > 2:
            coders = st.multiselect(
                "To kodere", everyone, default=everyone[:2], max_selections=2, key="coding_pair"
            )
    doc = cdoc.document(ctx, iv_id, mode, coders=coders)
    names = cdoc.code_names(ctx)
    focus = st.session_state.pop("coding_focus", None)
    if focus and int(focus.get("iv", -1)) != iv_id:
        focus = None
    readonly = mode is cdoc.DocMode.COMPARE or (
        mode is cdoc.DocMode.CONSENSUS and not _may(ctx, "consensus.write")
    )
    if mode is cdoc.DocMode.OWN:
        st.caption(
            "Markér tekst med musen (også hen over flere ture) og vælg en kode; klik på et "
            "nummer for at kode hele turen; klik på en markering for at se, skifte eller fjerne "
            "koden. Du ser kun dine egne kodninger."
        )
    elif mode is cdoc.DocMode.COMPARE:
        st.caption(
            f"Blå streg under teksten: {doc.coders[0] if doc.coders else '–'}; orange streg "
            f"over: {doc.coders[1] if len(doc.coders) > 1 else '–'}. Klik på en markering for "
            "at se koderen og memoet."
        )
    else:
        st.caption("Konsensuskodninger. Markér tekst for at tilføje en konsensuskodning.")
    data = transcript_doc.document_data(
        doc,
        names,
        usable=usable,
        recent=st.session_state.get("coding_recent", []),
        focus=focus,
        readonly=readonly,
        version=len(doc.codings),
        browser_has=browser_has,
    )
    transcript_doc.render_document(data, key=DOC_KEY, on_action=_on_action)


def _may(ctx: Context, capability: str) -> bool:
    from qualkit.services.permissions import allowed

    return allowed(ctx.actor.role, capability)


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
    focus = st.session_state.get("coding_focus")
    if focus and int(focus.get("iv", -1)) in titles:
        st.session_state["coding_iv"] = int(focus["iv"])
    elif st.session_state.get("coding_iv") not in titles:
        last = preferences.last_interview(ctx, list(titles))
        st.session_state["coding_iv"] = last if last is not None else next(iter(titles))
    top = st.columns([3, 2])
    iv_id = top[0].selectbox(
        "Interview", list(titles), format_func=titles.get, key="coding_iv", on_change=_iv_changed
    )
    layout = top[1].radio("Visning", ["Dokument", "Tabel"], horizontal=True, key="coding_layout")
    if layout == "Tabel":
        _table_view(ctx, books, iv_id)
    else:
        usable = tuple(c["id"] for b in books for c in b["codes"] if not c["retired"])
        _document_fragment(iv_id, usable)
