"""The key vault in the project database (crypto in ``qualkit.deid.vault``).

One vault per database: a ``vault_key`` row and sealed ``vault_entry`` rows. Entries are
written in the caller's transaction (``seal_entries(session, ...)``), so an approval
never commits without its sealed raw text, and every machine of a team shares the vault.
Adding entries and keyed hashes need the server secret (``qualkit.userconfig``), never the
passphrase; reading needs the passphrase (admin).

A ``vault.enc`` file of an earlier qualkit is moved in on first use (its clear hash key
re-wrapped under the server secret) and then deleted; its entries and private key are
re-sealed with today's parameters the first time an admin unlocks the vault.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qualkit.deid import vault as crypto
from qualkit.deid.vault import KeyMaterial, Sealed, VaultError
from qualkit.errors import InputError
from qualkit.store import Database
from qualkit.store.models import Project, VaultEntry, VaultKey
from qualkit.userconfig import secret_file, server_secret

from . import _retry

log = logging.getLogger(__name__)
NO_VAULT = "Der er ingen nøgleboks endnu; en administrator skal oprette den først."


@dataclass(frozen=True)
class VaultContents:
    """What an unlock returned: the readable entries and how many were damaged."""

    entries: list[dict[str, Any]]
    damaged: int


def _material(row: VaultKey) -> KeyMaterial:
    return KeyMaterial(
        kdf=dict(row.kdf),
        public_key=row.public_key,
        private_nonce=row.private_nonce,
        private_ct=row.private_ct,
        hash_salt=row.hash_salt,
        hash_nonce=row.hash_nonce,
        hash_ct=row.hash_ct,
        format=row.format,
    )


def _store(row: VaultKey, km: KeyMaterial) -> None:
    row.format, row.kdf, row.public_key = km.format, dict(km.kdf), km.public_key
    row.private_nonce, row.private_ct = km.private_nonce, km.private_ct
    row.hash_salt, row.hash_nonce, row.hash_ct = km.hash_salt, km.hash_nonce, km.hash_ct


def _migrate_legacy(db: Database) -> None:
    """Move a qualkit-vault/1 file into the database, then delete the file."""
    path = db.settings.vault_path
    if not path.exists():
        return
    legacy = crypto.read_legacy_file(path, server_secret(db.settings.data_dir))

    def work(s: Session) -> None:
        if s.get(VaultKey, 1) is None:
            row = VaultKey(id=1)
            _store(row, legacy.keys)
            s.add(row)
            for tag, sealed in legacy.entries:
                s.add(
                    VaultEntry(
                        uid=secrets.token_hex(16),
                        project_id=None,
                        tag=tag,
                        kind="legacy",
                        version=1,
                        eph=sealed.eph,
                        nonce=sealed.nonce,
                        ct=sealed.ct,
                    )
                )

    _retry.write(db, work)
    with path.open("r+b") as fh:  # overwrite the clear hash key before unlinking
        size = fh.seek(0, 2)
        fh.seek(0)
        fh.write(b"\0" * size)
    path.unlink()
    log.info("vault.enc moved into the database (%d entries)", len(legacy.entries))


def exists(db: Database) -> bool:
    with db.session() as s:
        if s.get(VaultKey, 1) is not None:
            return True
    return db.settings.vault_path.exists()


def create(db: Database, passphrase: str) -> None:
    """Create the database's vault (the caller checks the role and audits)."""
    _migrate_legacy(db)
    km = KeyMaterial.create(passphrase, server_secret(db.settings.data_dir))

    def work(s: Session) -> None:
        if s.get(VaultKey, 1) is not None:
            raise InputError("Der findes allerede en nøgleboks i denne database.")
        row = VaultKey(id=1)
        _store(row, km)
        s.add(row)

    _retry.write(db, work)


class DbVault:
    """The vault as services without the passphrase see it: keyed hashes, seal, remove."""

    def __init__(self, public_key: bytes, hash_key: bytes) -> None:
        self._public = public_key
        self._hash_key = hash_key

    def keyed_hash(self, value: str) -> str:
        return crypto.keyed_hash(self._hash_key, value)

    def tag(self, project_id: int, kind: str, ref: Any) -> str:
        return self.keyed_hash(f"{project_id}:{kind}:{ref}")

    def add_many(
        self, entries: Iterable[dict[str, Any]], tag: str | None = None, *, session: Session
    ) -> int:
        return seal_entries(session, self, tag, list(entries))

    def add(self, entry: dict[str, Any], tag: str | None = None, *, session: Session) -> int:
        return seal_entries(session, self, tag, [entry])

    def remove(self, tag: str, *, session: Session) -> int:
        return remove_entries(session, tag)


