"""Administration: users and roles, project settings, audit trail."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import audit, users
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain_message


def render() -> None:
    ctx = state.guard("user.manage")
    st.header("Administration")
    st.subheader("Brugere")
    st.dataframe(
        frame(
            users.list_users(ctx),
            {
                "username": "Brugernavn",
                "display_name": "Navn",
                "role": "Rolle",
                "site": "Sted",
                "active": "Aktiv",
            },
        ),
        hide_index=True,
        width="stretch",
    )
    sites = _register_sites(ctx)
    with st.form("new_user"):
        st.write("Ny bruger")
        username = st.text_input("Brugernavn")
        role = st.selectbox("Rolle", users.ROLES)
        site = st.selectbox("Sted (skal vælges for medarbejdere)", ["", *sites], key="new_site")
        if st.form_submit_button("Opret bruger"):
            try:
                password = users.new_password()
                users.create_user(ctx, username.strip(), role, password, site=site or None)
                st.success(f"Bruger {username} oprettet. Adgangskode (vises kun nu): {password}")
            except QualkitError as exc:
                st.error(plain_message(exc))
    _manage_users(ctx, sites)
    st.subheader("Revisionslog")
    st.dataframe(
        frame(
            audit.list_events(ctx, limit=200),
            {
                "at": "Tidspunkt",
                "username": "Bruger",
                "action": "Handling",
                "target_type": "Objekt",
                "target_id": "ID",
            },
        ),
        hide_index=True,
        width="stretch",
    )


def _register_sites(ctx) -> list[str]:
    from qualkit.services import participants

    try:
        return sorted({p["site"] for p in participants.list_participants(ctx) if p.get("site")})
    except QualkitError:
        return []


def _manage_users(ctx, sites: list[str]) -> None:
    """Deactivate, reactivate, reset a password, change a role (each acts at once)."""
    st.subheader("Ret bruger")
    names = [u["username"] for u in users.list_users(ctx)]
    if not names:
        return
    name = st.selectbox("Bruger", names, key="manage_user")
    info = next(u for u in users.list_users(ctx) if u["username"] == name)
    c1, c2, c3 = st.columns(3)
    try:
        if info["active"]:
            if c1.button("Deaktiver", key="user_deactivate"):
                users.set_active(ctx, name, False)
                st.success(f"{name} er deaktiveret og logget ud overalt.")
        elif c1.button("Genaktiver", key="user_reactivate"):
            users.set_active(ctx, name, True)
            st.success(f"{name} er aktiv igen.")
        if c2.button("Nulstil adgangskode", key="user_reset"):
            password = users.new_password()
            users.set_password(ctx, name, password)
            st.success(f"Ny adgangskode til {name} (vises kun nu): {password}")
        roles = list(users.ROLES)
        new_role = c3.selectbox("Rolle", roles, index=roles.index(info["role"]), key="user_role")
        new_site = c3.selectbox(
            "Sted",
            ["", *sites],
            index=([""] + sites).index(info["site"]) if info["site"] in sites else 0,
            key="user_site",
        )
        if c3.button("Skift rolle", key="user_set_role"):
            users.set_role(ctx, name, new_role, site=new_site or None)
            st.success(f"{name} har nu rollen {new_role}.")
        # Single sign-on (ui/sso.py) maps the identity provider's e-mail to this user.
        email = st.text_input(
            "E-mail til single sign-on (tom: kun adgangskode)",
            value=info["email"] or "",
            key=f"user_email_{name}",
        )
        if st.button("Gem e-mail", key="user_set_email"):
            users.set_email(ctx, name, email or None)
            st.success(f"{name}: e-mail til single sign-on er gemt.")
    except QualkitError as exc:
        st.error(plain_message(exc))
