"""Opening a project's database: folder checks, engine set-up, upgrade, sessions.

``Database.open`` is the one way in. It turns every way opening can fail (a
folder that cannot be made, a server that does not answer, a file that is not
SQLite, a schema from a newer qualkit) into one StoreError line, and changes
nothing on disk when it fails.

Two kinds of session, and the difference is enforced, not a convention: a plain
``Database.session()`` only reads. Its flush refuses new, changed or deleted
objects (``before_flush``) and its connection refuses any SQL that is not a read
(``before_cursor_execute`` on the ``qualkit_read`` execution option: INSERT,
UPDATE, DELETE, DDL, via the ORM, Core or ``text()``), raising ``WriteOutsideRetry``
before anything reaches the database. So every write must go through
``services/_retry.write``, which opens ``session(write=True)`` and re-runs the whole
transaction on a transient conflict. (``tests/test_write_paths.py`` also checks the
source statically.)
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
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
from qualkit.errors import DatabaseConflict, StoreError, WriteOutsideRetry
from qualkit.messages import os_reason

from . import db_errors, migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLite files this process holds open (count of open Database objects per file). Closing any
# other descriptor of a database file cancels every POSIX lock the process holds on it (SQLite's
# "how to corrupt" 2.2): another process may then reset the WAL under live connections and
# writes are lost. So a file already open here is not read again outside SQLite.
_OPEN_FILES: dict[Path, int] = {}
_OPEN_LOCK = threading.Lock()


def _release(path: Path | None) -> None:
    """One Database on ``path`` fewer (closed, or its open failed)."""
    if path is None:
        return
    with _OPEN_LOCK:
        left = _OPEN_FILES.get(path, 1) - 1
        if left > 0:
            _OPEN_FILES[path] = left
        else:
            _OPEN_FILES.pop(path, None)


def _ensure_data_dir(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Datamappen {folder} kan ikke oprettes ({os_reason(exc)}).") from None
    if not os.access(folder, os.W_OK):
        raise StoreError(f"Der kan ikke skrives i datamappen {folder}.")
    _make_private(folder)


def _make_private(folder: Path) -> None:
    """The data folder 0700 and the files qualkit keeps in it 0600 (owner only)."""
    try:
        if folder.stat().st_uid != os.getuid():
            return  # not ours to change
        os.chmod(folder, 0o700)
        for sub in (folder, folder / "audio", folder / "backups"):
            if not sub.is_dir():
                continue
            os.chmod(sub, 0o700)
            for p in sub.iterdir():
                if p.is_file() and not p.is_symlink() and p.stat().st_mode & 0o077:
                    os.chmod(p, 0o600)
    except OSError:
        pass  # a read-only or foreign folder: opening goes on, the checks below speak


def _create_private(path: Path) -> None:
    """Create an empty SQLite file 0600 before SQLite does (its -wal/-shm follow its mode)."""
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError:
            pass


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not an intact SQLite database before touching it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != SQLITE_MAGIC:
        raise StoreError(
            f"{path} er ikke en SQLite-database (beskadiget eller en anden fil); "
            "intet blev ændret. Gendan den fra en sikkerhedskopi, eller vælg en anden --data-mappe."
        )
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA quick_check").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        why = db_errors.reason(exc).text
        raise StoreError(
            f"{path} kan ikke bruges som SQLite-database ({why}); intet blev ændret."
        ) from None
    if not result or result[0] != "ok":
        raise StoreError(
            f"{path} bestod ikke SQLites integritetstjek ({result[0] if result else '?'}); "
            "intet blev ændret."
        )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # qualkit, not the sqlite3 module, begins transactions (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA secure_delete=ON")  # deleted text (withdrawal) is overwritten on disk
    cur.close()


WRITE_OPTION = "qualkit_write"
READ_OPTION = "qualkit_read"
# SQL a read session may run: queries, and the transaction and pragma lines SQLite needs.
_READ_VERBS = frozenset(
    {"SELECT", "WITH", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "EXPLAIN"}
    | {"SHOW", "SET"}
)


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A read session's flush: nothing new, changed or deleted may reach the database."""
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise WriteOutsideRetry(
            "write through a read session (Database.session()); use services._retry.write"
        )


def _refuse_write_sql(conn, _cursor, statement: str, _params, _context, _many) -> None:
    """A read connection runs only reads: INSERT/UPDATE/DELETE/DDL never reach the server."""
    if not conn.get_execution_options().get(READ_OPTION):
        return
    verb = statement.lstrip(" \t\n(").split(None, 1)[:1]
    if verb and verb[0].upper() not in _READ_VERBS:
        raise WriteOutsideRetry(
            f"{verb[0].upper()} through a read session (Database.session()); "
            "use services._retry.write"
        )


