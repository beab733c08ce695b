"""ASGI entry for `qualkit serve` / `qualkit demo`: the app (``entry.py``) as an ``st.App``
plus the session-cookie routes of ``session_cookie.py`` (HttpOnly cookies need the server)."""

from pathlib import Path

import streamlit as st

from qualkit.ui.session_cookie import routes

app = st.App(Path(__file__).with_name("entry.py"), routes=routes())
