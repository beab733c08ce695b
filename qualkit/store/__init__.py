"""Storage: SQLAlchemy models, Alembic migrations, and the database opener."""

from .db import Database

__all__ = ["Database"]