def open_vault(db: Database) -> DbVault:
    """The vault for adding entries and keyed hashes (needs the server secret)."""
    _migrate_legacy(db)
    with db.session() as s:
        row = s.get(VaultKey, 1)
        if row is None:
            raise VaultError(NO_VAULT)
        km = _material(row)
    hash_key = km.hash_key(server_secret(db.settings.data_dir), secret_file())
    return DbVault(crypto.unb64(km.public_key), hash_key)


def hasher_or_none(db: Database) -> DbVault | None:
    """The vault if there is one (and the secret fits), else None."""
    try:
        return open_vault(db)
    except VaultError:
        return None


def seal_entries(
    session: Session, vault: DbVault, tag: str | None, entries: list[dict[str, Any]]
) -> int:
    """Seal entries into the vault in the caller's transaction; returns how many."""
    for entry in entries:
        uid = secrets.token_hex(16)
        kind = str(entry.get("kind") or "entry")[:20]
        project_id = entry.get("project_id")
        sealed = crypto.seal(vault._public, entry, crypto.entry_ad(uid, tag, kind, project_id))
        session.add(
            VaultEntry(
                uid=uid,
                project_id=project_id,
                tag=tag,
                kind=kind,
                version=2,
                eph=sealed.eph,
                nonce=sealed.nonce,
                ct=sealed.ct,
            )
        )
    session.flush()
    return len(entries)


def remove_entries(session: Session, tag: str) -> int:
    """Delete every entry with this tag in the caller's transaction; returns how many."""
    n = session.scalar(select(func.count()).select_from(VaultEntry).where(VaultEntry.tag == tag))
    session.execute(delete(VaultEntry).where(VaultEntry.tag == tag))
    return int(n or 0)


def count(db: Database, tag: str | None = None) -> int:
    with db.session() as s:
        q = select(func.count()).select_from(VaultEntry)
        if tag is not None:
            q = q.where(VaultEntry.tag == tag)
        return int(s.scalar(q) or 0)


def check(db: Database, passphrase: str) -> None:
    with db.session() as s:
        row = s.get(VaultKey, 1)
        if row is None:
            raise VaultError(NO_VAULT)
        _material(row).private(passphrase)


def read(db: Database, passphrase: str, project_id: int | None = None) -> VaultContents:
    """Unlock and read every entry (of one project); damaged entries are counted, not fatal.

    An old vault's private key and entries are re-sealed with today's parameters here."""
    _migrate_legacy(db)
    with db.session() as s:
        row = s.get(VaultKey, 1)
        if row is None:
            raise VaultError(NO_VAULT)
        km = _material(row)
    private = km.private(passphrase)  # the slow key derivation: outside any transaction
    rewrap = km.outdated
    if rewrap:
        km.wrap_private(private, passphrase)

    def work(s: Session) -> VaultContents:
        out: list[dict[str, Any]] = []
        damaged = 0
        row = s.get(VaultKey, 1)
        if row is None:
            raise VaultError(NO_VAULT)
        if rewrap:
            _store(row, km)
        vault = DbVault(crypto.unb64(km.public_key), b"")
        for e in s.scalars(select(VaultEntry).order_by(VaultEntry.id)).all():
            if project_id is not None and e.project_id not in (None, project_id):
                continue
            sealed = Sealed(e.eph, e.nonce, e.ct)
            ad = None if e.version == 1 else crypto.entry_ad(e.uid, e.tag, e.kind, e.project_id)
            try:
                value = crypto.unseal(private, sealed, ad)
            except VaultError:
                damaged += 1
                continue
            pid = value.get("project_id")
            if e.version == 1 and (pid is None or s.get(Project, pid) is not None):
                s.delete(e)  # re-sealed, bound to its row
                seal_entries(s, vault, e.tag, [value])
            if project_id is None or value.get("project_id") == project_id:
                out.append(value)
        return VaultContents(out, damaged)

    return _retry.write(db, work)  # an old entry is re-sealed on the way: a write
