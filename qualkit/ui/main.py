"""App shell: log-in, then navigation with the pages the user's role may see.

Every run re-reads the user (``state.actor``): from this browser tab's session, or from the
signed HttpOnly session cookie after a reload, a bookmark or a deep link. Every page path
exists in the navigation whatever the state: logged out it shows the log-in form and, once
logged in, the page asked for; a page the role may not see shows a Danish refusal.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.ui.plain import plain_message

from . import sso, state
from .chrome import danish_chrome
from .navigation import PAGES, PageSpec, pages_for

ICON = Path(__file__).with_name("icon.png")  # local: the app fetches nothing from outside
ROLE_LABELS = {
    "admin": "administrator",
    "evaluator": "evaluator",
    "staff": "medarbejder",
    "writer": "rapportskribent",
}


def _login_page() -> None:
    from qualkit.services import auth

    st.title("qualkit")
    st.caption(
        "Kvalitativ procesevaluering: transskription, pseudonymisering, kodning, "
        "optællinger og eksport."
    )
    with st.form("login"):
        username = st.text_input("Brugernavn")
        password = st.text_input("Adgangskode", type="password")
        submitted = st.form_submit_button("Log ind")
    sso.login_buttons()
    if submitted:
        try:
            result = auth.log_in(state.database(), username.strip(), password, auth.SessionKind.WEB)
        except QualkitError as exc:  # wrong password, or locked out for a while
            st.error(plain_message(exc))
        else:
            state.login(result)
            st.rerun()


def _login_for(spec: PageSpec) -> Callable[[], None]:
    def page() -> None:
        _login_page()

    page.__name__ = f"login_{spec.key}"
    return page


def _refusal(spec: PageSpec, role: str) -> Callable[[], None]:
    def page() -> None:
        st.error(
            f"Adgang nægtet: rollen '{ROLE_LABELS.get(role, role)}' har ikke adgang til "
            f"siden '{spec.title}'."
        )

    page.__name__ = f"refuse_{spec.key}"
    return page


def run() -> None:
    os.umask(0o077)  # files the app writes (audio, exports) are their owner's only
    st.set_page_config(page_title="qualkit", page_icon=str(ICON), layout="wide")
    danish_chrome()
    try:
        state.database()
    except QualkitError as exc:
        st.error(plain_message(exc))
        st.stop()
    actor = state.actor()
    if actor is None:
        actor = sso.resume()  # back from the organisation's identity provider
    state.cookie_scripts()
    if actor is None:
        pages = [st.Page(_login_page, title="Log ind", url_path="login", default=True)]
        pages += [
            st.Page(_login_for(p), title=p.title, url_path=p.key, visibility="hidden")
            for p in PAGES
        ]
        st.navigation(pages, position="hidden").run()
        return
    specs = pages_for(actor.role)
    pages = [st.Page(p.script, title=p.title, icon=p.icon, url_path=p.key) for p in specs]
    allowed = {p.key for p in specs}
    pages += [
        st.Page(_refusal(p, actor.role), title=p.title, url_path=p.key, visibility="hidden")
        for p in PAGES
        if p.key not in allowed
    ]
    if pages:
        start = pages[0]
        pages.append(
            st.Page(
                lambda: st.switch_page(start),
                title="Log ind",
                url_path="login",
                visibility="hidden",
            )
        )
    with st.sidebar:
        st.write(f"**{actor.username}** ({ROLE_LABELS.get(actor.role, actor.role)})")
        if st.button("Log ud"):
            state.logout()
            if not sso.end():  # the provider's log-out navigates the browser itself
                st.rerun()
    st.session_state["visible_pages"] = [p.key for p in specs]
    # Every page listed: collapsed, Streamlit would cut the list with an English "View N more".
    nav = st.navigation(pages, expanded=True)
    nav.run()


__all__ = ["run", "PAGES"]
