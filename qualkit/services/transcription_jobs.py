"""Use case: transcribe an interview's audio as a queued job run by a worker.

Starting a transcription writes a job row and queues it (``transcription_queue``) in one
transaction; a worker process (`qualkit worker`, or the one `qualkit serve` starts on SQLite)
runs it, writing its progress to the job row as segments arrive (the app polls that: share of
audio done, time left). The segments are stored in ONE transaction at the end: a cancelled,
failed or killed job leaves the interview as it was, and a killed worker's job is retried by
the queue. Re-transcribing an interview whose text a person has edited needs explicit
confirmation (``overwrite_edited=True``). Priorities: a re-run of an interview that has a
transcript goes before a batch (``--all-pending``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.messages import msg as _msg
from qualkit.store import Database
from qualkit.store.models import Interview, Segment, TranscriptionJob, utcnow

from . import _retry, audit
from . import transcription_queue as queue
from .context import Context
from .transcription_common import (
    ACTIVE,
    DONE,
    EditedTranscript,
    _active_job,
    _interview,
    _job,
    _protected,
    audio_file,
    is_locked,
)
from .transcription_run import TASK

log = logging.getLogger(__name__)

QUEUE = "transcription"
PRIORITY_RERUN = 0
PRIORITY_NEW = 5
PRIORITY_BATCH = 10
HEARTBEAT_EVERY = 5.0


@dataclass(frozen=True)
class Enqueued:
    interview_id: int
    job_id: int


def start_transcription(
    ctx: Context,
    interview_id: int,
    *,
    model: str | None = None,
    language: str | None = "da",
    engine: str = "faster-whisper",
    speakers: int | None = None,
    overwrite_edited: bool = False,
    wait: bool = False,
    priority: int | None = None,
) -> int:
    """Queue a transcription job (and, with ``wait``, run it here to its end); its id."""
    from qualkit.transcription.engines import ENGINES

    ctx.require("transcribe")
    if engine not in ENGINES:
        raise InputError(f"Ukendt motor {engine!r}: brug {' eller '.join(ENGINES)}.")
    if speakers is not None and not 1 <= speakers <= 6:
        raise InputError(f"--speakers {speakers}: angiv et antal talere mellem 1 og 6.")

    def work(s: Session) -> int:
        nonlocal priority
        iv = _interview(s, ctx, interview_id)
        if is_locked(iv):
            raise InputError(
                f"{iv.title}: transskriptionen er godkendt og kan ikke transskriberes igen."
            )
        path = audio_file(ctx.db, iv.audio_path)
        if path is None or not path.exists():
            raise InputError(
                f"{iv.title}: ingen lyd at transskribere"
                + (" (den er slettet)." if iv.audio_deleted_at else "; upload den først.")
            )
        if _active_job(s, iv.id) is not None:
            raise InputError(f"{iv.title}: en transskription er allerede i gang.")
        edited, coded = _protected(s, iv.id)
        if (edited or coded) and not overwrite_edited:
            what = (
                [f"{edited} segment(er) er rettet i hånden eller pseudonymiseret"] if edited else []
            )
            what += [f"{coded} kodning(er) hører til segmenterne"] if coded else []
            raise EditedTranscript(
                f"{iv.title}: {' og '.join(what)}; en ny transskription erstatter dem. "
                "Bekræft for at overskrive."
            )
        if priority is None:
            has_text = s.scalar(select(Segment.id).where(Segment.interview_id == iv.id).limit(1))
            priority = PRIORITY_RERUN if has_text else PRIORITY_NEW
        job = TranscriptionJob(
            project_id=ctx.project_id,
            interview_id=iv.id,
            status="queued",
            engine=engine,
            model=model or None,
            language=language or None,
            speakers=speakers,
            overwrite_edited=bool(overwrite_edited),
            created_by=ctx.actor.username,
            seconds_total=iv.duration,
            priority=priority,
        )
        s.add(job)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "transcription.start",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={
                "job": job.id,
                "engine": engine,
                "model": model or "offline base",
                "language": language,
                "speakers": speakers,
                "priority": priority,
                "overwrite_edited": bool(overwrite_edited),
            },
        )
        queue.enqueue(ctx.db, s, TASK, job.id, queue=QUEUE, priority=priority)
        return job.id

    job_id = _retry.write(ctx.db, work)
    if wait:
        queue.run_inline(ctx.db, TASK, job_id)
        wait_for_job(ctx.db, job_id)
    return job_id


def transcribe_all_pending(
    ctx: Context, *, model: str | None = None, speakers: int | None = None
) -> list[Enqueued]:
    """Queue every interview with audio and no transcript yet (batch priority)."""
    ctx.require("transcribe")
    with ctx.db.session() as s:
        ids = list(
            s.scalars(
                select(Interview.id)
                .where(
                    Interview.project_id == ctx.project_id,
                    Interview.audio_path.is_not(None),
                    Interview.transcript_approved_at.is_(None),
                    ~select(Segment.id).where(Segment.interview_id == Interview.id).exists(),
                    ~select(TranscriptionJob.id)
                    .where(
                        TranscriptionJob.interview_id == Interview.id,
                        TranscriptionJob.status.in_(ACTIVE),
                    )
                    .exists(),
                )
                .order_by(Interview.id)
            )
        )
    return [
        Enqueued(
            iid,
            start_transcription(ctx, iid, model=model, speakers=speakers, priority=PRIORITY_BATCH),
        )
        for iid in ids
    ]


def request_stop(ctx: Context, job_id: int) -> None:
    """Cancel a job: a queued one never starts, a running one stops at its next segment;
    the interview keeps what it had."""
    ctx.require("transcribe")

    def work(s: Session) -> None:
        job = s.get(TranscriptionJob, job_id)
        if job is None or job.project_id != ctx.project_id:
            raise NotFound(_msg("job.not_found", id=job_id))
        if job.status in DONE:
            return
        job.stop_requested = True
        if job.status == "queued":
            job.status, job.finished_at = "cancelled", utcnow()
            job.error = "Annulleret, før jobbet startede."
        audit.record(
            s,
            ctx.actor,
            "transcription.cancel",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=job.interview_id,
            details={"job": job_id},
        )

    _retry.write(ctx.db, work)


cancel = request_stop


def retry(ctx: Context, job_id: int) -> int:
    """Queue a failed, cancelled or interrupted job again with the same settings."""
    ctx.require("transcribe")
    with ctx.db.session() as s:  # a read: start_transcription writes
        job = s.get(TranscriptionJob, job_id)
        if job is None or job.project_id != ctx.project_id:
            raise NotFound(_msg("job.not_found", id=job_id))
        if job.status not in ("failed", "cancelled", "interrupted"):
            raise InputError(f"Job {job_id} er {job.status}; kun et stoppet job kan køres igen.")
        interview_id, model, language = job.interview_id, job.model, job.language
        engine, speakers, overwrite = job.engine, job.speakers, job.overwrite_edited
    return start_transcription(
        ctx,
        interview_id,
        model=model,
        language=language,
        engine=engine,
        speakers=speakers,
        overwrite_edited=overwrite,
        priority=PRIORITY_RERUN,
    )


def wait_for_job(db: Database, job_id: int, timeout: float | None = None) -> str:
    """Block until the job has ended (a worker elsewhere runs it); its final status."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with db.session() as s:
            status = _job(s, job_id).status
        if status in DONE or (deadline is not None and time.monotonic() > deadline):
            return status
        time.sleep(0.5)


