"""Coding: the project's codebooks (the coding view arrives with the coding feature)."""

from __future__ import annotations

import streamlit as st

from qualkit.services import codebooks
from qualkit.ui import state
from qualkit.ui.format import frame


def render() -> None:
    ctx = state.guard("coding.write")
    st.header("Kodning")
    books = codebooks.list_codebooks(ctx)
    if not books:
        st.info("Projektet har ingen kodebog endnu.")
        return
    for book in books:
        with st.expander(f"{book['name']} ({len(book['codes'])} koder)"):
            st.dataframe(frame(book["codes"], {"key": "ID", "name": "Navn", "framework": "Dimension"}),
                         hide_index=True, width="stretch")
