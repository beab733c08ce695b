"""ASGI entry for `qualkit serve` / `qualkit demo`: the app (``qualkit/streamlit_entry.py``)
as an ``st.App`` plus the session-cookie routes of ``session_cookie.py`` (an HttpOnly
cookie can only be set by the server)."""

from pathlib import Path

import streamlit as st

from qualkit.ui.session_cookie import routes

ENTRY = Path(__file__).resolve().parents[1] / "streamlit_entry.py"

app = st.App(ENTRY, routes=routes())
