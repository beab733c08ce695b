"""Single sign-on (issue 13 item 6) in Chromium, against a real OpenID Connect provider run by
the test (tests/oidc_provider.py): Streamlit's st.login and Authlib do the whole code flow;
qualkit maps the e-mail to its user, opens its own session and HttpOnly cookie, refuses an
unknown or deactivated address in Danish, and logs out of both."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from qualkit.services import auth, users
from qualkit.store import Database
from qualkit.store.models import AuditEvent

from .browser_support import CHROMIUM_ARGS, free_port, require_chromium, serve_app
from .conftest import ctx_as
from .oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider

pytestmark = pytest.mark.browser


def _secrets(folder, port: int, metadata_url: str):
    where = folder.parent / "app-cwd"
    (where / ".streamlit").mkdir(parents=True)
    (where / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{metadata_url}"\n',
        encoding="utf-8",
    )
    return where


def test_sign_in_with_the_identity_provider(app_demo):
    from playwright.sync_api import expect, sync_playwright

    chromium = require_chromium()
    folder = app_demo.folder
    db = Database.open(folder)
    admin = ctx_as(db, app_demo.result.project_id, "admin")
    users.set_email(admin, "evaluator", "Evaluator@Kommune.DK")
    port = free_port()
    with oidc_provider() as idp:
        cwd = _secrets(folder, port, idp.metadata_url)
        with serve_app(folder, port=port, cwd=cwd) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            # An address no qualkit user has: refused in Danish, with a way out.
            idp.identity = {"email": "fremmed@kommune.dk", "email_verified": True}
            page.goto(url)
            page.get_by_role("button", name="Log ind med organisationens konto").click()
            expect(page.get_by_text("Ingen aktiv qualkit-bruger")).to_be_visible(timeout=30000)
            expect(page.get_by_label("Brugernavn")).to_be_visible()
            page.get_by_role("button", name="Log ud af organisationens konto").click()
            expect(
                page.get_by_role("button", name="Log ind med organisationens konto")
            ).to_be_visible(timeout=30000)
            # The evaluator's address (any case): logged in as the evaluator, qualkit's cookie.
            idp.identity = {"email": "evaluator@kommune.dk", "email_verified": True}
            page.get_by_role("button", name="Log ind med organisationens konto").click()
            expect(page.get_by_role("button", name="Log ud")).to_be_visible(timeout=30000)
            expect(page.get_by_text("evaluator (evaluator)")).to_be_visible()
            page.wait_for_timeout(1500)  # the session cookie is set by a fetch after log-in
            cookie = {c["name"]: c for c in context.cookies()}["qualkit_session"]
            assert cookie["httpOnly"] is True
            assert idp.tokens_issued == 2
            # Deactivation acts at the next load, and the identity no longer logs in.
            users.set_active(admin, "evaluator", False)
            page.reload()
            expect(page.get_by_text("Ingen aktiv qualkit-bruger")).to_be_visible(timeout=30000)
            users.set_active(admin, "evaluator", True)
            page.get_by_role("button", name="Log ud af organisationens konto").click()
            page.get_by_role("button", name="Log ind med organisationens konto").click()
            expect(page.get_by_role("button", name="Log ud")).to_be_visible(timeout=30000)
            # Log-out ends both: qualkit's session and the provider's identity.
            page.wait_for_timeout(1000)
            page.get_by_role("button", name="Log ud").click()
            expect(
                page.get_by_role("button", name="Log ind med organisationens konto")
            ).to_be_visible(timeout=30000)
            page.reload()
            expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=30000)
            expect(page.get_by_role("button", name="Log ud")).to_have_count(0)
            browser.close()
    with db.session() as s:
        events = [
            (e.action, (e.details or {}).get("method"))
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if (e.details or {}).get("method") == "oidc"
        ]
        text = " ".join(str(e.details) for e in s.scalars(select(AuditEvent)))
    db.close()
    assert events.count(("login", "oidc")) == 2
    assert ("login.failed", "oidc") in events
    assert "kommune.dk" not in text  # the address itself is never in the audit log


def test_sso_log_in_maps_the_address_and_refuses_others(app_demo):
    db = app_demo.db
    admin = ctx_as(db, app_demo.result.project_id, "admin")
    users.set_email(admin, "writer", " Writer@Example.org ")
    result = auth.sso_log_in(db, "WRITER@example.org", "https://idp.example")
    assert result.actor.username == "writer"
    assert auth.resolve(db, result.token, auth.SessionKind.WEB) == result.actor
    with pytest.raises(auth.LoginFailed, match="Ingen aktiv qualkit-bruger"):
        auth.sso_log_in(db, "nobody@example.org", "https://idp.example")
    with pytest.raises(auth.LoginFailed, match="ikke bekræftet"):
        auth.sso_log_in(db, "writer@example.org", "https://idp.example", email_verified=False)
    with pytest.raises(Exception, match="hører allerede til brugeren 'writer'"):
        users.set_email(admin, "evaluator", "writer@example.org")
    with pytest.raises(Exception, match="ikke en e-mailadresse"):
        users.set_email(admin, "evaluator", "ikke-en-adresse")
    users.set_active(admin, "writer", False)
    with pytest.raises(auth.LoginFailed):
        auth.sso_log_in(db, "writer@example.org", "https://idp.example")
