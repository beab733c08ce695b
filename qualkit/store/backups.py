"""Backups of an SQLite project database: online, complete, verified, listed, expired.

A copy of the main SQLite file misses whatever still sits in the write-ahead log
(the app may hold it open). So a backup here goes through SQLite's online backup
API, which reads the database as a connection sees it (WAL included), into a
temporary file in the data folder's ``backups/`` folder; the copy is then opened
and checked (``PRAGMA integrity_check``, the schema version readable) before it
is renamed to its final name. Files are 0600, the folder 0700.

``list_backups`` is the one listing (``qualkit backups list``, and the withdrawal
of a participant, which must reach the backups too). Backups older than the
configured expiry (``QUALKIT_BACKUP_KEEP_DAYS``, default 90 days; 0 keeps all)
are removed after each new backup, the newest always kept.

PostgreSQL is backed up by its own tool, ``pg_dump``: see ``store/migrate.py``.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from qualkit.errors import StoreError
from qualkit.messages import os_reason

from . import db_errors

FOLDER = "backups"
KEEP_DAYS_ENV = "QUALKIT_BACKUP_KEEP_DAYS"
DEFAULT_KEEP_DAYS = 90
_NAME = re.compile(r"^qualkit-(\d{8}T\d{6}\d{6})Z-([a-z0-9_-]+)\.sqlite3$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: datetime  # UTC
    reason: str
    size: int


def backups_dir(data_dir: Path) -> Path:
    """``<data>/backups`` (made 0700 if missing)."""
    folder = Path(data_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def keep_days() -> int:
    raw = os.environ.get(KEEP_DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_KEEP_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise StoreError(
            f"{KEEP_DAYS_ENV}={raw!r}: skal være et helt antal dage (0 = behold alle)."
        ) from None
    if days < 0:
        raise StoreError(f"{KEEP_DAYS_ENV}={raw!r}: skal være 0 eller flere dage.")
    return days


def verify(path: Path) -> None:
    """Open a backup and check it is an intact qualkit database; StoreError if not."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()
            version = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        found = db_errors.reason(exc)
        if found is db_errors.SCHEMA:  # no alembic_version table: not a qualkit database
            raise StoreError(f"{path}: sikkerhedskopien har ingen qualkit-skemaversion.") from None
        raise StoreError(f"{path}: sikkerhedskopien kan ikke åbnes ({found.text}).") from None
    if not ok or ok[0] != "ok":
        raise StoreError(f"{path}: sikkerhedskopien er beskadiget ({ok[0] if ok else '?'}).")
    if not version:
        raise StoreError(f"{path}: sikkerhedskopien har ingen qualkit-skemaversion.")


def backup_sqlite(sqlite_path: Path, data_dir: Path, reason: str = "manuel") -> BackupInfo:
    """An online, verified copy of the database in ``<data>/backups``; returns it."""
    reason = re.sub(r"[^a-z0-9_-]+", "-", reason.lower()).strip("-") or "manuel"
    folder = backups_dir(data_dir)
    now = datetime.now(UTC)
    name = f"qualkit-{now.strftime('%Y%m%dT%H%M%S%f')}Z-{reason}.sqlite3"
    final = folder / name
    part = folder / f".{name}.part"
    try:
        src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True, timeout=30)
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            dst = sqlite3.connect(part)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
        verify(part)
        os.chmod(part, 0o600)
        os.replace(part, final)
    except (sqlite3.Error, OSError) as exc:
        part.unlink(missing_ok=True)
        why = os_reason(exc) if isinstance(exc, OSError) else db_errors.reason(exc).text
        raise StoreError(
            f"Sikkerhedskopien af {sqlite_path} kunne ikke laves ({why}); intet blev ændret."
        ) from None
    except StoreError:
        part.unlink(missing_ok=True)
        raise
    expire(data_dir)
    return BackupInfo(final, now, reason, final.stat().st_size)


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """Every backup in ``<data>/backups``, oldest first."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    out = []
    for p in folder.iterdir():
        m = _NAME.match(p.name)
        if not m or not p.is_file():
            continue
        created = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
        out.append(BackupInfo(p, created, m.group(2), p.stat().st_size))
    return sorted(out, key=lambda b: b.created)


def expire(data_dir: Path, days: int | None = None, now: datetime | None = None) -> list[Path]:
    """Remove backups older than ``days`` (default: the configured expiry), never the newest."""
    days = keep_days() if days is None else days
    if days <= 0:
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    found = list_backups(data_dir)
    removed = []
    for b in found[:-1]:
        if b.created < cutoff:
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
    return removed
