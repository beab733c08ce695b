"""Use case: transcribe an interview's audio in the background, and the audio's retention.

A job runs in a background thread of the process that started it (the app or the CLI),
writes its progress to its job row (the app polls that), and stores the segments in ONE
transaction at the end: an interrupted or failed job leaves the interview as it was and
can simply be started again. A job whose process died is recognised by its stale
heartbeat. Re-transcribing an interview whose text a person has edited needs explicit
confirmation (``overwrite_edited=True``).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from qualkit.errors import InputError, NotFound, QualkitError
from qualkit.store import Database
from qualkit.store.models import (
    Coding,
    ConsensusCoding,
    Interview,
    Segment,
    TranscriptionJob,
    utcnow,
)

from . import audit, participants, projects
from .context import Actor, Context

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.orm import Session

    from qualkit.transcription.pipeline import Transcript

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
STALE_AFTER = timedelta(seconds=60)  # no heartbeat for this long: the process is gone
HEARTBEAT_EVERY = 10.0
AUDIO_EXTENSIONS = (
    ".m4a",
    ".mp3",
    ".wav",
    ".ogg",
    ".oga",
    ".opus",
    ".flac",
    ".aac",
    ".wma",
    ".mp4",
    ".webm",
    ".amr",
    ".3gp",
    ".mka",
)

_threads: dict[int, threading.Thread] = {}
_stops: dict[int, threading.Event] = {}
_lock = threading.Lock()


class EditedTranscript(InputError):
    """The interview has segments a person edited; re-transcribing needs confirmation."""


def _interview(s: Session, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(f"No interview {interview_id} in this project.")
    return iv


def is_locked(iv: Interview) -> bool:
    """Approved text is final: by the transcription approval, or by the de-identification
    review (status "approved"), after which the raw text is sealed in the vault."""
    return iv.transcript_approved_at is not None or iv.status == "approved"


def audio_file(db: Database, audio_path: str | None) -> Path | None:
    """The stored audio's absolute path (audio paths are kept relative to the data folder)."""
    if not audio_path:
        return None
    p = Path(audio_path)
    return p if p.is_absolute() else db.settings.data_dir / p


# --- interviews and their audio --------------------------------------------------------------


def new_interview(
    ctx: Context,
    title: str,
    *,
    citizen_id: str | None = None,
    kind: str = "citizen",
    interviewer: str | None = None,
    interview_date: date | None = None,
    language: str = "da",
) -> int:
    """An empty interview that audio can be uploaded to."""
    ctx.require("transcribe")
    if not title.strip():
        raise InputError("An interview needs a title.")
    with ctx.db.session() as s:
        participant_id = participants.participant_id(s, ctx, citizen_id)
        iv = Interview(
            project_id=ctx.project_id,
            participant_id=participant_id,
            title=title.strip(),
            kind=kind,
            interviewer=interviewer,
            interview_date=interview_date,
            status="new",
            source="transcription",
            language=language,
            speakers={},
        )
        s.add(iv)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "interview.create",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"kind": kind},
        )
        return iv.id


def attach_audio(ctx: Context, interview_id: int, filename: str, data: bytes) -> dict[str, Any]:
    """Store an uploaded recording with an interview after checking it decodes.

    A file that is not usable audio is refused with one line naming it, and nothing
    is kept. A previous recording of the same interview is replaced.
    """
    from qualkit.transcription.audio import probe

    ctx.require("transcribe")
    suffix = Path(filename).suffix.lower()
    if suffix not in AUDIO_EXTENSIONS:
        suffix = ".audio"
    folder = ctx.db.settings.audio_dir
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"interview-{interview_id}-{uuid.uuid4().hex[:12]}{suffix}"
    tmp = final.with_name(f".upload-{final.name}")
    tmp.write_bytes(data)
    try:
        try:
            info = probe(tmp)
        except InputError as exc:
            raise InputError(str(exc).replace(str(tmp), filename)) from None
        old = None
        with ctx.db.session() as s:
            iv = _interview(s, ctx, interview_id)
            if is_locked(iv):
                raise InputError(f"{iv.title}: the transcript is approved; no new audio.")
            if _active_job(s, iv.id) is not None:
                raise InputError(f"{iv.title}: a transcription is running; wait for it or stop it.")
            old = audio_file(ctx.db, iv.audio_path)
            os.replace(tmp, final)
            iv.audio_path = str(final.relative_to(ctx.db.settings.data_dir))
            iv.audio_deleted_at = None
            iv.duration = round(info.duration, 3)
            audit.record(
                s,
                ctx.actor,
                "audio.upload",
                project_id=ctx.project_id,
                target_type="interview",
                target_id=iv.id,
                details={
                    "seconds": round(info.duration, 1),
                    "channels": info.channels,
                    "codec": info.codec,
                },
            )
        if old is not None and old != final and old.exists():
            old.unlink()
        return {"duration": info.duration, "channels": info.channels, "codec": info.codec}
    except BaseException:
        for p in (tmp,):
            if p.exists():
                p.unlink()
        raise


