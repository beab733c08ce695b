"""The task a worker runs for a transcription job: the pipeline, progress, the result.

Progress (seconds of audio done, share, heartbeat) goes to the job row as segments arrive;
a stop request (cancel) is seen at the next segment or heartbeat. The result is stored in
one transaction (``transcription_store``); a killed worker leaves the job "running" with a
stale heartbeat, and the queue runs it again.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy.orm import Session

from qualkit.errors import InputError, QualkitError
from qualkit.store import Database
from qualkit.store.models import Interview, TranscriptionJob, utcnow

from . import _retry, audit
from . import transcription_queue as queue
from .context import Actor
from .transcription_common import DONE, _job, audio_file

log = logging.getLogger(__name__)

TASK = "transcription.run"
HEARTBEAT_EVERY = 5.0


def _update(db: Database, job_id: int, **values: Any) -> bool:
    """Write fields on the job row; returns whether a stop was requested."""

    def work(s: Session) -> bool:
        job = _job(s, job_id)
        for k, v in values.items():
            setattr(job, k, v)
        return bool(job.stop_requested)

    return _retry.write(db, work)


def _actor(db: Database, username: str) -> Actor:
    from . import users

    try:
        return users.actor_for(db, username)
    except QualkitError:
        return Actor(None, username, "evaluator")


def _give_up(db: Database, job_id: int, error: str) -> None:
    def work(s: Session) -> None:
        job = s.get(TranscriptionJob, job_id)
        if job is not None and job.status not in DONE:
            job.status, job.error, job.finished_at = "failed", error, utcnow()

    _retry.write(db, work)


@queue.register(TASK, on_give_up=_give_up)
def run_job(db: Database, job_id: int) -> None:
    """Run one queued job to its end: done, failed or cancelled. Never raises.

    A second delivery of a job that has ended does nothing; a job cancelled before it
    started ends here without loading a model.
    """
    from qualkit.transcription.pipeline import Interrupted, transcribe_file

    from .transcription_store import store_result

    def start(s: Session) -> tuple[Actor, Any, dict[str, Any], bool] | None:
        job = s.get(TranscriptionJob, job_id)
        if job is None or job.status in DONE:
            return None
        actor = _actor(db, job.created_by)
        if job.stop_requested:
            job.status, job.finished_at = "cancelled", utcnow()
            return None
        iv = s.get(Interview, job.interview_id)
        # job.interview_id is a foreign key with ON DELETE CASCADE: the job row exists, so
        # its interview does (same transaction).
        assert iv is not None
        path = audio_file(db, iv.audio_path)
        job.status, job.started_at, job.heartbeat_at = "running", utcnow(), utcnow()
        job.attempts, job.worker = (job.attempts or 0) + 1, queue.worker_name()
        job.progress, job.seconds_done = 0.0, 0.0
        params = {
            "model": job.model,
            "language": job.language,
            "engine": job.engine,
            "speakers": job.speakers,
        }
        return actor, path, params, bool(job.overwrite_edited)

    started = _retry.write(db, start)
    if started is None:
        return
    actor, path, params, overwrite = started
    stop = threading.Event()
    beat_stop = threading.Event()

    def heartbeat() -> None:
        while not beat_stop.wait(HEARTBEAT_EVERY):
            try:
                if _update(db, job_id, heartbeat_at=utcnow()):
                    stop.set()
            except Exception:  # the next beat tries again
                log.exception("heartbeat of transcription job %s failed", job_id)

    beater = threading.Thread(target=heartbeat, daemon=True, name=f"qualkit-beat-{job_id}")
    last = [0.0]

    def progress(done: float, total: float) -> None:
        now = time.monotonic()
        if now - last[0] < 2.0 and done < total:
            return
        last[0] = now
        if _update(
            db,
            job_id,
            seconds_done=round(done, 2),
            seconds_total=round(total, 2),
            progress=min(1.0, done / total) if total else 0.0,
            heartbeat_at=utcnow(),
        ):
            stop.set()

    try:
        beater.start()
        if path is None or not path.exists():
            raise InputError("Interviewets lyd er væk.")
        result = transcribe_file(path, progress=progress, should_stop=stop.is_set, **params)
        if stop.is_set():
            raise Interrupted("stoppet")
        store_result(db, actor, job_id, overwrite, result)
    except Interrupted:
        _finish(db, actor, job_id, "cancelled", "Stoppet før slutningen; intet blev gemt.")
    except QualkitError as exc:
        _finish(db, actor, job_id, "failed", str(exc))
    except Exception as exc:  # a bug: keep the job row truthful, log the traceback
        log.exception("transcription job %s failed", job_id)
        _finish(db, actor, job_id, "failed", f"Uventet fejl ({type(exc).__name__}).")
    finally:
        beat_stop.set()


def _finish(db: Database, actor: Actor, job_id: int, status: str, error: str) -> None:
    def work(s: Session) -> None:
        job = _job(s, job_id)
        job.status, job.error, job.finished_at = status, error, utcnow()
        audit.record(
            s,
            actor,
            f"transcription.{status}",
            project_id=job.project_id,
            target_type="interview",
            target_id=job.interview_id,
            details={"job": job_id},
        )

    _retry.write(db, work)
