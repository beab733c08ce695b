"""Codebooks, codes, each coder's codings and the agreed consensus coding."""

from __future__ import annotations

import uuid
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

from qualkit.enums import FRAMEWORKS  # noqa: F401  (re-exported by store.models)

from .base import Base, utcnow

# The namespace of qualkit.codebooks.qdc.GUID_NS: a code's default GUID is the one its .qdc
# export has always carried (UUID5 of the code id), so it is the same in every export.
CODE_GUID_NS = uuid.UUID("6f1c5a52-2f0e-4c43-9d8e-7a4b8f3c2e10")


def default_code_guid(key: str) -> str:
    return str(uuid.uuid5(CODE_GUID_NS, key)).upper()


def _code_guid_default(context: Any) -> str:
    return default_code_guid(str(context.get_current_parameters().get("key") or uuid.uuid4()))


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
    # REFI-QDA identity, kept through every export (.qdc, .qdpx), YAML and import.
    guid: Mapped[str | None] = mapped_column(
        String(40), nullable=True, index=True, default=_code_guid_default
    )
    color: Mapped[str | None] = mapped_column(String(9), nullable=True)
    # False for a category that groups codes but is not applied itself (isCodable="false").
    codable: Mapped[bool] = mapped_column(Boolean, default=True)
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
    # The REFI-QDA selection this coding came from (import); pieces of one selection share it.
    ref: Mapped[str | None] = mapped_column(String(80), nullable=True)
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
    ref: Mapped[str | None] = mapped_column(String(80), nullable=True)
    origin: Mapped[str] = mapped_column(String(20), default="new")  # take_one | take_both | new
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    revealing: Mapped[bool] = mapped_column(Boolean, default=False)


class ExchangeSet(Base):
    """A REFI-QDA set kept from an import: a document group (kind "sources", members are
    interview ids) or a code group (kind "codes", members are code ids)."""

    __tablename__ = "exchange_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    guid: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))  # sources | codes | framework, turns (GUID only)
    members: Mapped[list[int]] = mapped_column(JSON, default=list)
