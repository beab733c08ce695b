"""Tallies: delivered components per component from the delivery log."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from qualkit.services import delivery
from qualkit.ui import state


def render() -> None:
    ctx = state.guard("tally.read")
    st.header("Optællinger")
    events = delivery.list_events(ctx)
    delivered = Counter(e["component"] for e in events if e["status"] == "delivered")
    st.subheader("Leverede komponenter")
    st.dataframe([{"Komponent": k, "Leveret": v} for k, v in sorted(delivered.items())],
                 hide_index=True)
