"""Kodebog: the project's codebooks as trees; add, rename, move, merge, retire codes;
versions; download as YAML or REFI-QDA .qdc; import a codebook file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import codebook_editor, codebooks
from qualkit.services.permissions import allowed
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain, plain_message

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

MSG = "codebook_msg"
FRAMEWORK_LABELS = {
    "reach": "Rækkevidde (reach)",
    "effectiveness": "Effekt (effectiveness)",
    "adoption": "Adoption",
    "implementation": "Implementering",
    "maintenance": "Vedligehold (maintenance)",
    "fidelity": "Fidelitet",
    "mechanism": "Mekanisme",
    "context": "Kontekst",
    "theme": "Tema (induktiv)",
}


def _run(action: Callable[..., object], *args: Any, ok: str, **kwargs: Any) -> None:
    try:
        action(state.context(), *args, **kwargs)
        st.session_state[MSG] = ("success", ok)
    except QualkitError as exc:
        st.session_state[MSG] = ("error", str(exc))


def _get(key: str) -> Any:
    return st.session_state.get(key)


def _add(book_id: int) -> None:
    _run(
        codebook_editor.add_code,
        book_id,
        (_get("cb_add_key") or "").strip(),
        (_get("cb_add_name") or "").strip(),
        parent_id=_get("cb_add_parent"),
        framework=_get("cb_add_fw"),
        description=_get("cb_add_desc") or "",
        include=_get("cb_add_incl") or "",
        exclude=_get("cb_add_excl") or "",
        example=_get("cb_add_ex") or "",
        ok="Koden er tilføjet.",
    )


def _rename() -> None:
    _run(
        codebook_editor.rename_code,
        _get("cb_code"),
        (_get("cb_new_name") or "").strip(),
        ok="Koden er omdøbt.",
    )


def _move() -> None:
    _run(codebook_editor.move_code, _get("cb_code"), _get("cb_move_to"), ok="Koden er flyttet.")


def _merge() -> None:
    _run(
        codebook_editor.merge_codes,
        _get("cb_code"),
        _get("cb_merge_into"),
        ok="Koderne er slået sammen; kodningerne er flyttet med.",
    )


def _retire() -> None:
    _run(
        codebook_editor.retire_code,
        _get("cb_code"),
        ok="Koden er udfaset (historikken er bevaret).",
    )


def _import() -> None:
    upload = _get("cb_upload")
    if upload is None:
        st.session_state[MSG] = ("error", "Vælg en fil (.yaml eller .qdc).")
        return
    _run(
        codebooks.import_codebook_upload,
        upload.name,
        upload.getvalue(),
        ok=f"Kodebogen i {upload.name} er importeret.",
    )


def render() -> None:
    ctx = state.guard("codebook.read")
    st.header("Kodebog")
    can_edit = allowed(ctx.actor.role, "codebook.edit")
    if MSG in st.session_state:
        kind, text = st.session_state.pop(MSG)
        (st.success if kind == "success" else st.error)(plain_message(text))
    books = codebooks.list_codebooks(ctx)
    if can_edit:
        with st.expander(
            "Importér en kodebog (.yaml eller REFI-QDA .qdc fra NVivo, ATLAS.ti, MAXQDA, QualCoder)"
        ):
            st.file_uploader(
                "Kodebogsfil (.yaml eller .qdc)", type=["yaml", "yml", "qdc"], key="cb_upload"
            )
            st.button("Importér", key="cb_import", on_click=_import)
    if not books:
        st.info("Projektet har ingen kodebog endnu.")
        return
    names = {b["id"]: f"{b['name']} (version {b['version']})" for b in books}
    book_id = st.selectbox("Kodebog", list(names), format_func=names.get, key="cb_book")
    tree = codebook_editor.codebook_tree(ctx, book_id)
    rows = [
        {
            **r,
            "label": "\u2003" * r["depth"] + r["name"],
            "status": "slået sammen"
            if r["merged_into_id"]
            else ("udfaset" if r["retired"] else ""),
        }
        for r in tree["codes"]
    ]
    st.dataframe(
        frame(
            rows,
            {
                "key": "ID",
                "label": "Navn",
                "framework": "Dimension",
                "codings": "Kodninger",
                "status": "Status",
            },
        ),
        hide_index=True,
        width="stretch",
        height=380,
    )
    dl = st.columns(2)
    for col, fmt, label in (
        (dl[0], "yaml", "Hent som YAML"),
        (dl[1], "qdc", "Hent som REFI-QDA .qdc"),
    ):
        fname, data = codebook_editor.export_file(ctx, book_id, fmt)
        col.download_button(label, data, file_name=fname, key=f"cb_dl_{fmt}")
    codes = {r["id"]: f"{r['key']} – {r['name']}" for r in tree["codes"]}
    active = {
        k: v
        for k, v in codes.items()
        if not next(r for r in tree["codes"] if r["id"] == k)["retired"]
    }
    code_id = st.selectbox(
        "Vis eller redigér kode",
        list(codes),
        format_func=codes.get,
        index=None,
        placeholder="Skriv for at søge",
        key="cb_code",
    )
    if code_id is not None:
        r = next(x for x in tree["codes"] if x["id"] == code_id)
        st.markdown(
            f"**{plain(r['name'])}** ({plain(r['key'])}, "
            f"{plain(FRAMEWORK_LABELS.get(r['framework'], r['framework']))})"
            f"  \n{plain(r['description'])}  \n**Brug når:** {plain(r['include'])}  \n"
            f"**Brug ikke når:** {plain(r['exclude'])}  \n**Eksempel:** _{plain(r['example'])}_"
        )
    if can_edit:
        tabs = st.tabs(["Tilføj", "Omdøb", "Flyt", "Slå sammen", "Udfas"])
        with tabs[0]:
            c = st.columns(2)
            c[0].text_input("ID (fx theme.ny_kode)", key="cb_add_key")
            c[1].text_input("Navn (dansk)", key="cb_add_name")
            c[0].selectbox(
                "Under koden",
                list(active),
                format_func=active.get,
                index=None,
                placeholder="(øverste niveau)",
                key="cb_add_parent",
            )
            c[1].selectbox(
                "Dimension",
                list(codebook_editor.FRAMEWORKS),
                format_func=FRAMEWORK_LABELS.get,
                index=None,
                placeholder="(som overordnet kode)",
                key="cb_add_fw",
            )
            st.text_area("Beskrivelse", key="cb_add_desc", height=68)
            c = st.columns(3)
            c[0].text_area("Brug når", key="cb_add_incl", height=68)
            c[1].text_area("Brug ikke når", key="cb_add_excl", height=68)
            c[2].text_area("Eksempel", key="cb_add_ex", height=68)
            st.button("Tilføj kode", key="cb_add", on_click=_add, args=(book_id,))
        with tabs[1]:
            st.text_input("Nyt navn", key="cb_new_name")
            st.button("Omdøb", key="cb_rename", on_click=_rename, disabled=code_id is None)
        with tabs[2]:
            st.selectbox(
                "Flyt under",
                list(active),
                format_func=active.get,
                index=None,
                placeholder="(øverste niveau)",
                key="cb_move_to",
            )
            st.button("Flyt", key="cb_move", on_click=_move, disabled=code_id is None)
        with tabs[3]:
            st.selectbox(
                "Slå den valgte kode sammen med",
                list(active),
                format_func=active.get,
                index=None,
                key="cb_merge_into",
            )
            st.button("Slå sammen", key="cb_merge", on_click=_merge, disabled=code_id is None)
        with tabs[4]:
            st.caption("En udfaset kode kan ikke længere anvendes; dens kodninger bevares.")
            sure = st.checkbox(
                "Ja, udfas koden: den forsvinder fra kodevælgerne og kan ikke anvendes igen; "
                "eksisterende kodninger og historikken bevares.",
                key="cb_retire_sure",
                disabled=code_id is None,
            )
            st.button(
                "Udfas", key="cb_retire", on_click=_retire, disabled=code_id is None or not sure
            )
        if code_id is None:
            st.caption("Vælg en kode ovenfor for at omdøbe, flytte, slå sammen eller udfase den.")
    st.subheader("Versioner")
    st.dataframe(
        frame(
            codebook_editor.list_versions(ctx, book_id),
            {
                "version": "Version",
                "at": "Tidspunkt",
                "username": "Bruger",
                "action": "Handling",
                "summary": "Ændring",
            },
        ),
        hide_index=True,
        width="stretch",
    )
