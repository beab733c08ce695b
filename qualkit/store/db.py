"""Opening a project's database: folder checks, engine set-up, upgrade, sessions.

``Database.open`` is the one way in. It turns every way opening can fail (a
folder that cannot be made, a server that does not answer, a file that is not
SQLite, a schema from a newer qualkit) into one StoreError line, and changes
nothing on disk when it fails.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from qualkit import logs
from qualkit.config import Settings, resolve_settings
from qualkit.errors import StoreError

from . import migrate

SQLITE_MAGIC = b"SQLite format 3\x00"


def _ensure_data_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the data folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise StoreError(f"The data folder {folder} is not writable.")


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not an intact SQLite database before touching it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not an SQLite database (corrupt or another file); "
            "nothing was changed. Restore it from a backup or choose another --data folder."
        )
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA quick_check").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path} is a damaged SQLite database ({exc}); nothing was changed."
        ) from None
    if not result or result[0] != "ok":
        raise StoreError(
            f"{path} failed SQLite's integrity check ({result[0] if result else '?'}); "
            "nothing was changed."
        )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        engine = create_engine(settings.database_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    url = settings.database_url
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


class Database:
    """An open, up-to-date project database."""

    def __init__(self, settings: Settings, engine: Engine, backup: str | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.backup = backup
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        data_dir: str | os.PathLike | None = None,
        database_url: str | None = None,
        upgrade: bool = True,
    ) -> Database:
        settings = resolve_settings(data_dir, database_url)
        _ensure_data_dir(settings.data_dir)
        if settings.sqlite_path is not None:
            _check_sqlite_file(settings.sqlite_path)
        engine = make_engine(settings)
        shown = engine.url.render_as_string(hide_password=True)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"Cannot reach the database at {shown}: {reason}") from None
        backup = None
        if upgrade:
            try:
                backup = migrate.upgrade(engine, settings.sqlite_path)
            except StoreError:
                engine.dispose()
                raise
        logs.log_to_folder(settings.data_dir)  # only once it opened: a refusal changes nothing
        if backup:
            logging.getLogger(__name__).info("schema upgraded; previous file kept as %s", backup)
        return cls(settings, engine, backup)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