def wait_for(db: Database, job_id: int, timeout: float | None = None) -> str:
    """Run the job here if no worker has taken it yet, then wait for its end (CLI --wait)."""
    queue.run_inline(db, TASK, job_id)
    return wait_for_job(db, job_id, timeout)


def job_info(job: TranscriptionJob) -> dict[str, Any]:
    left = None
    if job.status == "running" and job.started_at and job.seconds_done and job.seconds_total:
        started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
        elapsed = (datetime.now(UTC) - started).total_seconds()
        rate = elapsed / job.seconds_done
        left = max(0.0, (job.seconds_total - job.seconds_done) * rate)
    return {
        "id": job.id,
        "interview_id": job.interview_id,
        "status": job.status,
        "progress": job.progress,
        "seconds_done": job.seconds_done,
        "seconds_total": job.seconds_total,
        "seconds_left": left,
        "error": job.error,
        "model": job.model_label or job.model,
        "engine": job.engine,
        "language": job.language,
        "segments": job.segments,
        "speakers": job.speakers,
        "priority": job.priority,
        "attempts": job.attempts,
        "worker": job.worker,
        "decoding": job.decoding,
        "speaker_method": job.speaker_method,
        "created_by": job.created_by,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def latest_job(ctx: Context, interview_id: int) -> dict[str, Any] | None:
    """The interview's newest job with progress and estimated time left (None if never run)."""
    ctx.require("transcribe")
    with ctx.db.session() as s:
        _interview(s, ctx, interview_id)
        job = s.scalars(
            select(TranscriptionJob)
            .where(TranscriptionJob.interview_id == interview_id)
            .order_by(TranscriptionJob.id.desc())
        ).first()
        return None if job is None else job_info(job)


def get_job(ctx: Context, job_id: int) -> dict[str, Any]:
    ctx.require("transcribe")
    with ctx.db.session() as s:
        job = s.get(TranscriptionJob, job_id)
        if job is None or job.project_id != ctx.project_id:
            raise NotFound(_msg("job.not_found", id=job_id))
        return job_info(job)


def ensure_worker(ctx: Context) -> bool:
    """SQLite: start the data folder's worker process if none runs (the app calls this when it
    queues a job, however it was started). PostgreSQL: workers are started with
    `qualkit worker`. True when a worker was started now."""
    ctx.require("transcribe")
    if not ctx.db.settings.is_sqlite:
        return False
    return queue.start_local_worker(ctx.db, idle_exit=600) is not None
