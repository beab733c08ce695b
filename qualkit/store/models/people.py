"""Projects, users with roles, and trial participants (by project ID only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qualkit.enums import ROLES as ROLES  # re-exported; defined once there
from qualkit.limits import PARTICIPANT_LENGTHS

from .base import Base, utcnow


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Project settings (retention rule, staff edit window, ...); see services.projects.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    participants: Mapped[list[Participant]] = relationship(back_populates="project")


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (Index("uq_user_account_email", "email", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    # Staff log deliveries for citizens of their own site only.
    site: Mapped[str | None] = mapped_column(String(120), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The REFI-QDA user GUID of a coder created by an import, reused by every export (a
    # qualkit user's GUID is derived from the username).
    exchange_guid: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Lower-case; single sign-on (OpenID Connect) maps the identity provider's e-mail here.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Participant(Base):
    """One row of the trial's participant register; identified by project ID only."""

    __tablename__ = "participant"
    __table_args__ = (
        UniqueConstraint("project_id", "citizen_id", name="uq_participant_project_citizen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    citizen_id: Mapped[str] = mapped_column(String(PARTICIPANT_LENGTHS["citizen_id"]))
    arm: Mapped[str | None] = mapped_column(String(PARTICIPANT_LENGTHS["arm"]), nullable=True)
    site: Mapped[str | None] = mapped_column(String(PARTICIPANT_LENGTHS["site"]), nullable=True)
    screened_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    eligible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    exclusion_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    randomised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    consent_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    withdrawn_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Dropping out of the intervention (data kept, analysed by intention to treat) is not
    # withdrawing consent (withdrawn_date: the person's data are removed).
    dropout_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    dropout_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Offered the intervention; declined it (before or after allocation) and why.
    offered_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    declined_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    declined_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Descriptive attributes (sex, age, diagnosis group, ...) from extra register columns.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    project: Mapped[Project] = relationship(back_populates="participants")