def audio_for_playback(ctx: Context, interview_id: int) -> tuple[str, str] | None:
    """The recording's file and MIME type for the editor's player (None once deleted)."""
    ctx.require("transcribe")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        path = audio_file(ctx.db, iv.audio_path)
    if path is None or not path.exists():
        return None
    mime = {
        ".mp3": "audio/mpeg",
        ".m4a": "audio/mp4",
        ".mp4": "audio/mp4",
        ".ogg": "audio/ogg",
        ".oga": "audio/ogg",
        ".opus": "audio/ogg",
        ".flac": "audio/flac",
        ".webm": "audio/webm",
    }.get(path.suffix.lower(), "audio/wav")
    return str(path), mime


def model_choices(ctx: Context) -> list[dict[str, str]]:
    """Models the app can offer: the offline base model first, then cached folders and names."""
    from qualkit.transcription.models import list_models

    ctx.require("transcribe")
    return list_models()


def _delete_audio(s: Session, ctx: Context, iv: Interview, reason: str) -> Path | None:
    """Mark the audio gone in this transaction; returns the file to unlink after commit."""
    path = audio_file(ctx.db, iv.audio_path)
    iv.audio_path = None
    iv.audio_deleted_at = utcnow()
    audit.record(
        s,
        ctx.actor,
        "audio.delete",
        project_id=ctx.project_id,
        target_type="interview",
        target_id=iv.id,
        details={"reason": reason},
    )
    return path


def _unlink(path: Path | None) -> None:
    if path is not None and path.exists():
        path.unlink()


def delete_audio(ctx: Context, interview_id: int) -> None:
    ctx.require("transcribe")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        if not iv.audio_path:
            return
        if _active_job(s, iv.id) is not None:
            raise InputError(f"{iv.title}: a transcription is running; stop it first.")
        path = _delete_audio(s, ctx, iv, "manual")
    _unlink(path)


def approve_transcript(ctx: Context, interview_id: int) -> dict[str, Any]:
    """Approve the transcript; deletes the audio when the project's retention rule says so."""
    ctx.require("transcript.approve")
    delete = bool(projects.get_setting(ctx, "delete_audio_on_approve"))
    path = None
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        n = s.scalar(select(func.count(Segment.id)).where(Segment.interview_id == iv.id))
        if not n:
            raise InputError(f"{iv.title}: there is no transcript to approve yet.")
        if _active_job(s, iv.id) is not None:
            raise InputError(f"{iv.title}: a transcription is running; wait for it first.")
        if iv.transcript_approved_at is not None:
            raise InputError(f"{iv.title}: the transcript is approved already.")
        iv.transcript_approved_at = utcnow()
        audit.record(
            s,
            ctx.actor,
            "transcript.approve",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"segments": n},
        )
        if delete and iv.audio_path:
            path = _delete_audio(s, ctx, iv, "approved (delete_audio_on_approve)")
    _unlink(path)
    return {"audio_deleted": path is not None}


# --- jobs -------------------------------------------------------------------------------------


def _active_job(s: Session, interview_id: int) -> TranscriptionJob | None:
    job = s.scalars(
        select(TranscriptionJob)
        .where(TranscriptionJob.interview_id == interview_id, TranscriptionJob.status.in_(ACTIVE))
        .order_by(TranscriptionJob.id.desc())
    ).first()
    if job is None:
        return None
    if _is_stale(job):
        job.status = "interrupted"
        job.error = "Afbrudt: processen stoppede, før jobbet blev færdigt."
        job.finished_at = utcnow()
        return None
    return job


def _is_stale(job: TranscriptionJob) -> bool:
    with _lock:
        thread = _threads.get(job.id)
    if thread is not None and thread.is_alive():
        return False
    beat = job.heartbeat_at or job.started_at or job.created_at
    if beat is not None and beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return beat is None or datetime.now(UTC) - beat > STALE_AFTER


