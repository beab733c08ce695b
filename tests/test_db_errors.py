"""Database-driver errors reach a user as Danish reasons, never the driver's English text, the
SQL or the row's values; the driver's first line is logged for the maintainer.

The errors are real: raised by sqlite3 on real files (a unique violation, a read-only database,
a database locked by a second connection, a missing table, a full database, ...), by psycopg on
the test session's PostgreSQL server, and psycopg's own exception class for each SQLSTATE.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from qualkit.errors import DatabaseConflict, StoreError
from qualkit.store import Database, db_errors
from qualkit.store.db import conflict

from .test_danish import english_in

PERSONAL = "Sanne Kjærgaard"  # a row value: never in the user's message, never in the log


def _driver_words(line: str) -> set[str]:
    """The words of a driver's message, less those Danish (or the upgrade hint) shares."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", line)}
    return words - {"qualkit", "upgrade", "for"}  # "for" is Danish too


def _db(tmp_path: Path, name: str = "t.sqlite3"):
    path = tmp_path / name
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
        "CREATE TABLE note (id INTEGER PRIMARY KEY,"
        " person_id INTEGER NOT NULL REFERENCES person(id), body TEXT);"
        f"INSERT INTO person (id, name) VALUES (1, '{PERSONAL}');"
    )
    con.commit()
    con.close()
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    return path, engine


def _raise(engine, sql: str, params: dict | None = None, setup: str | None = None) -> DBAPIError:
    with pytest.raises(DBAPIError) as info:
        with engine.begin() as conn:
            if setup:
                conn.exec_driver_sql(setup)
            conn.execute(text(sql), params or {})
    return info.value


def _check(exc: DBAPIError, caplog, key: str, danish: str, transient: bool) -> DatabaseConflict:
    driver_line = str(exc.orig).splitlines()[0]
    with caplog.at_level("WARNING", logger="qualkit.store.db_errors"):
        found = conflict(exc)
    message = str(found)
    assert db_errors.classify(exc).key == key, (driver_line, db_errors.classify(exc))
    assert danish in message, message
    assert message.endswith(("intet blev gemt.", "Prøv igen om lidt."))
    assert found.transient is transient
    assert not english_in(message), message
    assert not _driver_words(driver_line) & _driver_words(message), (driver_line, message)
    assert "INSERT" not in message and "SELECT" not in message and PERSONAL not in message
    logged = [r.getMessage() for r in caplog.records if r.name == "qualkit.store.db_errors"]
    assert logged and db_errors._loggable(driver_line) in logged[-1], logged
    assert PERSONAL not in logged[-1], logged
    assert caplog.records[-1].levelname == "WARNING"
    return found


def test_sqlite_unique_violation(tmp_path, caplog):
    _path, engine = _db(tmp_path)
    exc = _raise(engine, "INSERT INTO person (name) VALUES (:n)", {"n": PERSONAL})
    assert "UNIQUE constraint failed" in str(exc.orig)
    _check(exc, caplog, "unique", "En anden gemte den samme værdi samtidig", transient=True)


def test_sqlite_foreign_key_and_not_null(tmp_path, caplog):
    _path, engine = _db(tmp_path)
    exc = _raise(engine, "INSERT INTO note (person_id) VALUES (99)", setup="PRAGMA foreign_keys=ON")
    assert "FOREIGN KEY constraint failed" in str(exc.orig)
    _check(exc, caplog, "foreign_key", "findes ikke længere", transient=True)
    exc = _raise(engine, "INSERT INTO note (person_id, body) VALUES (NULL, :b)", {"b": PERSONAL})
    assert "NOT NULL constraint failed" in str(exc.orig)
    _check(exc, caplog, "not_null", "Et påkrævet felt mangler en værdi", transient=False)


def test_sqlite_missing_table_points_to_the_upgrade(tmp_path, caplog):
    _path, engine = _db(tmp_path)
    exc = _raise(engine, "SELECT * FROM interview")
    assert "no such table" in str(exc.orig)
    found = _check(exc, caplog, "schema", "ikke opgraderet", transient=False)
    assert "`qualkit upgrade`" in str(found)


def test_sqlite_readonly_database(tmp_path, caplog):
    path, _engine = _db(tmp_path)
    readonly = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    exc = _raise(readonly, "INSERT INTO person (name) VALUES ('x')")
    assert "attempt to write a readonly database" in str(exc.orig)
    _check(exc, caplog, "read_only", "Databasen er skrivebeskyttet", transient=False)


