"""Delivery log: the registered deliveries (staff: own site only)."""

from __future__ import annotations

import streamlit as st

from qualkit.services import delivery
from qualkit.ui import state
from qualkit.ui.format import frame


def render() -> None:
    ctx = state.guard("delivery.log")
    st.header("Leveranceregistrering")
    rows = delivery.list_events(ctx)
    if not rows:
        st.info("Ingen registreringer endnu.")
        return
    st.dataframe(frame(rows, {"date": "Dato", "citizen_id": "Projekt-ID", "site": "Sted",
                              "component": "Komponent", "staff_id": "Medarbejder",
                              "minutes": "Minutter", "mode": "Form", "status": "Status",
                              "note": "Note"}),
                 hide_index=True, width="stretch")
    st.caption(f"{len(rows)} registreringer.")
