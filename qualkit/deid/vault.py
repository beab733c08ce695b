"""The key vault's cryptography: real names, CPR numbers and raw transcripts, sealed.

Plain Python (no database): ``services/vault.py`` keeps the key material and the entries in
the project database, so every machine of a team shares one vault and an approval commits
together with its sealed entries.

- **Entries** are sealed to an X25519 public key (ephemeral X25519 + HKDF-SHA256 +
  AES-256-GCM), so an evaluator can ADD entries without being able to READ them. Each
  entry is authenticated and bound by its associated data to its id, tag, kind and
  project: a damaged or moved entry fails alone; the others stay readable.
- **The private key** is wrapped under a key derived from the admin's passphrase with
  Argon2id (RFC 9106's second recommended set: 64 MiB, t=3, p=4; parameters stored).
- **The keyed-hash key** (HMAC-SHA256 of names and tags, so evaluators keep pseudonyms
  consistent without the passphrase) is random and stored only wrapped under a key
  derived from the *server secret* (``qualkit.userconfig.server_secret``), which lives
  outside the data folder, the database and its backups.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from qualkit.errors import InputError, QualkitError

FORMAT = "qualkit-vault/2"
LEGACY_FORMAT = "qualkit-vault/1"
ARGON2 = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 4}
# Bounds a stored KDF parameter set must lie within (a tampered row must not exhaust memory).
_MAX_MEMORY_KIB, _MAX_TIME, _MAX_LANES = 1 << 20, 16, 16
WRONG = "Nøgleboksen kan ikke åbnes: forkert adgangsfrase, eller nøgleboksen er beskadiget."
WRONG_SECRET = (
    "Den hemmelige servernøgle passer ikke til denne database (QUALKIT_SECRET_KEY eller "
    "{path}); brug den samme nøgle som den, databasen blev sat op med."
)


class VaultError(QualkitError):
    """The vault is missing, damaged, or the passphrase or server secret is wrong."""


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"), validate=True)


def derive_kek(passphrase: str, kdf: dict[str, Any]) -> bytes:
    """The key-encryption key from the passphrase under stored KDF parameters (bounded)."""
    try:
        salt = unb64(str(kdf["salt"]))
        if kdf.get("name") == "argon2id":
            t, m, p = int(kdf["time_cost"]), int(kdf["memory_cost"]), int(kdf["parallelism"])
            if not (1 <= t <= _MAX_TIME and 8 * p <= m <= _MAX_MEMORY_KIB and 1 <= p <= _MAX_LANES):
                raise ValueError("parametrene er uden for grænserne")
            return hash_secret_raw(passphrase.encode("utf-8"), salt, t, m, p, 32, Type.ID)
        if kdf.get("name") == "scrypt":  # vaults of qualkit-vault/1, re-wrapped on unlock
            n, r, p = int(kdf["n"]), int(kdf.get("r", 8)), int(kdf.get("p", 1))
            if not (2**10 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4):
                raise ValueError("parametrene er uden for grænserne")
            return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    except (KeyError, TypeError, ValueError, MemoryError):
        raise VaultError(WRONG) from None
    raise VaultError(WRONG)


def _entry_key(shared: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"qualkit-vault-entry"
    ).derive(shared)


def _secret_key(secret: bytes, salt: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"qualkit-vault-hash-key"
    ).derive(secret)


def entry_ad(uid: str, tag: str | None, kind: str, project_id: int | None) -> bytes:
    """Associated data that binds a sealed entry to its row: id, tag, kind, project."""
    return json.dumps(
        ["qualkit-vault-entry/2", uid, tag or "", kind, project_id], separators=(",", ":")
    ).encode("utf-8")


@dataclass(frozen=True)
class Sealed:
    eph: str
    nonce: str
    ct: str


def seal(public_key: bytes, entry: dict[str, Any], ad: bytes | None) -> Sealed:
    """Encrypt one entry to the vault's public key (no passphrase needed)."""
    eph = X25519PrivateKey.generate()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(public_key))
    nonce = os.urandom(12)
    ct = AESGCM(_entry_key(shared)).encrypt(
        nonce, json.dumps(entry, ensure_ascii=False).encode("utf-8"), ad
    )
    eph_pub = eph.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return Sealed(b64(eph_pub), b64(nonce), b64(ct))


