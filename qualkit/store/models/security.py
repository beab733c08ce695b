"""Privacy and log-in state: the key vault's rows, report labels, sessions, throttling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class VaultKey(Base):
    """The one key vault of the database: public key, private key wrapped under the
    passphrase (KDF parameters stored), keyed-hash key wrapped under the server secret."""

    __tablename__ = "vault_key"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    format: Mapped[str] = mapped_column(String(40))
    kdf: Mapped[dict[str, Any]] = mapped_column(JSON)
    public_key: Mapped[str] = mapped_column(Text)
    private_nonce: Mapped[str] = mapped_column(Text)
    private_ct: Mapped[str] = mapped_column(Text)
    hash_salt: Mapped[str] = mapped_column(Text)
    hash_nonce: Mapped[str] = mapped_column(Text)
    hash_ct: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VaultEntry(Base):
    """One sealed entry (AEAD; associated data = uid, tag, kind, project)."""

    __tablename__ = "vault_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # Keyed hash of what the entry belongs to (participant, interview): removable on
    # withdrawal without the passphrase.
    tag: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # 2: bound by associated data; 1: moved from a qualkit-vault/1 file (re-sealed on unlock).
    version: Mapped[int] = mapped_column(Integer, default=2)
    eph: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str] = mapped_column(Text)
    ct: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportLabel(Base):
    """A citizen's report label ("Borger 17"): random per project, stable once issued. The
    citizen is known here only by a keyed hash; the clear mapping is sealed in the vault."""

    __tablename__ = "report_label"
    __table_args__ = (
        UniqueConstraint("project_id", "citizen_hash", name="uq_report_label_citizen"),
        UniqueConstraint("project_id", "label", name="uq_report_label_label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    citizen_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuthSession(Base):
    """A log-in: the app's cookie or a CLI token. Only the token's SHA-256 is stored."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "web" or "cli"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginThrottle(Base):
    """Failed log-ins in a row per user name, and until when the name is locked."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
