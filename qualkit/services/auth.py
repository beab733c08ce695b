"""Log-in for the app and the CLI: throttling, lock-out, server-side sessions, audit.

A session is an ``auth_session`` row holding only the SHA-256 of a random token; the app
keeps the token in a signed HttpOnly cookie (``ui/session_cookie.py``), the CLI in a 0600
file (``qualkit login``) or ``$QUALKIT_TOKEN``. Every use re-reads the user: deactivation,
a role change, log-out or expiry act at once. After ``MAX_FAILURES`` wrong passwords in a
row a user name is locked for ``lockout_minutes()``; failures and lock-outs are audited.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qualkit.errors import PermissionDenied
from qualkit.store import Database
from qualkit.store.models import AuthSession, LoginThrottle, User, as_utc

from . import _retry, audit, users
from .context import Actor

MAX_FAILURES = 5
CLI_DAYS = 14


class SessionKind(StrEnum):
    WEB = "web"
    CLI = "cli"


class LoginFailed(PermissionDenied):
    """Wrong user name or password (never which of the two)."""


class LockedOut(PermissionDenied):
    """Too many wrong passwords in a row: the user name is locked for a while."""


@dataclass(frozen=True)
class LoginResult:
    actor: Actor
    token: str
    expires_at: datetime


def idle_hours() -> float:
    """The app's idle timeout: ``$QUALKIT_SESSION_IDLE_HOURS``, default 8 hours."""
    try:
        return max(0.01, float(os.environ.get("QUALKIT_SESSION_IDLE_HOURS", "8")))
    except ValueError:
        return 8.0


def lockout_minutes() -> float:
    try:
        return max(0.0, float(os.environ.get("QUALKIT_LOCKOUT_MINUTES", "15")))
    except ValueError:
        return 15.0


def _now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _anonymous(username: str) -> Actor:
    return Actor(None, (username or "?")[:80], "anonymous")


def _throttle(s: Session, username: str) -> LoginThrottle:
    row = s.get(LoginThrottle, username)
    if row is None:
        row = LoginThrottle(username=username, failures=0)
        s.add(row)
    return row


def _fail(db: Database, username: str, kind: SessionKind) -> None:
    def work(s: Session) -> bool:
        row = _throttle(s, username)
        row.failures = (row.failures or 0) + 1
        row.last_failure_at = _now()
        details = {"kind": str(kind), "failures": row.failures}
        audit.record(s, _anonymous(username), "login.failed", details=details)
        if row.failures >= MAX_FAILURES:
            row.locked_until = _now() + timedelta(minutes=lockout_minutes())
            audit.record(s, _anonymous(username), "login.lockout", details=details)
            return True
        return False

    # Two failures at once both create the row: the unique key refuses one, _retry counts again.
    if _retry.write(db, work):
        raise LockedOut(_locked_message())
    raise LoginFailed("Forkert brugernavn eller adgangskode.")


def _locked_message() -> str:
    return (
        "For mange forkerte adgangskoder i træk: brugeren er låst i "
        f"{lockout_minutes():.0f} minutter. Prøv igen senere, eller bed en administrator om hjælp."
    )


def log_in(db: Database, username: str, password: str, kind: SessionKind) -> LoginResult:
    """Check the password (throttled) and open a session; audited either way."""
    username = username.strip()

    def refused(s: Session) -> bool:
        row = s.get(LoginThrottle, username)
        until = as_utc(row.locked_until) if row is not None else None
        if until is not None and until > _now():
            audit.record(s, _anonymous(username), "login.refused", details={"kind": str(kind)})
            return True
        return False

    if _retry.write(db, refused):
        raise LockedOut(_locked_message())
    actor = users.authenticate(db, username, password)
    if actor is None:
        _fail(db, username, kind)
    assert actor is not None
    return _open_session(db, actor, kind, {"kind": str(kind)})


def sso_log_in(
    db: Database, email: str, issuer: str, email_verified: bool | None = None
) -> LoginResult:
    """A web session for the user whose e-mail the identity provider vouched for (single
    sign-on, OpenID Connect: ``ui/sso.py``); refused, and audited, when the provider says the
    address is unverified or no active user has it. The address is never in the audit log."""
    address = users.normal_email(email)
    actor = users.actor_for_email(db, address) if email_verified is not False else None
    details = {"kind": str(SessionKind.WEB), "method": "oidc", "issuer": issuer[:200]}
    if actor is None:

        def refuse(s: Session) -> None:
            audit.record(s, _anonymous("oidc"), "login.failed", details=details)

        _retry.write(db, refuse)
        if email_verified is False:
            raise LoginFailed(f"Identitetsudbyderen har ikke bekræftet e-mailadressen {address}.")
        raise LoginFailed(
            f"Ingen aktiv qualkit-bruger har e-mailadressen {address or '(ingen)'}. "
            "Bed en administrator om at tilføje den på din bruger."
        )
    return _open_session(db, actor, SessionKind.WEB, details)


def _open_session(
    db: Database, actor: Actor, kind: SessionKind, details: dict[str, str]
) -> LoginResult:
    token = secrets.token_urlsafe(32)
    now = _now()
    expires = now + (
        timedelta(hours=idle_hours()) if kind == SessionKind.WEB else timedelta(days=CLI_DAYS)
    )

    def open_session(s: Session) -> None:
        row = s.get(LoginThrottle, actor.username)
        if row is not None:
            row.failures, row.locked_until = 0, None
        s.add(
            AuthSession(
                user_id=actor.user_id,
                token_hash=token_hash(token),
                kind=str(kind),
                created_at=now,
                last_seen_at=now,
                expires_at=expires,
            )
        )
        audit.record(s, actor, "login", details=details)

    _retry.write(db, open_session)
    return LoginResult(actor, token, expires)


def resolve(db: Database, token: str | None, kind: SessionKind | None = None) -> Actor | None:
    """The user of a live session, re-read from the database; None if the session is over.

    A web session's idle timer restarts with each use."""
    if not token:
        return None
    now = _now()

    # A write transaction from the start (it updates the idle timer): a read-then-write
    # transaction on SQLite fails if a worker commits in between.
    def work(s: Session) -> Actor | None:
        row = s.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
        if row is None or row.revoked_at is not None or (kind is not None and row.kind != kind):
            return None
        expires = as_utc(row.expires_at)
        if expires is None or expires <= now:
            return None
        user = s.get(User, row.user_id)
        if user is None or not user.active:
            return None
        if row.kind == SessionKind.WEB:
            row.last_seen_at = now
            row.expires_at = now + timedelta(hours=idle_hours())
        return Actor.from_user(user)

    return _retry.write(db, work)


def log_out(db: Database, token: str | None) -> bool:
    """Revoke a session (audited); returns whether there was one to revoke."""
    if not token:
        return False

    def work(s: Session) -> bool:
        row = s.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = _now()
        user = s.get(User, row.user_id)
        who = Actor.from_user(user) if user is not None else _anonymous("?")
        audit.record(s, who, "logout", details={"kind": row.kind})
        return True

    return _retry.write(db, work)


def revoke_user(s: Session, user_id: int) -> int:
    """Revoke every live session of a user, in the caller's transaction (deactivation)."""
    result = s.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE: CursorResult
