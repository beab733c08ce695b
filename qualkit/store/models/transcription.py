"""Transcription jobs: one run of a Whisper engine over an interview's audio.

The job row is what the app polls for progress (share done, seconds done of total)
while the run goes on in the background. Segments are written only when a job
finishes, in one transaction, so an interrupted job leaves the interview as it was.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed", "interrupted", "cancelled")


class TranscriptionJob(Base):
    __tablename__ = "transcription_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="queued")
    engine: Mapped[str] = mapped_column(String(40), default="faster-whisper")
    model: Mapped[str | None] = mapped_column(Text, nullable=True)  # as asked (None: offline)
    model_label: Mapped[str | None] = mapped_column(Text, nullable=True)  # as resolved
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # The user confirmed that edited segments may be replaced.
    overwrite_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # share 0..1
    seconds_done: Mapped[float] = mapped_column(Float, default=0.0)
    seconds_total: Mapped[float | None] = mapped_column(Float, nullable=True)
    segments: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lower runs first (a re-run after an edit: 0; a batch: 10).
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    speakers: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: find them
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)  # host:pid
    decoding: Mapped[str | None] = mapped_column(String(20), nullable=True)
    speaker_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class QueuedTask(Base):
    """The job queue on the embedded SQLite database (PostgreSQL uses procrastinate's tables).

    A worker claims the first queued task of its queues by priority in one UPDATE, beats a
    heartbeat while it runs, and marks it done or failed; a task whose worker died (stale
    heartbeat) goes back to the queue until ``max_attempts``.
    """

    __tablename__ = "queued_task"
    __table_args__ = (Index("ix_queued_task_pick", "status", "queue", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(80))
    ref_id: Mapped[int] = mapped_column(Integer)  # e.g. the transcription job's id
    queue: Mapped[str] = mapped_column(String(40), default="transcription")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(
        String(20), default="queued"
    )  # queued|running|done|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    locked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SpeakerVoice(Base):
    """A speaker's mean voice vector from one interview (never leaves the project's database).

    The speaker's current name is found through the interview's ``speakers`` mapping, whose
    entry carries ``{"voice": id}`` (a rename keeps it). Deleted with the interview's audio.
    """

    __tablename__ = "speaker_voice"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(80))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, 256 values
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