def test_sqlite_database_locked_by_a_second_connection(tmp_path, caplog):
    path, engine = _db(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held
    try:
        exc = _raise(engine, "INSERT INTO person (name) VALUES ('y')")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "database is locked" in str(exc.orig)
    _check(exc, caplog, "locked", "Databasen er optaget af en anden", transient=True)


def test_sqlite_full_database(tmp_path, caplog):
    _path, engine = _db(tmp_path)
    exc = _raise(
        engine,
        "INSERT INTO note (person_id, body) VALUES (1, :b)",
        {"b": "x" * 200_000},
        setup="PRAGMA max_page_count=3",
    )
    assert "database or disk is full" in str(exc.orig)
    _check(exc, caplog, "disk_full", "Disken er fuld", transient=False)


def test_sqlite_file_that_cannot_be_opened(tmp_path, caplog):
    engine = create_engine(f"sqlite:///{tmp_path / 'ingen' / 'mappe' / 'x.sqlite3'}")
    exc = _raise(engine, "SELECT 1")
    assert "unable to open database file" in str(exc.orig)
    _check(exc, caplog, "cant_open", "kan ikke åbnes", transient=False)


def test_sqlite_malformed_and_foreign_files(tmp_path):
    """Raw sqlite3 errors (no SQLAlchemy around them) are classified alike."""
    path = tmp_path / "m.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE n (id INTEGER PRIMARY KEY, body TEXT)")
    con.executemany("INSERT INTO n (body) VALUES (?)", [("x" * 100,)] * 500)
    con.commit()
    con.close()
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 3] = b"\xff" * 4096  # one page of the table: garbage
    path.write_bytes(bytes(data))
    con = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError) as info:
        con.execute("SELECT count(*), sum(length(body)) FROM n").fetchall()
    con.close()
    assert "malformed" in str(info.value)
    assert db_errors.classify(info.value) is db_errors.CORRUPT
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 200)
    con = sqlite3.connect(junk)
    with pytest.raises(sqlite3.DatabaseError) as info:
        con.execute("SELECT 1 FROM sqlite_master").fetchall()
    con.close()
    assert "file is not a database" in str(info.value)
    assert db_errors.classify(info.value) is db_errors.NOT_A_DATABASE


def test_a_write_session_turns_the_driver_error_into_danish(sqlite_db):
    """Through qualkit's own session: the DatabaseConflict, not the OperationalError."""
    with pytest.raises(DatabaseConflict) as info:
        with sqlite_db.session(write=True) as s:
            s.execute(text("SELECT * FROM no_such_table_here"))
    assert "`qualkit upgrade`" in str(info.value) and "no such table" not in str(info.value)
    assert not info.value.transient


def test_opening_a_damaged_sqlite_file_is_danish(tmp_path):
    path = tmp_path / "qualkit.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 500)
    with pytest.raises(StoreError) as info:
        Database.open(tmp_path)
    message = str(info.value)
    assert "kan ikke bruges som SQLite-database" in message, message
    assert (
        not english_in(message) and "malformed" not in message and "not a database" not in message
    )


def test_an_unreachable_server_is_danish_without_the_driver_text(tmp_path, caplog):
    with caplog.at_level("WARNING", logger="qualkit.store.db_errors"):
        with pytest.raises(StoreError) as info:
            Database.open(tmp_path, "postgresql://nobody:secret@127.0.0.1:1/none")
    message = str(info.value)
    assert "kan ikke nås (forbindelsen til databaseserveren kunne ikke oprettes" in message
    assert "Connection refused" not in message and "secret" not in message
    assert any("Connection refused" in r.getMessage() for r in caplog.records)


def test_a_backup_that_is_not_a_qualkit_database(tmp_path):
    from qualkit.store import backups

    path, _engine = _db(tmp_path)
    with pytest.raises(StoreError, match="sikkerhedskopien har ingen qualkit-skemaversion"):
        backups.verify(path)


def test_the_driver_text_stays_off_the_users_stderr(tmp_path, capsys):
    """logs.DETAIL: the WARNING with the English text goes to qualkit.log, not to stderr."""
    from qualkit import logs

    logs.setup()
    _path, engine = _db(tmp_path)
    exc = _raise(engine, "INSERT INTO person (name) VALUES (:n)", {"n": PERSONAL})
    conflict(exc)
    assert "UNIQUE constraint failed" not in capsys.readouterr().err


@pytest.mark.parametrize("code", sorted(db_errors.SQLSTATES))
def test_every_mapped_sqlstate_with_psycopgs_own_exception(code):
    """psycopg's exception class for the code (the class a real server error has)."""
    import psycopg.errors

    exc = psycopg.errors.lookup(code)("an English server message")
    assert exc.sqlstate == code
    found = db_errors.classify(exc)
    assert found is db_errors.SQLSTATES[code]
    assert not english_in(found.text) and "English" not in found.text