def _sqlite_begin(conn) -> None:
    """A write transaction takes SQLite's write lock at its start (BEGIN IMMEDIATE), so it
    waits its turn (busy_timeout) instead of failing later on a stale snapshot; reads
    begin deferred and never wait for a writer (WAL)."""
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        engine = create_engine(settings.database_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        url = settings.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    return engine


class Database:
    """An open, up-to-date project database."""

    def __init__(self, settings: Settings, engine: Engine, backup: str | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.backup = backup
        self._sqlite_file: Path | None = None  # counted in _OPEN_FILES while open
        self._sessions = sessionmaker(
            engine.execution_options(**{READ_OPTION: True}), expire_on_commit=False
        )
        self._write_sessions = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        from . import guards

        # Lengths and NUL bytes checked alike on SQLite and PostgreSQL before any insert.
        event.listen(self._sessions, "before_flush", guards.before_flush)
        event.listen(self._write_sessions, "before_flush", guards.before_flush)
        event.listen(self._sessions, "before_flush", _refuse_flush)  # reads only: see above
        if not event.contains(engine, "before_cursor_execute", _refuse_write_sql):
            event.listen(engine, "before_cursor_execute", _refuse_write_sql)

    @classmethod
    def open(
        cls,
        data_dir: str | os.PathLike | None = None,
        database_url: str | None = None,
        upgrade: bool = True,
        i_have_a_backup: bool = False,
    ) -> Database:
        settings = resolve_settings(data_dir, database_url)
        _ensure_data_dir(settings.data_dir)
        from qualkit import tempdir

        tempdir.clean_stale()  # the app's start cleans what a killed run left
        sqlite_file = None
        if settings.sqlite_path is not None:
            sqlite_file = settings.sqlite_path.resolve()
            with _OPEN_LOCK:  # counted before any connection: a thread opening it too skips
                if not _OPEN_FILES.get(sqlite_file):
                    _check_sqlite_file(settings.sqlite_path)
                    if settings.sqlite_path.parent == settings.data_dir:
                        _create_private(settings.sqlite_path)
                _OPEN_FILES[sqlite_file] = _OPEN_FILES.get(sqlite_file, 0) + 1
        try:
            db = cls._connect(settings, upgrade, i_have_a_backup)
        except BaseException:
            _release(sqlite_file)
            raise
        db._sqlite_file = sqlite_file
        return db

    @classmethod
    def _connect(cls, settings: Settings, upgrade: bool, i_have_a_backup: bool) -> Database:
        """The engine, checked and upgraded: the part of ``open`` after the file checks."""
        engine = make_engine(settings)
        shown = engine.url.render_as_string(hide_password=True)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            why = db_errors.reason(exc).text
            raise StoreError(f"Databasen på {shown} kan ikke nås ({why}).") from None
        backup = None
        if upgrade:
            try:
                backup = migrate.upgrade(
                    engine,
                    settings.sqlite_path,
                    data_dir=settings.data_dir,
                    i_have_a_backup=i_have_a_backup,
                )
            except StoreError:
                engine.dispose()
                raise
        logs.log_to_folder(settings.data_dir)  # only once it opened: a refusal changes nothing
        if backup:
            logging.getLogger(__name__).info("schema upgraded; previous file kept as %s", backup)
        return cls(settings, engine, backup)

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error.

        A plain session only reads (a write raises ``WriteOutsideRetry``); ``write=True`` is for
        ``services/_retry.write`` alone, and takes SQLite's write lock at the start.
        A database error never leaves here raw: it becomes one Danish DatabaseConflict."""
        session = (self._write_sessions if write else self._sessions)()
        session.info[WRITE_OPTION] = write  # helpers that may write ask (labels.report_label)
        try:
            yield session
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            raise conflict(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
        _release(self._sqlite_file)
        self._sqlite_file = None


def conflict(exc: DBAPIError) -> DatabaseConflict:
    """A database error as one Danish line (the driver's text only in the log, never the SQL or
    the row's values); ``transient`` if re-running the transaction may succeed."""
    found = db_errors.reason(exc)
    retry = " Prøv igen om lidt." if found.transient else ""
    return DatabaseConflict(
        f"{found.text[0].upper()}{found.text[1:]}; intet blev gemt.{retry}",
        transient=found.transient,
    )