def _protected(s: Session, interview_id: int) -> tuple[int, int]:
    """(segments edited by hand or de-identified, codings and consensus codings) that a new
    run would replace."""
    edited = (
        s.scalar(
            select(func.count(Segment.id)).where(
                Segment.interview_id == interview_id, Segment.edited.is_(True)
            )
        )
        or 0
    )
    coded = sum(
        s.scalar(
            select(func.count(m.id))
            .join(Segment, m.segment_id == Segment.id)
            .where(Segment.interview_id == interview_id)
        )
        or 0
        for m in (Coding, ConsensusCoding)
    )
    deid = (
        s.scalar(
            select(func.count(Segment.id)).where(
                Segment.interview_id == interview_id, Segment.deidentified.is_(True)
            )
        )
        or 0
    )
    return edited + deid, coded


def start_transcription(
    ctx: Context,
    interview_id: int,
    *,
    model: str | None = None,
    language: str | None = "da",
    engine: str = "faster-whisper",
    overwrite_edited: bool = False,
    wait: bool = False,
) -> int:
    """Queue a job and run it (in a background thread unless ``wait``); returns its id."""
    from qualkit.transcription.engines import ENGINES

    ctx.require("transcribe")
    if engine not in ENGINES:
        raise InputError(f"Unknown engine {engine!r}: use {' or '.join(ENGINES)}.")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        if is_locked(iv):
            raise InputError(
                f"{iv.title}: the transcript is approved and cannot be re-transcribed."
            )
        path = audio_file(ctx.db, iv.audio_path)
        if path is None or not path.exists():
            raise InputError(
                f"{iv.title}: no audio to transcribe"
                + (" (it was deleted)." if iv.audio_deleted_at else "; upload it first.")
            )
        if _active_job(s, iv.id) is not None:
            raise InputError(f"{iv.title}: a transcription is already running.")
        edited, coded = _protected(s, iv.id)
        if (edited or coded) and not overwrite_edited:
            what = (
                [f"{edited} segment(s) have been edited by hand or de-identified"] if edited else []
            )
            what += [f"{coded} coding(s) are attached to its segments"] if coded else []
            raise EditedTranscript(
                f"{iv.title}: {' and '.join(what)}; transcribing again replaces them. "
                "Confirm to overwrite."
            )
        job = TranscriptionJob(
            project_id=ctx.project_id,
            interview_id=iv.id,
            status="queued",
            engine=engine,
            model=model or None,
            language=language or None,
            overwrite_edited=bool(overwrite_edited),
            created_by=ctx.actor.username,
            seconds_total=iv.duration,
            heartbeat_at=utcnow(),
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
                "overwrite_edited": bool(overwrite_edited),
            },
        )
        job_id = job.id
    stop = threading.Event()
    with _lock:
        _stops[job_id] = stop
    if wait:
        run_job(ctx.db, ctx.actor, job_id, stop)
    else:
        thread = threading.Thread(
            target=run_job,
            args=(ctx.db, ctx.actor, job_id, stop),
            name=f"qualkit-transcribe-{job_id}",
            daemon=True,
        )
        with _lock:
            _threads[job_id] = thread
        thread.start()
    return job_id


def request_stop(ctx: Context, job_id: int) -> None:
    """Ask a running job to stop; the interview keeps what it had."""
    ctx.require("transcribe")
    with ctx.db.session() as s:
        job = s.get(TranscriptionJob, job_id)
        if job is None or job.project_id != ctx.project_id:
            raise NotFound(f"No transcription job {job_id} in this project.")
        job.stop_requested = True
    with _lock:
        ev = _stops.get(job_id)
    if ev is not None:
        ev.set()


def wait_for(job_id: int, timeout: float | None = None) -> None:
    """Block until a background job of this process ends (tests, CLI)."""
    with _lock:
        thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _job_dict(job: TranscriptionJob) -> dict[str, Any]:
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
        "created_by": job.created_by,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def latest_job(ctx: Context, interview_id: int) -> dict[str, Any] | None:
    """The interview's newest job with progress and estimated time left (None if never run)."""
    ctx.require("transcribe")
    with ctx.db.session() as s:
        _interview(s, ctx, interview_id)
        _active_job(s, interview_id)  # marks a dead process's job as interrupted
        job = s.scalars(
            select(TranscriptionJob)
            .where(TranscriptionJob.interview_id == interview_id)
            .order_by(TranscriptionJob.id.desc())
        ).first()
        return None if job is None else _job_dict(job)