@pytest.mark.parametrize(
    "code, expect",
    [
        ("08006", db_errors.CONNECTION),
        ("08001", db_errors.CONNECTION),
        ("28P01", db_errors.AUTH),
        ("28000", db_errors.AUTH),
        ("23P01", db_errors.CONSTRAINT),
        ("22P02", db_errors.BAD_VALUE),
        ("XX000", db_errors.SERVER),
    ],
)
def test_sqlstate_classes(code, expect):
    import psycopg.errors

    assert db_errors.classify(psycopg.errors.lookup(code)("x")) is expect


def test_transient_reasons_are_the_retryable_ones():
    every = {r.key for r in vars(db_errors).values() if isinstance(r, db_errors.Reason)}
    retried = {
        r.key for r in vars(db_errors).values() if isinstance(r, db_errors.Reason) and r.transient
    }
    assert retried == {
        "locked",
        "unique",
        "foreign_key",
        "serialization",
        "deadlock",
        "too_many",
        "shutdown",
        "connection",
    }
    assert {"schema", "not_null", "too_long", "read_only", "disk_full"} <= every - retried


@pytest.mark.postgres
def test_postgres_errors_are_danish(pg_admin_url, caplog):
    """A unique violation, a too long value, a missing NOT NULL value, a missing table and a
    cancelled query on the real server: Danish, with PostgreSQL's DETAIL (which quotes the
    row's values) neither shown nor logged."""
    from .pg_server import create_database

    url = create_database(pg_admin_url)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE person (id int PRIMARY KEY, name varchar(20) NOT NULL UNIQUE)"
        )
        conn.execute(text("INSERT INTO person VALUES (1, :n)"), {"n": PERSONAL})
    try:
        exc = _raise(engine, "INSERT INTO person VALUES (2, :n)", {"n": PERSONAL})
        assert exc.orig.sqlstate == "23505" and PERSONAL in str(exc.orig)  # in DETAIL
        _check(exc, caplog, "unique", "En anden gemte den samme værdi samtidig", transient=True)
        exc = _raise(engine, "INSERT INTO person VALUES (2, :n)", {"n": PERSONAL * 3})
        assert exc.orig.sqlstate == "22001"
        _check(exc, caplog, "too_long", "En tekst er for lang til feltet", transient=False)
        exc = _raise(engine, "INSERT INTO person VALUES (3, NULL)")
        assert exc.orig.sqlstate == "23502"
        _check(exc, caplog, "not_null", "Et påkrævet felt mangler en værdi", transient=False)
        exc = _raise(engine, "SELECT * FROM interview")
        assert exc.orig.sqlstate == "42P01"
        _check(exc, caplog, "schema", "`qualkit upgrade`", transient=False)
        exc = _raise(engine, "SELECT pg_sleep(5)", setup="SET LOCAL statement_timeout = '50ms'")
        assert exc.orig.sqlstate == "57014"
        _check(exc, caplog, "cancelled", "Forespørgslen blev afbrudt", transient=False)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_unknown_database_is_danish(pg_admin_url, tmp_path):
    base = pg_admin_url.rsplit("/", 1)[0]
    with pytest.raises(StoreError) as info:
        Database.open(tmp_path, f"{base}/ingen_sadan_database")
    message = str(info.value)
    assert "(databasen findes ikke på serveren)" in message, message
    assert "does not exist" not in message and not english_in(message.split(" på ")[0])


def test_detail_records_reach_stderr_only_when_asked_for():
    import logging

    from qualkit import logs

    handler = logging.StreamHandler()
    keep = logs.DetailOffStderr(handler)
    detail = logging.LogRecord("qualkit.x", logging.WARNING, "", 0, "raw", None, None)
    setattr(detail, logs.DETAIL_FLAG, True)
    plain = logging.LogRecord("qualkit.x", logging.WARNING, "", 0, "plain", None, None)
    handler.setLevel(logging.WARNING)  # the default
    assert not keep.filter(detail) and keep.filter(plain)
    handler.setLevel(logging.INFO)  # QUALKIT_LOG_LEVEL=INFO
    assert keep.filter(detail) and keep.filter(plain)


def test_quoted_values_in_a_driver_line_stay_out_of_the_log(caplog):
    """PostgreSQL quotes the offending value in some first lines ('invalid input syntax for
    type integer: "Mette"'); the log keeps the line's shape, not the value."""
    import psycopg

    exc = psycopg.errors.InvalidTextRepresentation('invalid input syntax for type integer: "Mette"')
    with caplog.at_level("WARNING", logger="qualkit.store.db_errors"):
        db_errors.reason(exc)
    logged = caplog.records[-1].getMessage()
    assert "invalid input syntax for type integer" in logged and "Mette" not in logged
