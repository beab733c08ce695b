"""What the transcription services share: the interview lookup, locks, the active job.

Split from the use cases (``transcription_audio``: audio and retention;
``transcription_jobs``: queueing and running jobs; ``transcription_voices``: speakers
across interviews) so that none of them imports another's internals.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from qualkit.errors import InputError, NotFound
from qualkit.messages import msg
from qualkit.store import Database
from qualkit.store.models import Coding, ConsensusCoding, Interview, Segment, TranscriptionJob

from .context import Context

ACTIVE = ("queued", "running")
DONE = ("done", "failed", "interrupted", "cancelled")


class EditedTranscript(InputError):
    """The interview has segments a person edited; re-transcribing needs confirmation."""


def _interview(s, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(msg("interview.not_found", id=interview_id))
    return iv


def _job(s, job_id: int) -> TranscriptionJob:
    """The job row a worker updates; NotFound once it is gone (its interview was deleted,
    which deletes its jobs)."""
    job = s.get(TranscriptionJob, job_id)
    if job is None:
        raise NotFound(msg("job.not_found", id=job_id))
    return job


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


def _active_job(s, interview_id: int) -> TranscriptionJob | None:
    """The interview's queued or running job (a job whose worker died is retried by the
    queue, so it stays active until the queue gives up on it)."""
    return s.scalars(
        select(TranscriptionJob)
        .where(TranscriptionJob.interview_id == interview_id, TranscriptionJob.status.in_(ACTIVE))
        .order_by(TranscriptionJob.id.desc())
    ).first()


def _protected(s, interview_id: int) -> tuple[int, int]:
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
