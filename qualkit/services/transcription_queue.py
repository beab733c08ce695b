"""The job queue: long jobs run by worker processes, on SQLite and on PostgreSQL alike.

One interface over two backends:

- **PostgreSQL** (a team's server): procrastinate, a maintained Postgres-based task queue (no
  broker beside the database; LISTEN/NOTIFY wakes idle workers). Workers on any machine that
  reaches the database share the load (`qualkit worker`); a worker that dies mid-job stops
  beating its heartbeat, and a periodic maintenance task puts its job back in the queue.
- **SQLite** (the embedded default): the table ``queued_task`` in the project database. A
  worker claims the first queued task of its queues by priority with one UPDATE, beats a
  heartbeat while it runs, and a task whose worker died (stale heartbeat) is queued again
  until ``max_attempts``. `qualkit serve`/`demo` start one worker process beside the app.

A task is a registered function of (database, reference id), e.g. ``transcription.run`` of
a transcription job's id. Whatever a task writes, it writes in one transaction at its end,
so a killed worker leaves nothing half-written and the retry starts from the beginning.
Priorities: lower runs first (a re-run after an edit 0, a batch 10).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from qualkit.store import Database
from qualkit.store.models import QueuedTask, as_utc, utcnow

from . import _retry

log = logging.getLogger(__name__)

Task = Callable[[Database, int], None]
GiveUp = Callable[[Database, int, str], None]
TASKS: dict[str, Task] = {}
GIVE_UP: dict[str, GiveUp] = {}
QUEUES = ("transcription",)
MAINTENANCE_QUEUE = "qualkit-maintenance"
STALE_SECONDS = 30.0  # no heartbeat for this long: the worker is gone
HEARTBEAT_SECONDS = 5.0
POLL_SECONDS = 1.0
MAX_ATTEMPTS = 3
LOCK_FILE = "worker.lock"


def register(name: str, on_give_up: GiveUp | None = None) -> Callable[[Task], Task]:
    """Make a function a queue task (``on_give_up`` runs when its retries are used up)."""

    def deco(fn: Task) -> Task:
        TASKS[name] = fn
        if on_give_up is not None:
            GIVE_UP[name] = on_give_up
        return fn

    return deco


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- enqueue ----------------------------------------------------------------------------------


def enqueue(db: Database, s, task: str, ref_id: int, *, queue: str, priority: int) -> None:
    """Queue ``task(ref_id)`` as part of session ``s``'s transaction.

    SQLite: a ``queued_task`` row in the same transaction. PostgreSQL: deferred to
    procrastinate right after the transaction commits (a failure there calls the task's
    give-up handler, so the job row never waits for nothing).
    """
    if db.settings.is_sqlite:
        s.add(QueuedTask(task=task, ref_id=ref_id, queue=queue, priority=priority))
        return

    def defer(_session) -> None:
        from .transcription_queue_pg import pg_defer

        try:
            pg_defer(db, task, ref_id, queue=queue, priority=priority)
        except Exception as exc:  # the server went away between commit and defer
            log.exception("could not queue %s %s", task, ref_id)
            handler = GIVE_UP.get(task)
            if handler:
                handler(db, ref_id, f"Kunne ikke sætte jobbet i kø ({type(exc).__name__}).")

    event.listen(s, "after_commit", defer, once=True)


def run_inline(db: Database, task: str, ref_id: int) -> None:
    """Run a queued task now in this process (`--wait` on the CLI, tests).

    SQLite: claims that task's row first, so no worker runs it twice. PostgreSQL: runs it;
    the task itself ignores a second delivery of a job that has ended.
    """
    if db.settings.is_sqlite:
        mine = (QueuedTask.task == task) & (QueuedTask.ref_id == ref_id)
        claimed = _take(db, worker_name(), mine, QueuedTask.id)
        if claimed is None:
            return
        _run_claimed(db, claimed[0], task, ref_id)
        return
    TASKS[task](db, ref_id)


# --- the SQLite worker ------------------------------------------------------------------------


def _requeue_stale(db: Database) -> None:
    """Tasks whose worker stopped beating go back to the queue (or give up)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=STALE_SECONDS)
    gave_up: list[tuple[str, int]] = []
    with db.session() as s:  # a read; the write below only when a task is stale
        beats = s.execute(
            select(QueuedTask.heartbeat_at).where(QueuedTask.status == "running")
        ).scalars()
        if all(b is not None and as_utc(b) > cutoff for b in beats):
            return

    def work(s: Session) -> None:
        gave_up.clear()  # a re-run counts again
        for t in s.scalars(select(QueuedTask).where(QueuedTask.status == "running")):
            beat = as_utc(t.heartbeat_at)
            if beat is not None and beat > cutoff:
                continue
            log.warning("task %s (%s %s) lost its worker %s", t.id, t.task, t.ref_id, t.locked_by)
            if t.attempts >= t.max_attempts:
                t.status, t.finished_at = "failed", utcnow()
                t.error = "Workeren stoppede for mange gange."
                gave_up.append((t.task, t.ref_id))
            else:
                t.status, t.locked_by = "queued", None

    _retry.write(db, work)
    for task, ref_id in gave_up:
        handler = GIVE_UP.get(task)
        if handler:
            handler(db, ref_id, "Afbrudt: workeren stoppede gentagne gange.")


