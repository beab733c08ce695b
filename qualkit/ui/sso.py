"""Single sign-on through the organisation's identity provider (OpenID Connect), optional.

Configured the way Streamlit's ``st.login`` is: an ``[auth]`` section in
``.streamlit/secrets.toml`` (``redirect_uri`` ending in ``/oauth2callback``, ``cookie_secret``,
``client_id``, ``client_secret``, ``server_metadata_url``; or one named provider section such
as ``[auth.microsoft]``). Without it the log-in page shows the password form only.

After the provider's redirect, ``st.user`` holds the identity; ``resume`` maps its e-mail to
an active qualkit user (``services.auth.sso_log_in``) and opens the same server-side session
and HttpOnly cookie as a password log-in, so log-out, deactivation and the idle timeout act
the same way. An address no active user has is refused in Danish, once per address.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services.context import Actor

from . import state
from .plain import plain_message

REFUSED = "_sso_refused"
ERROR = "_sso_error"


def provider() -> str | None:
    """ "" for the one unnamed provider, its name for a named one, None if not configured."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all (Streamlit raises its own error type)
        return None
    if not isinstance(section, Mapping):
        return None
    if "server_metadata_url" in section:
        return ""
    for name, value in section.items():
        if isinstance(value, Mapping) and "server_metadata_url" in value:
            return str(name)
    return None


def configured() -> bool:
    return provider() is not None


def resume() -> Actor | None:
    """The qualkit user of the identity the provider vouched for, logged in; else None."""
    if not configured() or not st.user.is_logged_in:
        return None
    from qualkit.services import auth

    email = str(st.user.get("email") or "")
    if st.session_state.get(REFUSED) == email:
        return None
    verified = st.user.get("email_verified")
    try:
        result = auth.sso_log_in(
            state.database(),
            email,
            str(st.user.get("iss") or ""),
            verified if isinstance(verified, bool) else None,
        )
    except QualkitError as exc:
        st.session_state[REFUSED] = email
        st.session_state[ERROR] = plain_message(exc)
        return None
    state.login(result)
    return result.actor


def login_buttons() -> None:
    """On the log-in page: sign in with the provider, or leave a refused identity."""
    name = provider()
    if name is None:
        return
    if error := st.session_state.get(ERROR):
        st.error(error)
    if st.user.is_logged_in:
        st.button("Log ud af organisationens konto", key="sso_logout", on_click=st.logout)
        return
    st.button(
        "Log ind med organisationens konto",
        key="sso_login",
        on_click=st.login,
        args=(name,) if name else (),
    )


def end() -> bool:
    """After qualkit's log-out: end the provider's identity in this browser too; True when the
    browser is sent to Streamlit's log-out route (the caller must not rerun over it)."""
    if configured() and st.user.is_logged_in:
        st.logout()
        return True
    return False
