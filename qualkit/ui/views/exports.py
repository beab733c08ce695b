"""Exports: what can be exported from this project."""

from __future__ import annotations

import streamlit as st

from qualkit.services import interviews
from qualkit.ui import state


def render() -> None:
    ctx = state.guard("export")
    st.header("Eksport")
    n = len(interviews.list_interviews(ctx))
    st.write(f"Projektet har {n} interviews, der kan eksporteres.")
