"""Delivery log: staff register what they delivered; everyone with access sees the log.

Staff find a citizen of their own site by project ID, pick a protocol component and
save; "Som sidst" fills in their last entry. Their own entries can be changed or
deleted within the project's window. The services check site, ownership and window.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from qualkit.errors import NotFound, QualkitError
from qualkit.services import delivery, delivery_warnings, projects
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain_message

if TYPE_CHECKING:
    from qualkit.services.context import Context

MODES = ["fremmøde", "telefon", "video", "hjemmebesøg", "virksomhed", "andet"]
STATUS_LABELS = {"delivered": "leveret", "no_show": "udeblevet", "cancelled": "aflyst"}
LOG_COLUMNS = {
    "date": "Dato",
    "citizen_id": "Projekt-ID",
    "site": "Sted",
    "component": "Komponent",
    "staff_id": "Medarbejder",
    "minutes": "Minutter",
    "mode": "Form",
    "status": "Status",
    "note": "Note",
}


def _same_as_last(ctx: Context, components: list[str]) -> None:
    """Callback: fill the form with the user's last entry (for this citizen if any)."""
    last = delivery.last_entry(ctx, st.session_state.get("dl_citizen") or None)
    if last is None:
        st.session_state["dl_flash"] = "Du har ingen tidligere registreringer."
        return
    if last["component"] in components:
        st.session_state["dl_component"] = last["component"]
    st.session_state["dl_minutes"] = last["minutes"]
    st.session_state["dl_mode"] = last["mode"] if last["mode"] in MODES else None
    st.session_state["dl_status"] = last["status"]


def _entry_form(ctx: Context, components: dict[str, str]) -> None:
    st.subheader("Ny registrering")
    cid = st.text_input("Projekt-ID", key="dl_citizen", placeholder="fx B07").strip()
    citizen = None
    if cid:
        try:
            citizen = delivery.find_citizen(ctx, cid)
            st.caption(
                f"Borger {citizen['citizen_id']} · {citizen['arm'] or 'ingen arm'} · "
                f"{citizen['site'] or 'intet sted'}"
            )
        except NotFound as exc:
            st.warning(plain_message(exc))
    st.button(
        "Som sidst",
        on_click=_same_as_last,
        args=(ctx, list(components)),
        key="dl_same",
        help="Udfyld komponent, minutter, form og status som ved din seneste registrering.",
    )
    if flash := st.session_state.pop("dl_flash", None):
        st.info(flash)
    # Defaults through session state only, so "Som sidst" can overwrite them without warnings.
    for key, default in (
        ("dl_component", next(iter(components))),
        ("dl_date", date.today()),
        ("dl_minutes", None),
        ("dl_mode", None),
        ("dl_status", "delivered"),
    ):
        st.session_state.setdefault(key, default)
    comp = st.selectbox(
        "Komponent", list(components), format_func=components.get, key="dl_component"
    )
    when = st.date_input("Dato", max_value=date.today(), format="DD-MM-YYYY", key="dl_date")
    minutes = st.number_input("Minutter", min_value=0.0, step=5.0, key="dl_minutes")
    mode = st.selectbox("Form", MODES, key="dl_mode", placeholder="Vælg form")
    status = st.selectbox(
        "Status", list(STATUS_LABELS), format_func=STATUS_LABELS.get, key="dl_status"
    )
    if st.session_state.pop("dl_clear_note", False):
        st.session_state["dl_note"] = ""
    note = st.text_area(
        "Note", key="dl_note", help="Skriv ikke navne, CPR-numre eller helbredsoplysninger i noten."
    )
    signature = (cid, comp, str(when), status)
    save = st.button("Gem registrering", type="primary", key="dl_save", disabled=citizen is None)
    if save and st.session_state.get("dl_warned") != signature:
        try:
            warnings = delivery_warnings.entry_warnings(ctx, cid, comp, when, status)
        except QualkitError as exc:
            st.error(plain_message(exc))
            return
        if warnings:
            st.session_state["dl_warned"] = signature
            save = False
    if not save and st.session_state.get("dl_warned") == signature:
        for w in delivery_warnings.entry_warnings(ctx, cid, comp, when, status):
            st.warning(plain_message(w.text))
        save = st.button("Gem alligevel", key="dl_save_anyway")
    if save:
        st.session_state.pop("dl_warned", None)
        try:
            delivery.log_event(
                ctx, cid, comp, when, minutes=minutes, mode=mode, status=status, note=note
            )
        except QualkitError as exc:
            st.error(plain_message(exc))
        else:
            st.session_state["dl_clear_note"] = True
            _done(f"Registreret: {components[comp]} for {cid} den {when.strftime('%d-%m-%Y')}.")


