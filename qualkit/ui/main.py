"""App shell: log-in, then navigation with the pages the user's role may see."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import users

from . import state
from .navigation import PAGES, pages_for

ROLE_LABELS = {
    "admin": "administrator",
    "evaluator": "evaluator",
    "staff": "medarbejder",
    "writer": "rapportskribent",
}


def _login_page() -> None:
    st.title("qualkit")
    st.caption(
        "Kvalitativ procesevaluering: transskription, pseudonymisering, kodning, "
        "optællinger og eksport."
    )
    with st.form("login"):
        username = st.text_input("Brugernavn")
        password = st.text_input("Adgangskode", type="password")
        submitted = st.form_submit_button("Log ind")
    if submitted:
        actor = users.authenticate(state.database(), username.strip(), password)
        if actor is None:
            st.error("Forkert brugernavn eller adgangskode.")
        else:
            state.login(actor)
            st.rerun()


def run() -> None:
    st.set_page_config(page_title="qualkit", page_icon=":material/forum:", layout="wide")
    try:
        state.database()
    except QualkitError as exc:
        st.error(str(exc))
        st.stop()
    actor = state.actor()
    if actor is None:
        nav = st.navigation([st.Page(_login_page, title="Log ind", url_path="login")])
        nav.run()
        return
    specs = pages_for(actor.role)
    pages = [st.Page(p.script, title=p.title, icon=p.icon, url_path=p.key) for p in specs]
    with st.sidebar:
        st.write(f"**{actor.username}** ({ROLE_LABELS.get(actor.role, actor.role)})")
        if st.button("Log ud"):
            state.logout()
            st.rerun()
    st.session_state["visible_pages"] = [p.key for p in specs]
    nav = st.navigation(pages)
    nav.run()


__all__ = ["run", "PAGES"]
