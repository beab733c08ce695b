"""Participants: the register as the user may see it (staff: own site only)."""

from __future__ import annotations

import streamlit as st

from qualkit.services import participants
from qualkit.ui import state
from qualkit.ui.format import frame


def render() -> None:
    ctx = state.guard("participant.read")
    st.header("Deltagere")
    rows = participants.list_participants(ctx)
    if ctx.actor.role == "staff":
        st.caption(f"Borgere på {ctx.actor.site}.")
    if not rows:
        st.info("Ingen deltagere i registret endnu.")
        return
    for r in rows:
        r.update({f"attr_{k}": v for k, v in r["attributes"].items()})
    attr_cols = sorted({k for r in rows for k in r if k.startswith("attr_")})
    st.dataframe(frame(rows, {"citizen_id": "Projekt-ID", "arm": "Arm", "site": "Sted",
                              "eligible": "Egnet", "randomised_date": "Randomiseret",
                              "start_date": "Start", "end_date": "Slut", "end_reason": "Sluttede pga.",
                              "withdrawn_date": "Trukket tilbage",
                              **{c: c.removeprefix("attr_") for c in attr_cols}}),
                 hide_index=True, width="stretch")
    st.caption(f"{len(rows)} personer i registret.")