def unseal(private: X25519PrivateKey, sealed: Sealed, ad: bytes | None) -> dict[str, Any]:
    """Decrypt one entry; raises VaultError if it is damaged or does not belong to its row."""
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(unb64(sealed.eph)))
        plain = AESGCM(_entry_key(shared)).decrypt(unb64(sealed.nonce), unb64(sealed.ct), ad)
        value = json.loads(plain)
    except (InvalidTag, ValueError, TypeError):
        raise VaultError("En post i nøgleboksen er beskadiget.") from None
    if not isinstance(value, dict):
        raise VaultError("En post i nøgleboksen er beskadiget.")
    return value


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of a normalised value: stable per vault, useless without its key."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class KeyMaterial:
    """What the database keeps of a vault: public key, wrapped private and hash keys."""

    kdf: dict[str, Any]
    public_key: str
    private_nonce: str
    private_ct: str
    hash_salt: str
    hash_nonce: str
    hash_ct: str
    format: str = FORMAT

    @property
    def private_ad(self) -> bytes:
        return b"private-key" if self.format == LEGACY_FORMAT else b"qualkit-vault/2 private-key"

    @classmethod
    def create(cls, passphrase: str, secret: bytes, hash_key: bytes | None = None) -> KeyMaterial:
        if len(passphrase) < 8:
            raise InputError("Adgangsfrasen til nøgleboksen skal have mindst 8 tegn.")
        private = X25519PrivateKey.generate()
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        km = cls({}, b64(public), "", "", "", "", "")
        km.wrap_private(private, passphrase)
        km.wrap_hash_key(hash_key or secrets.token_bytes(32), secret)
        return km

    def wrap_private(self, private: X25519PrivateKey, passphrase: str) -> None:
        self.kdf = {**ARGON2, "salt": b64(os.urandom(16))}
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        nonce = os.urandom(12)
        self.format = FORMAT
        ct = AESGCM(derive_kek(passphrase, self.kdf)).encrypt(nonce, raw, self.private_ad)
        self.private_nonce, self.private_ct = b64(nonce), b64(ct)

    def wrap_hash_key(self, hash_key: bytes, secret: bytes) -> None:
        salt, nonce = os.urandom(16), os.urandom(12)
        ct = AESGCM(_secret_key(secret, salt)).encrypt(nonce, hash_key, b"qualkit-hash-key")
        self.hash_salt, self.hash_nonce, self.hash_ct = b64(salt), b64(nonce), b64(ct)

    def hash_key(self, secret: bytes, secret_path: Path | str = "secret.key") -> bytes:
        try:
            return AESGCM(_secret_key(secret, unb64(self.hash_salt))).decrypt(
                unb64(self.hash_nonce), unb64(self.hash_ct), b"qualkit-hash-key"
            )
        except (InvalidTag, ValueError):
            raise VaultError(WRONG_SECRET.format(path=secret_path)) from None

    def private(self, passphrase: str) -> X25519PrivateKey:
        key = derive_kek(passphrase, self.kdf)
        try:
            raw = AESGCM(key).decrypt(
                unb64(self.private_nonce), unb64(self.private_ct), self.private_ad
            )
            return X25519PrivateKey.from_private_bytes(raw)
        except (InvalidTag, ValueError):
            raise VaultError(WRONG) from None

    @property
    def outdated(self) -> bool:
        """Wrapped under older KDF parameters than today's (re-wrapped at the next unlock)."""
        current = {k: v for k, v in self.kdf.items() if k != "salt"}
        return self.format != FORMAT or current != ARGON2


@dataclass(frozen=True)
class LegacyVault:
    """A ``vault.enc`` file of qualkit-vault/1, to be moved into the database."""

    keys: KeyMaterial
    hash_key: bytes
    entries: list[tuple[str | None, Sealed]]


def read_legacy_file(path: Path, secret: bytes) -> LegacyVault:
    """Parse an old vault file: its keys (hash key re-wrapped under the server secret)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != LEGACY_FORMAT:
            raise ValueError(data.get("format"))
        hash_key = unb64(data["hash_key"])
        km = KeyMaterial(
            kdf=dict(data["kdf"]),
            public_key=str(data["public_key"]),
            private_nonce=str(data["private_key"]["nonce"]),
            private_ct=str(data["private_key"]["ct"]),
            hash_salt="",
            hash_nonce="",
            hash_ct="",
            format=LEGACY_FORMAT,
        )
        km.wrap_hash_key(hash_key, secret)
        entries = [
            (e.get("tag"), Sealed(str(e["eph"]), str(e["nonce"]), str(e["ct"])))
            for e in data.get("entries", [])
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise VaultError(f"{path}: den gamle nøgleboks kan ikke læses; intet er ændret.") from None
    return LegacyVault(km, hash_key, entries)
