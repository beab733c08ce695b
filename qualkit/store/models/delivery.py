"""Delivery protocols and the staff's delivery log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qualkit.enums import EVENT_STATUSES as EVENT_STATUSES  # re-exported
from qualkit.enums import EventStatus
from qualkit.limits import EVENT_LENGTHS

from .base import Base, utcnow


class Protocol(Base):
    __tablename__ = "protocol"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_protocol_project_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # The protocol YAML as given (docs/DESIGN.md "Delivery protocol"), validated on save.
    definition: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeliveryEvent(Base):
    __tablename__ = "delivery_event"
    __table_args__ = (
        Index("uq_delivery_event_import_key", "project_id", "import_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(Date)
    component: Mapped[str] = mapped_column(String(EVENT_LENGTHS["component"]))
    staff_role: Mapped[str | None] = mapped_column(
        String(EVENT_LENGTHS["staff_role"]), nullable=True
    )
    staff_id: Mapped[str | None] = mapped_column(String(EVENT_LENGTHS["staff_id"]), nullable=True)
    minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    mode: Mapped[str | None] = mapped_column(String(EVENT_LENGTHS["mode"]), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.DELIVERED.value)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Imported rows: SHA-256 of what makes two log rows one event (services.delivery.import_key),
    # unique per project so concurrent imports cannot double an event; empty when logged by hand.
    import_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