def _take(db: Database, me: str, which: Any, *columns: Any) -> Any:
    """Mark the queued task ``which`` running for ``me`` (one retried write); its columns."""
    stmt = (
        update(QueuedTask)
        .where(which, QueuedTask.status == "queued")
        .values(status="running", locked_by=me, heartbeat_at=utcnow())
        .values(attempts=QueuedTask.attempts + 1)
        .returning(*columns)
    )
    return _retry.write(db, lambda s: s.execute(stmt).first())


def _claim(db: Database, queues: Sequence[str], me: str) -> tuple[int, str, int] | None:
    first = (
        select(QueuedTask.id)
        .where(QueuedTask.status == "queued", QueuedTask.queue.in_(list(queues)))
        .order_by(QueuedTask.priority, QueuedTask.id)
        .limit(1)
        .scalar_subquery()
    )
    row = _take(db, me, QueuedTask.id == first, QueuedTask.id, QueuedTask.task, QueuedTask.ref_id)
    return None if row is None else (row[0], row[1], row[2])


def _run_claimed(db: Database, task_id: int, task: str, ref_id: int) -> None:
    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            try:
                _retry.write(
                    db,
                    lambda s: s.execute(
                        update(QueuedTask)
                        .where(QueuedTask.id == task_id)
                        .values(heartbeat_at=utcnow())
                    ),
                )
            except Exception:
                log.exception("heartbeat of task %s failed", task_id)

    beater = threading.Thread(target=beat, daemon=True, name=f"qualkit-task-beat-{task_id}")
    beater.start()
    status, error = "done", None
    try:
        TASKS[task](db, ref_id)
    except Exception as exc:  # a task records its own failures; this is a bug
        log.exception("task %s %s failed", task, ref_id)
        status, error = "failed", type(exc).__name__
    finally:
        done.set()

    def finish(s: Session) -> None:
        t = s.get(QueuedTask, task_id)
        # This worker claimed the row, and queued_task rows are never deleted.
        assert t is not None
        t.status, t.error, t.finished_at = status, error, utcnow()

    _retry.write(db, finish)


def _sqlite_worker(
    db: Database,
    queues: Sequence[str],
    concurrency: int,
    stop: threading.Event,
    idle_exit: float | None,
) -> None:
    me = worker_name()
    idle_since = [time.monotonic()]
    busy = [0]
    lock = threading.Lock()

    def loop(n: int) -> None:
        name = f"{me}/{n}"
        while not stop.is_set():
            try:
                _requeue_stale(db)
                claimed = _claim(db, queues, name)
            except Exception:
                log.exception("worker %s could not read the queue", name)
                claimed = None
            if claimed is None:
                with lock:
                    if (
                        idle_exit is not None
                        and busy[0] == 0
                        and time.monotonic() - idle_since[0] > idle_exit
                    ):
                        stop.set()
                stop.wait(POLL_SECONDS)
                continue
            with lock:
                busy[0] += 1
            try:
                _run_claimed(db, *claimed)
            finally:
                with lock:
                    busy[0] -= 1
                    idle_since[0] = time.monotonic()

    threads = [
        threading.Thread(target=loop, args=(i,), daemon=True, name=f"qualkit-worker-{i}")
        for i in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.5)


