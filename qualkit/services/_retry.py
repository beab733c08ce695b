"""Retrying a whole write transaction when a concurrent writer got there first.

Several evaluators code at once against one server. SQLite (WAL) lets one writer
in at a time and can refuse a transaction whose read snapshot went stale
("database is locked"/busy); PostgreSQL can refuse on a unique version number
another session just took. Either way the right answer is to run the whole
transaction again on fresh data, so no write is lost and none is doubled.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from qualkit.store import Database

T = TypeVar("T")
ATTEMPTS = 8


def _transient(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, OperationalError):
        return any(w in text for w in ("locked", "busy", "deadlock", "could not serialize"))
    if isinstance(exc, IntegrityError):
        # Only the races we expect: a version number or a duplicate another session just wrote.
        return "uq_codebook_version" in text or "codebook_version" in text
    return False


def write(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in one transaction; re-run it on a transient conflict."""
    for attempt in range(ATTEMPTS):
        try:
            with db.session() as s:
                return work(s)
        except (OperationalError, IntegrityError) as exc:
            if attempt == ATTEMPTS - 1 or not _transient(exc):
                raise
            time.sleep(0.02 * (2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")
