"""Session state helpers: the open database, the logged-in actor, the service context."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import projects
from qualkit.services.context import Actor, Context
from qualkit.store import Database


@st.cache_resource(show_spinner=False)
def _database(data_dir: str | None, url: str | None) -> Database:
    return Database.open(data_dir, url)


def database() -> Database:
    import os

    return _database(os.environ.get("QUALKIT_DATA"), os.environ.get("QUALKIT_DATABASE_URL"))


def actor() -> Actor | None:
    return st.session_state.get("actor")


def login(a: Actor) -> None:
    st.session_state["actor"] = a


def logout() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def context() -> Context:
    """The service context for the logged-in user; stops the page if nobody is logged in."""
    a = actor()
    if a is None:
        st.warning("Log ind først.")
        st.stop()
    db = database()
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
    st.error(str(exc))
