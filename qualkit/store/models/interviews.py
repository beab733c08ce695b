"""Interviews, their segments (the coding unit) and de-identification decisions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
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

from .base import Base, utcnow

INTERVIEW_STATUSES = ("new", "transcribing", "transcribed", "deidentified", "approved")


class InterviewKind(StrEnum):
    """What a source is (docs/DESIGN.md: ``kind``). Field notes, logbooks and documents are
    coded like interviews but have no interviewee: they are never quoted as a citizen."""

    CITIZEN = "citizen"
    STAFF = "staff"
    FOCUS_GROUP = "focus_group"
    JOINT = "joint"
    FIELDNOTE = "fieldnote"
    LOGBOOK = "logbook"
    DOCUMENT = "document"


# Kinds that are not conversations (no interviewer, no interviewee).
WRITTEN_KINDS = frozenset({InterviewKind.FIELDNOTE, InterviewKind.LOGBOOK, InterviewKind.DOCUMENT})


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
    kind: Mapped[str] = mapped_column(String(20), default="citizen")  # InterviewKind
    staff_role: Mapped[str | None] = mapped_column(String(80), nullable=True)
    wave: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interview_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    interviewer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    site: Mapped[str | None] = mapped_column(String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
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
    # REFI-QDA import: {"guid", "file", "producer", "positions", "lead", "layout", "attested"}.
    # With "layout" the source's exact text is lead + prefix + text + trail of each segment.
    exchange: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    segments: Mapped[list[Segment]] = relationship(
        back_populates="interview", order_by="Segment.position", cascade="all, delete-orphan"
    )
    people: Mapped[list[InterviewPerson]] = relationship(
        back_populates="interview", order_by="InterviewPerson.id", cascade="all, delete-orphan"
    )


class InterviewPerson(Base):
    """A person in an interview: a linked participant (with or without a speaker label) or a
    speaker label with a role (interviewer, a staff role). Analysis and quotes take each turn's
    role from its speaker's row here; a participant's withdrawal reaches every interview they
    are linked to."""

    __tablename__ = "interview_person"
    __table_args__ = (
        UniqueConstraint("interview_id", "speaker", name="uq_interview_person_speaker"),
        UniqueConstraint("interview_id", "participant_id", name="uq_interview_person_participant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), nullable=True, index=True
    )
    speaker: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # "borger", "interviewer" or a staff role ("jobkonsulent", "fysioterapeut", ...).
    role: Mapped[str] = mapped_column(String(80), default="borger")

    interview: Mapped[Interview] = relationship(back_populates="people")


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
    # Imported sources: what stood before the text on its line (a speaker prefix) and after it
    # up to the next segment (line breaks), so the file's text is rebuilt exactly.
    prefix: Mapped[str] = mapped_column(Text, default="", server_default="")
    trail: Mapped[str] = mapped_column(Text, default="", server_default="")
    # SHA-256 of the text an importer attested as de-identified (--deidentified); the export
    # check treats the text as reviewed while it is unchanged.
    attested_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Word timestamps from the transcription: [[start, end, word], ...] (None when imported).
    words: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)

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
    decision: Mapped[str] = mapped_column(
        String(20), default="proposed"
    )  # proposed|accepted|rejected
    scope: Mapped[str] = mapped_column(String(20), default="occurrence")  # occurrence | project
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The segment text version ``start``/``end`` refer to; ``stale`` once an edit removed
    # the words (approval refuses until a new proposal run re-anchors or drops it).
    text_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
