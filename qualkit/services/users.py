"""Users, roles and log-in. Passwords are hashed with Argon2id."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qualkit.enums import ROLES, Role
from qualkit.errors import InputError, NotFound
from qualkit.messages import msg
from qualkit.store import Database
from qualkit.store.models import User

__all__ = [
    "ROLES",
    "Role",
    "UserInfo",
    "authenticate",
    "actor_for",
    "create_user",
    "current",
    "list_users",
    "new_password",
    "set_active",
    "set_role",
    "set_password",
]

from . import _retry, audit
from ._record import Record
from .context import Actor, Context

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_hasher = PasswordHasher()


def new_password() -> str:
    """A readable random password for new users (printed once, never stored)."""
    return secrets.token_urlsafe(9)


def _validate(username: str, role: str, password: str) -> None:
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise InputError(f"Brugernavnet '{username}': brug bogstaver, cifre, '.', '-' eller '_'.")
    if role not in ROLES:
        raise InputError(f"Rollen '{role}' er ikke en af {', '.join(ROLES)}.")
    if len(password) < 8:
        raise InputError("En adgangskode skal have mindst 8 tegn.")


def create_user(
    ctx: Context,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str = "",
    site: str | None = None,
    email: str | None = None,
) -> int:
    ctx.require("user.manage")
    _validate(username, role, password)
    email = clean_email(email)
    if role == "staff" and not (site or "").strip():
        raise InputError(
            "En medarbejder (staff) skal have et sted (--site): de ser kun deres eget."
        )

    def work(s: Session) -> int:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise InputError(f"Der findes allerede en bruger ved navn '{username}'.")
        _email_free(s, email, None)
        user = User(
            username=username,
            role=role,
            display_name=display_name or username,
            site=site,
            email=email,
            password_hash=_hasher.hash(password),
        )
        s.add(user)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "user.create",
            project_id=ctx.project_id,
            target_type="user",
            target_id=user.id,
            details={"username": username, "role": role},
        )
        return user.id

    return _retry.write(ctx.db, work)


def normal_email(email: str | None) -> str:
    """An e-mail address as stored and compared: trimmed, lower-case ("" for none)."""
    return (email or "").strip().lower()


def clean_email(email: str | None) -> str | None:
    """An e-mail address as stored, None for none; refused if malformed."""
    email = normal_email(email)
    if not email:
        return None
    if len(email) > 254 or not EMAIL_RE.fullmatch(email):
        raise InputError(f"'{email}' er ikke en e-mailadresse (navn@domæne.dk).")
    return email


def _email_free(s: Session, email: str | None, user_id: int | None) -> None:
    if email is None:
        return
    other = s.scalar(select(User).where(User.email == email))
    if other is not None and other.id != user_id:
        raise InputError(f"E-mailadressen {email} hører allerede til brugeren '{other.username}'.")


def set_email(ctx: Context, username: str, email: str | None) -> None:
    """The address single sign-on maps to this user (None: none, password log-in only)."""
    ctx.require("user.manage")
    email = clean_email(email)

    def work(s: Session) -> None:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(msg("user.not_found", name=username))
        _email_free(s, email, user.id)
        user.email = email
        audit.record(
            s,
            ctx.actor,
            "user.email",
            project_id=ctx.project_id,
            target_type="user",
            target_id=user.id,
            details={"username": username, "email_set": email is not None},
        )

    _retry.write(ctx.db, work)


def actor_for_email(db: Database, email: str) -> Actor | None:
    """The active user whose e-mail address this is (single sign-on); None if there is none."""
    address = normal_email(email)
    if not address:
        return None
    with db.session() as s:
        user = s.scalar(select(User).where(User.email == address))
        if user is None or not user.active:
            return None
        return Actor.from_user(user)


def set_password(ctx: Context, username: str, password: str) -> None:
    ctx.require("user.manage")
    if len(password) < 8:
        raise InputError("En adgangskode skal have mindst 8 tegn.")

    def work(s: Session) -> None:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(msg("user.unknown", name=username))
        user.password_hash = _hasher.hash(password)
        from .auth import revoke_user

        revoke_user(s, user.id)  # a reset password ends the old log-ins
        audit.record(
            s,
            ctx.actor,
            "user.password",
            project_id=ctx.project_id,
            target_type="user",
            target_id=user.id,
        )

    _retry.write(ctx.db, work)


def set_active(ctx: Context, username: str, active: bool) -> None:
    ctx.require("user.manage")

    def work(s: Session) -> None:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(msg("user.unknown", name=username))
        user.active = active
        if not active:
            from .auth import revoke_user

            revoke_user(s, user.id)
        audit.record(
            s,
            ctx.actor,
            "user.activate" if active else "user.deactivate",
            project_id=ctx.project_id,
            target_type="user",
            target_id=user.id,
        )

    _retry.write(ctx.db, work)


def set_role(ctx: Context, username: str, role: str, site: str | None = None) -> None:
    """Change a user's role (and site); acts at the user's next page or command."""
    ctx.require("user.manage")
    if role not in ROLES:
        raise InputError(f"Rollen {role!r} findes ikke; brug en af {', '.join(ROLES)}.")

    def work(s: Session) -> None:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"Ingen bruger ved navn {username!r}.")
        new_site = site if site is not None else user.site
        if role == "staff" and not (new_site or "").strip():
            raise InputError("En medarbejder (staff) skal have et sted.")
        old = user.role
        user.role, user.site = role, new_site
        audit.record(
            s,
            ctx.actor,
            "user.role",
            project_id=ctx.project_id,
            target_type="user",
            target_id=user.id,
            details={"from": old, "to": role},
        )

    _retry.write(ctx.db, work)


@dataclass(frozen=True)
class UserInfo(Record):
    username: str
    display_name: str | None
    role: Role
    site: str | None
    active: bool
    email: str | None = None


def list_users(ctx: Context) -> list[UserInfo]:
    ctx.require("user.manage")
    with ctx.db.session() as s:
        return [
            UserInfo(u.username, u.display_name, Role(u.role), u.site, u.active, u.email)
            for u in s.scalars(select(User).order_by(User.role, User.username))
        ]


def authenticate(db: Database, username: str, password: str) -> Actor | None:
    """Return the actor for a correct, active log-in; None otherwise (no hint which part failed)."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            _hasher.hash(password)  # same cost either way
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        actor = Actor.from_user(user)
        rehash = _hasher.check_needs_rehash(user.password_hash)
    if rehash:  # a write of its own, after the (slow) check: the write lock is held briefly
        new_hash = _hasher.hash(password)

        def work(s: Session) -> None:
            s.execute(update(User).where(User.id == actor.user_id).values(password_hash=new_hash))

        _retry.write(db, work)
    return actor


def actor_for(db: Database, username: str) -> Actor:
    """The actor for a known user name (the CLI's --user)."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise NotFound(msg("user.not_found", name=username))
        return Actor.from_user(user)


def current(db: Database, actor: Actor) -> Actor | None:
    """The actor re-read from the database (role, site), None once deactivated or gone.
    An actor that is no stored user (the local operator, the system) is returned as is."""
    if actor.user_id is None:
        return actor
    with db.session() as s:
        user = s.get(User, actor.user_id)
        if user is None or not user.active:
            return None
        return Actor.from_user(user)
