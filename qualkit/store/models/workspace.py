"""The evaluator's workspace: analytic memos (with links to passages and codes) and per-user
preferences such as the interview last worked on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

MEMO_KINDS = ("interview", "code", "project")


class Memo(Base):
    """A memo on an interview, on a code, or a free project memo (title, text, links)."""

    __tablename__ = "memo"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # interview | code | project
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), nullable=True, index=True
    )
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("code.id", ondelete="CASCADE"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # The REFI-QDA note GUID it was imported with (None: made in qualkit, whose exports
    # derive one from the id), so a round trip gives other tools the same note.
    guid: Mapped[str | None] = mapped_column(String(40), nullable=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    links: Mapped[list[MemoLink]] = relationship(
        back_populates="memo", cascade="all, delete-orphan", order_by="MemoLink.id"
    )


class MemoLink(Base):
    """A memo's link to a passage (segment, optional span) or to a code."""

    __tablename__ = "memo_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    memo_id: Mapped[int] = mapped_column(ForeignKey("memo.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), nullable=True, index=True
    )
    start_char: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_char: Mapped[int | None] = mapped_column(Integer, nullable=True)
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("code.id", ondelete="CASCADE"), nullable=True
    )

    memo: Mapped[Memo] = relationship(back_populates="links")


class UserPreference(Base):
    """One remembered choice of a user (e.g. ``last_interview``) in a project."""

    __tablename__ = "user_preference"
    __table_args__ = (UniqueConstraint("user_id", "project_id", "name", name="uq_user_preference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
