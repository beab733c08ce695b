"""The store: migrations on open, both backends, and every way opening can fail."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import select, text

from qualkit.errors import StoreError
from qualkit.services import projects
from qualkit.services.context import SYSTEM
from qualkit.store import Database
from qualkit.store.migrate import head_revision
from qualkit.store.models import AuditEvent, Project


def test_open_creates_schema_at_head(db):
    with db.engine.connect() as conn:
        rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        tables = set(db.engine.dialect.get_table_names(conn))
    assert rev == head_revision()
    assert {
        "project",
        "user_account",
        "participant",
        "interview",
        "segment",
        "coding",
        "consensus_coding",
        "delivery_event",
        "protocol",
        "audit_event",
    } <= tables


def test_project_create_writes_audit_row(db):
    pid = projects.create_project(db, SYSTEM, "Vestegn")
    with db.session() as s:
        assert s.scalar(select(Project.name).where(Project.id == pid)) == "Vestegn"
        ev = s.scalars(select(AuditEvent).where(AuditEvent.project_id == pid)).one()
    assert ev.action == "project.create" and ev.username == "system"


def test_failed_transaction_rolls_back(db):
    with pytest.raises(RuntimeError), db.session(write=True) as s:
        s.add(Project(name="half", description="", settings={}))
        s.flush()
        raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalar(select(Project).where(Project.name == "half")) is None


def test_reopen_is_idempotent(tmp_path):
    Database.open(tmp_path).close()
    again = Database.open(tmp_path)
    assert again.backup is None  # already at head: no copy made
    again.close()


def test_sqlite_uses_wal_and_foreign_keys(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_data_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Datamappen .* kan ikke oprettes"):
        Database.open(blocker / "sub")


def test_unreachable_database_url(tmp_path):
    with pytest.raises(StoreError, match="kan ikke nås"):
        Database.open(tmp_path, "postgresql://nobody:secret@127.0.0.1:1/none")


def test_unreachable_url_hides_password(tmp_path):
    with pytest.raises(StoreError) as info:
        Database.open(tmp_path, "postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(info.value)


def test_corrupt_sqlite_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "qualkit.sqlite3"
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError, match="ikke en SQLite-database"):
        Database.open(tmp_path)
    assert path.read_bytes() == junk
    assert [p.name for p in tmp_path.iterdir()] == ["qualkit.sqlite3"]


def test_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "qualkit.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE other (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="ikke en qualkit-database"):
        Database.open(tmp_path)


def test_database_from_newer_qualkit_is_refused(tmp_path):
    Database.open(tmp_path).close()
    path = tmp_path / "qualkit.sqlite3"
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="nyere qualkit"):
        Database.open(tmp_path)
    assert path.read_bytes() == before


def test_upgrade_copies_sqlite_file_aside(tmp_path):
    """An older schema is upgraded, and the old file is kept beside it first."""
    from alembic import command

    from qualkit.store.migrate import alembic_config

    Database.open(tmp_path).close()
    path = tmp_path / "qualkit.sqlite3"
    cfg = alembic_config(f"sqlite:///{path}")
    head = head_revision()
    # Pretend the file is one revision behind by stamping base-of-head where possible.
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)
    down = script.get_revision(head).down_revision
    assert down is not None, "the schema has more than one revision"
    command.downgrade(cfg, down)
    db = Database.open(tmp_path)
    assert db.backup is not None and os.path.exists(db.backup)
    db.close()
