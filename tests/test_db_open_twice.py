"""A second Database.open of a SQLite folder in the same process loses no write.

Closing any other descriptor of a database file cancels every POSIX lock the process holds on
it (SQLite, "How To Corrupt An SQLite Database File", 2.2). The check of the file's header on
open did that while the first Database's connections were live; another process then took
itself for the only user of the WAL, and the two processes stopped seeing each other's
writes: the app's log-ins vanished and a deactivation never reached it (found by
tests/test_sso_browser.py, where the test holds a second handle on the app's folder).
"""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from qualkit.store import Database

OTHER = """
import sys
from sqlalchemy import text
from qualkit.store import Database
db = Database.open(sys.argv[1])
with db.engine.begin() as c:
    c.execute(text("INSERT INTO probe VALUES ('other process')"))
with db.engine.connect() as c:
    print(sorted(r[0] for r in c.execute(text("SELECT x FROM probe"))))
db.close()
"""


def _other_process(folder) -> str:
    """Write a row from another process; the rows it then sees."""
    out = subprocess.run(
        [sys.executable, "-c", OTHER, str(folder)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def _rows(db: Database) -> list[str]:
    with db.engine.connect() as c:
        return sorted(r[0] for r in c.execute(text("SELECT x FROM probe")))


def test_second_open_in_one_process_keeps_writes_visible_both_ways(tmp_path):
    folder = tmp_path / "data"
    first = Database.open(folder)
    with first.engine.begin() as c:
        c.execute(text("CREATE TABLE probe (x TEXT)"))
        c.execute(text("INSERT INTO probe VALUES ('first')"))
    assert _rows(first) == ["first"]  # a pooled connection stays open
    second = Database.open(folder)  # e.g. the app's cookie routes beside its pages
    try:
        assert _other_process(folder) == "['first', 'other process']"
        assert _rows(first) == ["first", "other process"]
        with second.engine.begin() as c:
            c.execute(text("INSERT INTO probe VALUES ('second')"))
        seen = _other_process(folder)
        assert seen == "['first', 'other process', 'other process', 'second']"
    finally:
        second.close()
        first.close()
    reopened = Database.open(folder)  # closed everywhere: checked again, and intact
    try:
        assert _rows(reopened) == ["first", "other process", "other process", "second"]
    finally:
        reopened.close()
