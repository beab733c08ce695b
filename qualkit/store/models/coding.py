"""Codebooks, codes, each coder's codings and the agreed consensus coding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

FRAMEWORKS = (
    "reach",
    "effectiveness",
    "adoption",
    "implementation",
    "maintenance",
    "fidelity",
    "mechanism",
    "context",
    "theme",
)


class Codebook(Base):
    __tablename__ = "codebook"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_codebook_project_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(10), default="da")
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    codes: Mapped[list[Code]] = relationship(
        back_populates="codebook", cascade="all, delete-orphan"
    )


class CodebookVersion(Base):
    """One entry of a codebook's version log: every editor change bumps Codebook.version."""

    __tablename__ = "codebook_version"
    __table_args__ = (
        UniqueConstraint("codebook_id", "version", name="uq_codebook_version_codebook_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(
        ForeignKey("codebook.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(
        String(40)
    )  # import | add | rename | move | merge | retire | edit
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    username: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Code(Base):
    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("codebook_id", "key", name="uq_code_codebook_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(
        ForeignKey("codebook.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), nullable=True)
    key: Mapped[str] = mapped_column(
        String(200)
    )  # the codebook's own id, e.g. impl.trepartssamtale
    name: Mapped[str] = mapped_column(String(300))
    framework: Mapped[str] = mapped_column(String(20), default="theme")
    description: Mapped[str] = mapped_column(Text, default="")
    include: Mapped[str] = mapped_column(Text, default="")
    exclude: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Retired codes keep their history; merged codes point at the survivor.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), nullable=True)

    codebook: Mapped[Codebook] = relationship(back_populates="codes")


class Coding(Base):
    """One coder's application of a code to a segment (optionally a character span)."""

    __tablename__ = "coding"
    __table_args__ = (
        Index("ix_coding_coder_segment", "coder_id", "segment_id"),
        # One coder applies a code to a span once (a whole segment: NULL span, counted as -1).
        Index(
            "uq_coding_coder_span",
            "coder_id",
            "segment_id",
            "code_id",
            text("coalesce(start_char, -1)"),
            text("coalesce(end_char, -1)"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    start_char: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_char: Mapped[int | None] = mapped_column(Integer, nullable=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ConsensusCoding(Base):
    """The team's agreed coding, from which quotes are exported."""

    __tablename__ = "consensus_coding"
    __table_args__ = (
        # The database, not a select-then-insert, keeps one consensus coding per code and span.
        Index(
            "uq_consensus_coding_span",
            "segment_id",
            "code_id",
            text("coalesce(start_char, -1)"),
            text("coalesce(end_char, -1)"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), index=True)
    start_char: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_char: Mapped[int | None] = mapped_column(Integer, nullable=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(20), default="new")  # take_one | take_both | new
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    revealing: Mapped[bool] = mapped_column(Boolean, default=False)
