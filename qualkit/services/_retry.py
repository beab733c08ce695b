"""The one retry policy for every write: re-run the whole transaction on a transient conflict.

Several evaluators code at once, staff log deliveries while an admin imports a log.
SQLite (WAL) lets one writer in at a time; PostgreSQL refuses a duplicate another
session just inserted, or a serialization conflict. Either way the right answer is
to run the whole transaction again on fresh data: the unique constraints
(``uq_consensus_coding_span``, ``uq_coding_coder_span``, ``uq_delivery_event_import_key``,
...) make the second writer fail instead of doubling a row, and its re-run finds
the first writer's row. So no write is lost and none is doubled.

``store/db.py`` turns every database error into a Danish ``DatabaseConflict`` (never a
raw ``OperationalError``); this module decides when to try again. After the last
attempt the user sees that one line, and nothing was written.

This is the only way to write: ``Database.session()`` is read-only (a flush of changes
or any INSERT/UPDATE/DELETE through it raises ``WriteOutsideRetry``), and only this
module opens ``session(write=True)`` (``tests/test_write_paths.py`` checks both). Since
``work`` may run several times, it must do nothing outside its transaction that would
double or break on a re-run: files, audio and vault passphrase work happen before
(``transcription_audio.attach_audio`` moves the upload in first) or after the commit
(``retention.unlink``), and slow pure work (the recognisers, key derivation) runs before,
so the write lock is held briefly. Lists it fills start afresh in each attempt.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from qualkit.errors import DatabaseConflict
from qualkit.store import Database

T = TypeVar("T")
ATTEMPTS = 10
BASE_DELAY = 0.02  # seconds; doubled each attempt, with jitter, capped
MAX_DELAY = 1.0


def write(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in one write transaction; re-run it on a transient conflict."""
    for attempt in range(ATTEMPTS):
        try:
            with db.session(write=True) as s:
                return work(s)
        except DatabaseConflict as exc:
            if attempt == ATTEMPTS - 1 or not exc.transient:
                raise
            time.sleep(min(MAX_DELAY, BASE_DELAY * (2**attempt)) * (0.5 + random.random()))
    raise AssertionError("unreachable")
