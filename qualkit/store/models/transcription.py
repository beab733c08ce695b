"""Transcription jobs: one run of a Whisper engine over an interview's audio.

The job row is what the app polls for progress (share done, seconds done of total)
while the run goes on in the background. Segments are written only when a job
finishes, in one transaction, so an interrupted job leaves the interview as it was.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qualkit.enums import JOB_STATUSES as JOB_STATUSES  # re-exported
from qualkit.enums import JobStatus

from .base import Base, utcnow


class TranscriptionJob(Base):
    __tablename__ = "transcription_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED.value)
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
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