def _update(db: Database, job_id: int, **values: Any) -> bool:
    """Write fields on the job row; returns whether a stop was requested."""
    with db.session() as s:
        job = s.get(TranscriptionJob, job_id)
        for k, v in values.items():
            setattr(job, k, v)
        return bool(job.stop_requested)


def run_job(db: Database, actor: Actor, job_id: int, stop: threading.Event | None = None) -> None:
    """Run one queued job to its end: done, failed or interrupted. Never raises."""
    from qualkit.transcription.pipeline import Interrupted, transcribe_file

    stop = stop or threading.Event()
    beat_stop = threading.Event()

    def heartbeat() -> None:
        while not beat_stop.wait(HEARTBEAT_EVERY):
            try:
                if _update(db, job_id, heartbeat_at=utcnow()):
                    stop.set()
            except Exception:  # the next beat tries again
                log.exception("heartbeat of transcription job %s failed", job_id)

    beater = threading.Thread(target=heartbeat, daemon=True, name=f"qualkit-beat-{job_id}")
    try:
        with db.session() as s:
            job = s.get(TranscriptionJob, job_id)
            iv = s.get(Interview, job.interview_id)
            path = audio_file(db, iv.audio_path)
            job.status, job.started_at, job.heartbeat_at = "running", utcnow(), utcnow()
            params = {"model": job.model, "language": job.language, "engine": job.engine}
            interview_id, project_id, overwrite = iv.id, iv.project_id, job.overwrite_edited
        beater.start()
        last = [0.0]

        def progress(done: float, total: float) -> None:
            import time

            now = time.monotonic()
            if now - last[0] < 0.5 and done < total:
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

        if path is None or not path.exists():
            raise InputError("the interview's audio is gone.")
        result = transcribe_file(
            path,
            model=params["model"],
            language=params["language"],
            engine=params["engine"],
            progress=progress,
            should_stop=stop.is_set,
        )
        _store_result(db, actor, job_id, interview_id, project_id, overwrite, result)
    except Interrupted:
        _finish(db, actor, job_id, "interrupted", "Stoppet før slutningen; intet blev gemt.")
    except QualkitError as exc:
        _finish(db, actor, job_id, "failed", str(exc))
    except Exception as exc:  # a bug: keep the job row truthful, log the traceback
        log.exception("transcription job %s failed", job_id)
        _finish(db, actor, job_id, "failed", f"Uventet fejl ({type(exc).__name__}).")
    finally:
        beat_stop.set()
        with _lock:
            _stops.pop(job_id, None)


def _finish(db: Database, actor: Actor, job_id: int, status: str, error: str) -> None:
    with db.session() as s:
        job = s.get(TranscriptionJob, job_id)
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


def _store_result(
    db: Database,
    actor: Actor,
    job_id: int,
    interview_id: int,
    project_id: int,
    overwrite: bool,
    result: Transcript,
) -> None:
    """Replace the interview's segments with the result, in one transaction."""
    with db.session() as s:
        job = s.get(TranscriptionJob, job_id)
        iv = s.get(Interview, interview_id)
        edited, coded = _protected(s, iv.id)
        if (edited or coded) and not overwrite:
            raise EditedTranscript(
                f"{iv.title}: segments were edited or coded while "
                "transcribing; nothing was replaced. Start again and confirm "
                "to overwrite."
            )
        for seg in list(iv.segments):
            s.delete(seg)
        s.flush()
        iv.segments = [
            Segment(position=i, start=p.start, end=p.end, speaker=p.speaker, text=p.text)
            for i, p in enumerate(result.segments)
        ]
        names = dict(iv.speakers or {})
        for p in result.segments:
            if p.speaker and p.speaker not in names:
                names[p.speaker] = {}
        iv.speakers = names
        iv.status, iv.source, iv.duration = "transcribed", "transcription", result.duration
        iv.language = result.language or iv.language
        job.status, job.progress, job.finished_at = "done", 1.0, utcnow()
        job.seconds_done = job.seconds_total = result.duration
        job.model_label, job.segments = result.model, len(result.segments)
        audit.record(
            s,
            actor,
            "transcription.done",
            project_id=project_id,
            target_type="interview",
            target_id=iv.id,
            details={
                "job": job_id,
                "segments": len(result.segments),
                "seconds": result.duration,
                "engine": result.engine,
                "replaced_edited": edited,
                "replaced_codings": coded,
            },
        )