def _own_entries(ctx: Context, components: dict[str, str]) -> None:
    st.subheader("Mine registreringer")
    mine = delivery.my_events(ctx)
    hours = projects.get_setting(ctx, "staff_edit_window_hours")
    if ctx.actor.role == "staff":
        st.caption(f"Du kan rette og slette dine egne registreringer i {hours} timer.")
    if not mine:
        st.caption("Du har ingen registreringer endnu.")
        return
    st.dataframe(
        frame(
            mine,
            {
                "date": "Dato",
                "citizen_id": "Projekt-ID",
                "component": "Komponent",
                "minutes": "Minutter",
                "mode": "Form",
                "status": "Status",
                "created_at": "Registreret",
                "editable": "Kan rettes",
            },
        ),
        hide_index=True,
        width="stretch",
    )
    editable = {r["id"]: r for r in mine if r["editable"]}
    if not editable:
        st.caption("Ingen af dine registreringer kan længere rettes.")
        return
    eid = st.selectbox(
        "Ret eller slet",
        list(editable),
        key="dl_edit_id",
        format_func=lambda i: (
            f"{editable[i]['date'].strftime('%d-%m-%Y')} · "
            f"{editable[i]['citizen_id']} · {editable[i]['component']}"
        ),
    )
    r = editable[eid]
    comp_ids = list(components)
    with st.form(f"dl_edit_{eid}"):
        comp = st.selectbox(
            "Komponent",
            comp_ids,
            format_func=components.get,
            index=comp_ids.index(r["component"]) if r["component"] in comp_ids else 0,
        )
        when = st.date_input("Dato", value=r["date"], max_value=date.today(), format="DD-MM-YYYY")
        minutes = st.number_input("Minutter", min_value=0.0, step=5.0, value=r["minutes"])
        mode = st.selectbox(
            "Form", MODES, index=MODES.index(r["mode"]) if r["mode"] in MODES else None
        )
        status = st.selectbox(
            "Status",
            list(STATUS_LABELS),
            format_func=STATUS_LABELS.get,
            index=list(STATUS_LABELS).index(r["status"]),
        )
        note = st.text_area("Note", value=r["note"] or "")
        save = st.form_submit_button("Gem ændringer")
        remove = st.form_submit_button("Slet registrering")
    try:
        if save:
            delivery.update_event(
                ctx,
                eid,
                component=comp,
                when=when,
                minutes=minutes,
                mode=mode,
                status=status,
                note=note,
            )
        elif remove:
            delivery.delete_event(ctx, eid)
    except QualkitError as exc:
        st.error(plain_message(exc))
    else:
        if save or remove:
            _done("Registreringen er rettet." if save else "Registreringen er slettet.")


def _done(message: str) -> None:
    """Show the message after a rerun, so the lists above include the change."""
    st.session_state["dl_done"] = message
    st.rerun()


def render() -> None:
    ctx = state.guard("delivery.log")
    st.header("Leveranceregistrering")
    if done := st.session_state.pop("dl_done", None):
        st.success(done)
    try:
        protocol = delivery.get_protocol(ctx)
    except NotFound:
        protocol = None
    rows = delivery.list_events(ctx)
    if rows:
        st.dataframe(frame(rows, LOG_COLUMNS), hide_index=True, width="stretch")
        where = f" på {ctx.actor.site}" if ctx.actor.role == "staff" else ""
        st.caption(f"{len(rows)} registreringer{where}.")
    else:
        st.info("Ingen registreringer endnu.")
    if protocol is None:
        st.info("Projektet har ingen leveranceprotokol endnu; en evaluator kan tilføje den.")
        return
    components = {c.id: c.label for c in protocol.components}
    _entry_form(ctx, components)
    _own_entries(ctx, components)
