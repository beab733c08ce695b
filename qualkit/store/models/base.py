"""Declarative base and small column helpers shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(t: datetime) -> datetime: ...
@overload
def as_utc(t: None) -> None: ...
def as_utc(t: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time: SQLite gives naive ones back, PostgreSQL aware ones."""
    return None if t is None else (t if t.tzinfo is not None else t.replace(tzinfo=UTC))
