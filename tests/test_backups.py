"""Backups before a schema upgrade (issue 11.4): SQLite through the online backup API (what
sits in the WAL included), verified, listed, expired; PostgreSQL only after a pg_dump."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from qualkit.cli import main
from qualkit.errors import StoreError
from qualkit.store import Database, backups
from qualkit.store.migrate import alembic_config, current_revision, head_revision

from .pg_server import find_bin_dir


def _one_revision_back(url: str) -> str:
    cfg = alembic_config(url)
    down = ScriptDirectory.from_config(cfg).get_revision(head_revision()).down_revision
    command.downgrade(cfg, down)
    return down


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_backup_before_upgrade(db, tmp_path, monkeypatch, capsys):
    url = _url(db)
    data = db.settings.data_dir
    db.close()
    if db.settings.is_sqlite:
        path = db.settings.sqlite_path
        # The app holds the database open; its latest work sits in the WAL, not the main file.
        app = sqlite3.connect(path)
        app.execute("PRAGMA wal_autocheckpoint=0")
        _one_revision_back(url)
        app.execute(
            "INSERT INTO project (name, description, settings, created_at) "
            "VALUES ('Seneste arbejde', '', '{}', '2026-01-01')"
        )
        app.commit()
        again = Database.open(data)
        again.close()
        app.close()
        found = backups.list_backups(data)
        assert [str(b.path) for b in found] == [again.backup]
        assert found[0].path.parent == data / "backups"
        assert (found[0].path.stat().st_mode & 0o777) == 0o600
        con = sqlite3.connect(found[0].path)
        names = [r[0] for r in con.execute("SELECT name FROM project")]
        con.close()
        assert "Seneste arbejde" in names  # the WAL's content is in the backup
        assert main(["backups", "list", "--data", str(data)]) == 0
        assert str(found[0].path) in capsys.readouterr().out
        return
    # PostgreSQL: refuse to upgrade until the admin has a pg_dump.
    monkeypatch.delenv("QUALKIT_PG_DUMP_COMMAND", raising=False)
    down = _one_revision_back(url)
    with pytest.raises(StoreError, match="pg_dump") as err:
        Database.open(data, url)
    assert "--i-have-a-backup" in str(err.value)
    monkeypatch.setenv("QUALKIT_PG_DUMP_COMMAND", "exit 3")
    with pytest.raises(StoreError, match="kode 3"):
        Database.open(data, url)
    probe = Database.open(data, url, upgrade=False)
    with probe.engine.connect() as conn:
        assert current_revision(conn) == down  # nothing was changed
    probe.close()
    dump = tmp_path / "before.dump"
    pg_dump = find_bin_dir() / "pg_dump"
    monkeypatch.setenv(
        "QUALKIT_PG_DUMP_COMMAND", f'{pg_dump} -Fc -f {dump} "$QUALKIT_DATABASE_URL"'
    )
    Database.open(data, url).close()
    assert dump.stat().st_size > 0
    monkeypatch.delenv("QUALKIT_PG_DUMP_COMMAND")
    _one_revision_back(url)
    Database.open(data, url, i_have_a_backup=True).close()
    probe = Database.open(data, url, upgrade=False)
    with probe.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    probe.close()


def test_backups_are_verified_and_expire(tmp_path, monkeypatch):
    data = tmp_path / "data"
    Database.open(data).close()
    path = data / "qualkit.sqlite3"
    first = backups.backup_sqlite(path, data, "manuel")
    backups.verify(first.path)
    # Age the first backup by 100 days (its time is in its name).
    old = first.created - timedelta(days=100)
    aged = first.path.with_name(f"qualkit-{old.strftime('%Y%m%dT%H%M%S%f')}Z-manuel.sqlite3")
    first.path.rename(aged)
    monkeypatch.setenv("QUALKIT_BACKUP_KEEP_DAYS", "0")
    backups.backup_sqlite(path, data, "manuel")
    assert len(backups.list_backups(data)) == 2  # 0 keeps all
    monkeypatch.setenv("QUALKIT_BACKUP_KEEP_DAYS", "30")
    newest = backups.backup_sqlite(path, data, "manuel")
    kept = backups.list_backups(data)
    assert aged not in [b.path for b in kept] and kept[-1].path == newest.path
    assert len(kept) == 2
    # The newest is always kept, however old.
    assert backups.expire(data, 1, now=datetime.now(UTC) + timedelta(days=400))
    assert [b.path for b in backups.list_backups(data)] == [newest.path]
    # A damaged copy is refused by verify.
    bad = data / "backups" / "x.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(StoreError):
        backups.verify(bad)
