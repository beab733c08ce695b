"""The job queue on PostgreSQL: procrastinate (see ``transcription_queue`` for the interface).

Its schema (tables ``procrastinate_*``) is applied once per database under an advisory lock
the first time a job is queued or a worker starts. A periodic maintenance task, run by every
worker, puts back in the queue the jobs of a worker that stopped beating its heartbeat.
"""

from __future__ import annotations

import logging
import threading

from qualkit.store import Database

from .transcription_queue import (
    MAINTENANCE_QUEUE,
    STALE_SECONDS,
    TASKS,
)

log = logging.getLogger(__name__)

_APPS: dict[str, object] = {}
_APPS_LOCK = threading.Lock()
_WORKER_DB: dict[str, Database] = {}


def _conninfo(db: Database) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(db.settings.database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def pg_app(db: Database):
    """The procrastinate App for this database (schema applied once, tasks registered)."""
    import procrastinate

    key = _conninfo(db)
    with _APPS_LOCK:
        if key in _APPS:
            return _APPS[key]
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=key))
        for name in TASKS:
            _pg_task(app, name, key)

        @app.periodic(cron="* * * * * */10", periodic_id="qualkit-stalled")
        @app.task(
            name="qualkit.retry_stalled",
            queue=MAINTENANCE_QUEUE,
            queueing_lock="qualkit-retry-stalled",
            pass_context=True,
        )
        async def retry_stalled(context, timestamp: int) -> None:
            manager = context.app.job_manager
            for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALE_SECONDS):
                log.warning("job %s lost its worker; queued again", job.id)
                await manager.retry_job(job)

        _ensure_schema(app, key)
        _APPS[key] = app
        return app


def _pg_task(app, name: str, key: str) -> None:
    def run(ref_id: int) -> None:
        TASKS[name](_WORKER_DB[key], ref_id)

    run.__name__ = name.replace(".", "_")
    app.task(name=name, queue="transcription")(run)


def _ensure_schema(app, conninfo: str) -> None:
    """Apply procrastinate's schema once per database (under an advisory lock)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(716016)")
        try:
            row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            assert row is not None  # a SELECT without FROM returns exactly one row
            if row[0] is None:
                with app.open():
                    app.schema_manager.apply_schema()
        finally:
            conn.execute("SELECT pg_advisory_unlock(716016)")


def pg_defer(db: Database, task: str, ref_id: int, *, queue: str, priority: int) -> int:
    app = pg_app(db)
    with app.open():
        # procrastinate runs higher priorities first; qualkit's lower number is more urgent.
        return app.tasks[task].configure(queue=queue, priority=-priority).defer(ref_id=ref_id)
