"""Administration: users and roles, project settings, audit trail."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import audit, users
from qualkit.ui import state
from qualkit.ui.format import frame


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
    with st.form("new_user"):
        st.write("Ny bruger")
        username = st.text_input("Brugernavn")
        role = st.selectbox("Rolle", users.ROLES)
        site = st.text_input("Sted (kun medarbejdere)")
        if st.form_submit_button("Opret bruger"):
            try:
                password = users.new_password()
                users.create_user(ctx, username.strip(), role, password, site=site.strip() or None)
                st.success(f"Bruger {username} oprettet. Adgangskode (vises kun nu): {password}")
            except QualkitError as exc:
                st.error(str(exc))
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
