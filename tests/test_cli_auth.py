"""CLI identity on a shared database (issue 10, item 8): `qualkit login|logout`, tokens,
`--user` alone refused, `QUALKIT_TOKEN`, throttling, audit; no URL password printed."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from qualkit.cli import main
from qualkit.services import projects, users
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database
from qualkit.store.models import AuditEvent, AuthSession, User

from .pg_server import create_database

PASSWORD = "rigtig-adgangskode-1"


@pytest.fixture
def shared(pg_admin_url, tmp_path, monkeypatch):
    """A team database on PostgreSQL with an admin and an evaluator; a private config dir."""
    url = create_database(pg_admin_url)
    db = Database.open(tmp_path / "data", url)
    pid = projects.create_project(db, SYSTEM, "Teamprojekt")
    ctx = Context(db, SYSTEM, pid)
    users.create_user(ctx, "admin", "admin", PASSWORD)
    users.create_user(ctx, "eva", "evaluator", PASSWORD)
    monkeypatch.setenv("QUALKIT_DATABASE_URL", url)
    monkeypatch.setenv("QUALKIT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("QUALKIT_USER", raising=False)
    monkeypatch.delenv("QUALKIT_TOKEN", raising=False)
    yield db
    db.close()


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _usernames(db: Database) -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(User.username)))


@pytest.mark.postgres
def test_bare_user_is_refused_and_login_acts_as_the_user(shared, monkeypatch, capsys, tmp_path):
    db = shared
    # The attack: an unauthenticated claim creates an admin.
    code, out, err = run(
        monkeypatch, capsys, ["users", "add", "mallory", "--role", "admin", "--user", "admin"]
    )
    assert code != 0 and "delt database" in err and "qualkit login" in err
    assert len(err.strip().splitlines()) == 1
    assert "mallory" not in _usernames(db)
    # Wrong password: refused, audited.
    code, _, err = run(monkeypatch, capsys, ["login", "--user", "admin"], "forkert\n")
    assert code != 0 and "Forkert brugernavn eller adgangskode" in err
    code, out, err = run(monkeypatch, capsys, ["login", "--user", "admin"], PASSWORD + "\n")
    assert code == 0, err
    assert PASSWORD not in out + err
    token_file = tmp_path / "cfg" / "qualkit" / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    token = next(iter(json.loads(token_file.read_text()).values()))
    with db.session() as s:
        row = s.scalar(select(AuthSession))
        assert row.token_hash != token and len(row.token_hash) == 64 and row.kind == "cli"
    # Now commands act as admin, audited as admin.
    code, out, err = run(monkeypatch, capsys, ["users", "add", "wendy", "--role", "writer"])
    assert code == 0, err
    with db.session() as s:
        ev = s.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "user.create")
            .order_by(AuditEvent.id.desc())
        )
        assert ev.username == "admin" and ev.details["username"] == "wendy"
        fails = s.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
        assert [f.username for f in fails] == ["admin"]
    # --user cannot switch identity.
    code, _, err = run(monkeypatch, capsys, ["users", "list", "--user", "eva"])
    assert code != 0 and "logget ind som admin" in err
    # QUALKIT_TOKEN carries it for scripts (no token file in this config dir).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg2"))
    code, _, err = run(monkeypatch, capsys, ["users", "list"])
    assert code != 0
    monkeypatch.setenv("QUALKIT_TOKEN", token)
    code, out, err = run(monkeypatch, capsys, ["users", "list"])
    assert code == 0 and "wendy" in out, err
    # Log-out revokes the token everywhere.
    code, out, _ = run(monkeypatch, capsys, ["logout"])
    assert code == 0 and "Logget ud" in out
    code, _, err = run(monkeypatch, capsys, ["users", "list"])
    assert code != 0 and "udløbet eller tilbagekaldt" in err


@pytest.mark.postgres
def test_tokens_expire_and_deactivation_revokes(shared, monkeypatch, capsys):
    db = shared
    assert run(monkeypatch, capsys, ["login", "--user", "eva"], PASSWORD + "\n")[0] == 0
    assert run(monkeypatch, capsys, ["participants", "list"])[0] == 0
    with db.session(write=True) as s:
        s.execute(update(AuthSession).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    code, _, err = run(monkeypatch, capsys, ["participants", "list"])
    assert code != 0 and "udløbet" in err
    assert run(monkeypatch, capsys, ["login", "--user", "eva"], PASSWORD + "\n")[0] == 0
    admin = Context(db, users.actor_for(db, "admin"), projects.find_project(db))
    users.set_active(admin, "eva", False)
    code, _, err = run(monkeypatch, capsys, ["participants", "list"])
    assert code != 0


@pytest.mark.postgres
def test_repeated_wrong_passwords_lock_the_name(shared, monkeypatch, capsys):
    db = shared
    for _ in range(5):
        assert run(monkeypatch, capsys, ["login", "--user", "admin"], "gæt\n")[0] != 0
    code, _, err = run(monkeypatch, capsys, ["login", "--user", "admin"], PASSWORD + "\n")
    assert code != 0 and "låst" in err  # the right password waits out the lock-out
    with db.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("login.failed") == 5 and "login.lockout" in actions
    assert "login.refused" in actions and "login" not in actions


def test_local_sqlite_folder_acts_as_its_owner(sqlite_db, monkeypatch, capsys):
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    monkeypatch.delenv("QUALKIT_TOKEN", raising=False)
    projects.create_project(sqlite_db, SYSTEM, "Lokalt")
    code, out, err = run(
        monkeypatch,
        capsys,
        ["users", "add", "lene", "--role", "writer", "--data", str(sqlite_db.settings.data_dir)],
    )
    assert code == 0, err
    with sqlite_db.session() as s:
        ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
        assert ev.username.startswith("local:")


@pytest.mark.postgres
def test_demo_never_prints_the_database_password(pg_admin_url, tmp_path):
    url = create_database(pg_admin_url)
    head, tail = url.split("://", 1)
    userinfo, rest = tail.split("@", 1)
    secret_url = f"{head}://{userinfo.split(':')[0]}:hemmeligt-pw-42@{rest}"
    env = {
        **os.environ,
        "QUALKIT_DATABASE_URL": secret_url,
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    r = subprocess.run(
        [sys.executable, "-m", "qualkit", "demo", "--no-serve", "--data", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert r.returncode == 0, r.stderr
    assert "hemmeligt-pw-42" not in r.stdout + r.stderr
