"""Participants: the register as the user may see it (staff: own site only), and imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import delivery, participants
from qualkit.services.permissions import allowed
from qualkit.tabular import TableErrors
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain_message

if TYPE_CHECKING:
    from qualkit.services.context import Context


def _problems(exc: TableErrors) -> None:
    st.error(f"{len(exc.problems)} række(r) afvist; intet blev gemt. Ret filen og prøv igen.")
    st.dataframe(
        [
            {"Fil": p.path, "Række": p.row, "Kolonne": p.column or "", "Årsag": p.message}
            for p in exc.problems
        ],
        hide_index=True,
        width="stretch",
    )


def _import_section(ctx: Context) -> None:
    st.subheader("Import")
    st.caption(
        "CSV (`;` eller `,`) eller .xlsx. Hele filen kontrolleres før noget gemmes; "
        "en genimport opdaterer borgere efter projekt-ID (kun de kolonner filen har; en tom "
        "celle i en kolonne rydder feltet), og hændelser der allerede "
        "findes (samme borger, dato, komponent, medarbejder, minutter, form, status og "
        "note) springes over."
    )
    left, right = st.columns(2)
    with left:
        reg = st.file_uploader(
            "Deltagerregister (CSV eller Excel)", type=["csv", "xlsx"], key="imp_register"
        )
        preview = st.button(
            "Vis ændringer (gem intet)", disabled=reg is None, key="imp_register_dry"
        )
        go = st.button("Importér register", disabled=reg is None, key="imp_register_go")
        if preview or go:
            try:
                r = participants.import_upload(ctx, reg.name, reg.getvalue(), dry_run=preview)
                (st.info if preview else st.success)(r.summary_da())
                if r.changed:
                    st.dataframe(
                        [
                            {"borger": c.citizen_id, "felter": ", ".join(c.fields)}
                            for c in r.changed
                        ],
                        hide_index=True,
                    )
            except TableErrors as exc:
                _problems(exc)
            except QualkitError as exc:
                st.error(plain_message(exc))
    with right:
        if not allowed(ctx.actor.role, "delivery.import"):
            return
        log = st.file_uploader(
            "Leverancelog (CSV eller Excel)", type=["csv", "xlsx"], key="imp_log"
        )
        if st.button("Importér log", disabled=log is None, key="imp_log_go"):
            try:
                counts = delivery.import_events_upload(ctx, log.name, log.getvalue())
                st.success(
                    f"{counts.created} nye registreringer; {counts.skipped} fandtes allerede."
                )
            except TableErrors as exc:
                _problems(exc)
            except QualkitError as exc:
                st.error(plain_message(exc))


def render() -> None:
    ctx = state.guard("participant.read")
    st.header("Deltagere")
    rows = participants.list_participants(ctx)
    if ctx.actor.role == "staff":
        st.caption(f"Borgere på {ctx.actor.site}.")
    if not rows:
        st.info("Ingen deltagere i registret endnu.")
    else:
        for r in rows:
            r.update({f"attr_{k}": v for k, v in r["attributes"].items()})
        attr_cols = sorted({k for r in rows for k in r if k.startswith("attr_")})
        st.dataframe(
            frame(
                rows,
                {
                    "citizen_id": "Projekt-ID",
                    "arm": "Arm",
                    "site": "Sted",
                    "eligible": "Egnet",
                    "randomised_date": "Randomiseret",
                    "start_date": "Start",
                    "end_date": "Slut",
                    "end_reason": "Sluttede pga.",
                    "dropout_date": "Frafaldet (data bevaret)",
                    "dropout_reason": "Frafaldsårsag",
                    "withdrawn_date": "Samtykke trukket tilbage",
                    **{c: c.removeprefix("attr_") for c in attr_cols},
                },
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(f"{len(rows)} personer i registret.")
    if allowed(ctx.actor.role, "participant.import"):
        _import_section(ctx)