def _hold_worker_lock(db: Database):
    """A shared lock on the data folder's worker.lock while this worker runs (SQLite)."""
    path = db.settings.data_dir / LOCK_FILE
    fh = path.open("a")
    fcntl.flock(fh, fcntl.LOCK_SH)
    return fh


def local_worker_running(db: Database) -> bool:
    path = db.settings.data_dir / LOCK_FILE
    if not path.exists():
        return False
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


@contextlib.contextmanager
def local_worker(data_dir: Path) -> Iterator[None]:
    """`qualkit serve`/`demo`: a worker process beside the app on a SQLite data folder
    (stopped with the app; on PostgreSQL, workers are started with `qualkit worker`)."""
    db = Database.open(data_dir)
    proc = None
    try:
        proc = start_local_worker(db)
    finally:
        db.close()
    try:
        yield
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


LOCAL_WORKER_NICE = 10


def start_local_worker(db: Database, idle_exit: float | None = None) -> subprocess.Popen | None:
    """Start a `qualkit worker` process for a SQLite data folder unless one runs already."""
    if not db.settings.is_sqlite or local_worker_running(db):
        return None
    cmd = [sys.executable, "-m", "qualkit", "worker", "--data", str(db.settings.data_dir)]
    cmd += ["--nice", str(LOCAL_WORKER_NICE)]  # the app beside it keeps the CPU first
    cmd += ["--parent", str(os.getpid())]  # and it goes when the app goes, however it ends
    if idle_exit is not None:
        cmd += ["--idle-exit", str(int(idle_exit))]
    log_path = db.settings.data_dir / "worker.log"
    with open(log_path, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    # Wait until it holds the lock, so a second call does not start another.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None and not local_worker_running(db):
        time.sleep(0.1)
    return proc


# --- running a worker -------------------------------------------------------------------------


def run_worker(
    db: Database,
    queues: Sequence[str] = QUEUES,
    concurrency: int = 1,
    *,
    stop: threading.Event | None = None,
    idle_exit: float | None = None,
) -> None:
    """Run tasks from ``queues`` until stopped (Ctrl-C, SIGTERM, ``stop``, or idle)."""
    stop = stop or threading.Event()
    if db.settings.is_sqlite:
        fh = _hold_worker_lock(db)
        try:
            _sqlite_worker(db, queues, concurrency, stop, idle_exit)
        finally:
            fh.close()
        return
    from .transcription_queue_pg import _WORKER_DB, _conninfo, pg_app

    app = pg_app(db)
    _WORKER_DB[_conninfo(db)] = db
    app.run_worker(
        queues=[*queues, MAINTENANCE_QUEUE],
        concurrency=concurrency,
        name=worker_name(),
        update_heartbeat_interval=HEARTBEAT_SECONDS,
        stalled_worker_timeout=STALE_SECONDS,
        fetch_job_polling_interval=POLL_SECONDS * 2,
    )


def queue_counts(db: Database) -> dict[str, int]:
    """Tasks by status (SQLite queue table; PostgreSQL: procrastinate's jobs)."""
    if db.settings.is_sqlite:
        from sqlalchemy import func

        with db.session() as s:
            rows = s.execute(
                select(QueuedTask.status, func.count(QueuedTask.id)).group_by(QueuedTask.status)
            ).all()
        return {k: int(v) for k, v in rows}
    import psycopg

    from .transcription_queue_pg import _conninfo

    with psycopg.connect(_conninfo(db)) as conn:
        pg_rows = conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
        ).fetchall()
    return {k: int(v) for k, v in pg_rows}


def data_dir_of(db: Database) -> Path:
    return db.settings.data_dir
