"""Interviews, their segments (the coding unit) and de-identification decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qualkit.enums import INTERVIEW_STATUSES as INTERVIEW_STATUSES  # re-exported
from qualkit.enums import DecisionState, InterviewStatus

from .base import Base, utcnow


class Interview(Base):
    __tablename__ = "interview"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="citizen")  # citizen | staff | group
    staff_role: Mapped[str | None] = mapped_column(String(80), nullable=True)
    wave: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interview_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    interviewer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=InterviewStatus.NEW.value)
    language: Mapped[str] = mapped_column(String(10), default="da")
    source: Mapped[str] = mapped_column(String(40), default="import")  # import | transcription
    audio_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    audio_deleted_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # When an evaluator approved the transcription (text final; retention may delete the audio).
    # Separate from ``status``: "approved" there is the de-identification review's approval.
    transcript_approved_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Speaker label -> role / display name ("I" -> interviewer, "B03" -> citizen).
    speakers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    segments: Mapped[list[Segment]] = relationship(
        back_populates="interview", order_by="Segment.position", cascade="all, delete-orphan"
    )


class Segment(Base):
    """One speaker turn: the unit that is coded and quoted."""

    __tablename__ = "segment"
    __table_args__ = (
        UniqueConstraint("interview_id", "position", name="uq_segment_interview_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[float | None] = mapped_column(Float, nullable=True)
    end: Mapped[float | None] = mapped_column(Float, nullable=True)
    speaker: Mapped[str | None] = mapped_column(String(80), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # True once a person changed the text; re-transcription must ask before replacing it.
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    deidentified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Every change of ``text`` counts one version up (qualkit.store.anchoring); the
    # de-identification proposal run records the version it saw (approval needs them equal).
    text_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    proposed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    interview: Mapped[Interview] = relationship(back_populates="segments")


class EntityDecision(Base):
    """A reviewer's decision on a proposed identifying span.

    The surface text itself is identifying, so only its keyed hash is kept here;
    the clear text lives in the encrypted vault.
    """

    __tablename__ = "entity_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), nullable=True, index=True
    )
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), nullable=True
    )
    start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    surface_hash: Mapped[str] = mapped_column(String(128), index=True)
    # Keyed hash of the entity the pseudonym belongs to (a roster entry or a normalised name).
    entity_hash: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    label: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), default="manual")
    pseudonym: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decision: Mapped[str] = mapped_column(String(20), default=DecisionState.PROPOSED.value)
    scope: Mapped[str] = mapped_column(String(20), default="occurrence")  # occurrence | project
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The segment text version ``start``/``end`` refer to; ``stale`` once an edit removed
    # the words (approval refuses until a new proposal run re-anchors or drops it).
    text_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
