"""Session state helpers: the open database, the logged-in actor, the service context."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import projects
from qualkit.services.context import Actor, Context
from qualkit.store import Database
from qualkit.ui.plain import plain_message


@st.cache_resource(show_spinner=False)
def _database(data_dir: str | None, url: str | None) -> Database:
    return Database.open(data_dir, url)


def database() -> Database:
    import os

    return _database(os.environ.get("QUALKIT_DATA"), os.environ.get("QUALKIT_DATABASE_URL"))


SESSION_TOKEN = "session_token"


def _cookie_token() -> str | None:
    """The token of the signed session cookie the browser sent, if any."""
    from .session_cookie import COOKIE, unsign

    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser request (AppTest, bare mode)
        return None
    try:
        return unsign(value)
    except QualkitError:
        return None


def actor() -> Actor | None:
    """The logged-in user, re-read from the database on every run (deactivation, role
    changes, log-out elsewhere and the idle timeout act at the next click)."""
    from qualkit.services import auth, users

    db = database()
    token = st.session_state.get(SESSION_TOKEN)
    from_cookie = False
    if token is None and "actor" not in st.session_state:
        cookie = _cookie_token()  # a reload, a bookmark or a deep link
        if cookie is not None and cookie != st.session_state.get("_dead_cookie"):
            token, from_cookie = cookie, True
    if token is not None:
        a = auth.resolve(db, token, auth.SessionKind.WEB)
    else:
        a = st.session_state.get("actor")
        a = users.current(db, a) if a is not None else None
    if a is None:
        if from_cookie:  # an old cookie: forget it, keep the log-in form's state
            st.session_state["_dead_cookie"] = token
        elif token is not None or "actor" in st.session_state:
            _clear()  # the session ended (log-out elsewhere, deactivation, idle timeout)
        return None
    if from_cookie:
        st.session_state[SESSION_TOKEN] = token
    st.session_state["actor"] = a
    return a


def login(result) -> None:
    """After a successful log-in (services.auth.LoginResult): remember it in this browser."""
    from .session_cookie import handoff

    st.session_state["actor"] = result.actor
    st.session_state[SESSION_TOKEN] = result.token
    st.session_state["cookie_code"] = handoff(result.token)


def _clear() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def logout() -> None:
    from qualkit.services import auth

    auth.log_out(database(), st.session_state.get(SESSION_TOKEN))
    _clear()
    st.session_state["cookie_clear"] = True


def cookie_scripts() -> None:
    """Run once in the browser: trade a fresh log-in's code for the HttpOnly cookie, or
    clear the cookie after log-out (the routes in session_cookie.py)."""
    from .session_cookie import clear_cookie_script, set_cookie_script

    code = st.session_state.pop("cookie_code", None)
    if code:
        st.html(set_cookie_script(code), unsafe_allow_javascript=True)
    if st.session_state.pop("cookie_clear", False):
        st.html(clear_cookie_script(), unsafe_allow_javascript=True)


def context() -> Context:
    """The service context for the logged-in user; stops the page if nobody is logged in."""
    from qualkit.services import users

    a = st.session_state.get("actor")
    db = database()
    a = users.current(db, a) if a is not None else None  # re-read: role, active
    if a is None:
        _clear()
        st.warning("Log ind først.")
        st.stop()
    st.session_state["actor"] = a
    if "project_id" not in st.session_state:
        st.session_state["project_id"] = projects.find_project(db)
    return Context(db, a, st.session_state["project_id"])


def guard(capability: str) -> Context:
    """Context for a page that needs a capability; shows a refusal and stops otherwise.

    The services check again: this only spares the user a page of errors.
    """
    from qualkit.services.permissions import allowed

    ctx = context()
    if not allowed(ctx.actor.role, capability):
        from qualkit.messages import label

        st.error(
            f"Adgang nægtet: rollen {label('role', ctx.actor.role)} har ikke adgang til denne side."
        )
        st.stop()
    return ctx


def show_error(exc: QualkitError) -> None:
    st.error(plain_message(exc))
