"""The acting user and project that every service call runs as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from qualkit.errors import NotFound
from qualkit.store import Database
from qualkit.store.models import User

from .permissions import require

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


def fetch(s: Session, model: type[T], key: object) -> T:
    """``Session.get`` for a row that must exist; a missing one is NotFound, not None."""
    row = s.get(model, key)
    if row is None:
        raise NotFound(f"{model.__name__} {key} findes ikke.")
    return row


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str
    site: str | None = None

    @classmethod
    def from_user(cls, user: User) -> Actor:
        return cls(user.id, user.username, user.role, user.site)


# The actor for system work done by the CLI on a user's behalf (demo set-up).
SYSTEM = Actor(None, "system", "admin")


@dataclass
class Context:
    """A database, the acting user and the current project."""

    db: Database
    actor: Actor
    project_id: int

    def require(self, capability: str) -> None:
        require(self.actor, capability)
