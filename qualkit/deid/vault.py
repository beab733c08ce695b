"""The key vault: real names, CPR numbers and raw transcripts, encrypted at rest.

Hybrid encryption so that an evaluator can ADD entries without being able to READ them:
an X25519 key pair whose private key is encrypted with a key derived from the admin's
passphrase (scrypt + AES-GCM); each entry is sealed to the public key (ephemeral X25519 +
HKDF + AES-GCM). Only the passphrase opens the entries.

Each entry carries a clear ``tag``: a keyed hash (HMAC) of what it belongs to (an
interview, a participant), so entries can be removed on withdrawal without the
passphrase. The HMAC key lives in the vault file, never in the database, so the
database's hashes of names are useless without the file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from qualkit.errors import InputError, QualkitError

FORMAT = "qualkit-vault/1"
SCRYPT_N = 2**15


class VaultError(QualkitError):
    """The vault is missing, damaged, or the passphrase is wrong."""


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"))


def _kek(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase.encode("utf-8"))


def _seal_key(public: X25519PublicKey, eph: X25519PrivateKey) -> bytes:
    shared = eph.exchange(public)
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"qualkit-vault-entry"
    ).derive(shared)


class Vault:
    """One vault file. ``add``/``remove``/``keyed_hash`` need no passphrase; ``read`` does."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- creation and opening -------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, passphrase: str) -> Vault:
        path = Path(path)
        if path.exists():
            raise InputError(f"{path}: a vault already exists here.")
        if len(passphrase) < 8:
            raise InputError("The vault passphrase must have at least 8 characters.")
        private = X25519PrivateKey.generate()
        salt, nonce = os.urandom(16), os.urandom(12)
        raw_private = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        enc = AESGCM(_kek(passphrase, salt, SCRYPT_N)).encrypt(nonce, raw_private, b"private-key")
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        data = {
            "format": FORMAT,
            "kdf": {"name": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": 8, "p": 1},
            "public_key": _b64(public),
            "private_key": {"nonce": _b64(nonce), "ct": _b64(enc)},
            "hash_key": _b64(secrets.token_bytes(32)),
            "entries": [],
        }
        vault = cls(path, data)
        vault._save()
        return vault

    @classmethod
    def open(cls, path: str | Path) -> Vault:
        path = Path(path)
        if not path.exists():
            raise VaultError(f"{path}: no key vault yet; an admin must create it first.")
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise VaultError(f"{path}: the key vault cannot be read ({exc}).") from None
        if data.get("format") != FORMAT:
            raise VaultError(f"{path}: not a qualkit key vault (format {data.get('format')!r}).")
        return cls(path, data)

    @staticmethod
    def exists(path: str | Path) -> bool:
        return Path(path).exists()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self._data), encoding="utf-8")
        os.replace(tmp, self.path)

    # -- without the passphrase -----------------------------------------------------------
    def keyed_hash(self, value: str) -> str:
        """HMAC-SHA256 of a normalised value: stable per vault, useless without its key."""
        return hmac.new(
            _unb64(self._data["hash_key"]), value.encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def add(self, entry: dict[str, Any], tag: str | None = None) -> None:
        self.add_many([entry], tag)

    def add_many(self, entries: list[dict[str, Any]], tag: str | None = None) -> None:
        public = X25519PublicKey.from_public_bytes(_unb64(self._data["public_key"]))
        for entry in entries:
            eph = X25519PrivateKey.generate()
            nonce = os.urandom(12)
            ct = AESGCM(_seal_key(public, eph)).encrypt(
                nonce, json.dumps(entry, ensure_ascii=False).encode("utf-8"), None
            )
            eph_pub = eph.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            self._data["entries"].append(
                {"tag": tag, "eph": _b64(eph_pub), "nonce": _b64(nonce), "ct": _b64(ct)}
            )
        self._save()

    def remove(self, tag: str) -> int:
        """Drop every entry with this tag; returns how many."""
        before = len(self._data["entries"])
        self._data["entries"] = [e for e in self._data["entries"] if e.get("tag") != tag]
        removed = before - len(self._data["entries"])
        if removed:
            self._save()
        return removed

    def count(self, tag: str | None = None) -> int:
        return sum(1 for e in self._data["entries"] if tag is None or e.get("tag") == tag)

    # -- with the passphrase --------------------------------------------------------------
    def _private(self, passphrase: str) -> X25519PrivateKey:
        kdf = self._data["kdf"]
        key = _kek(passphrase, _unb64(kdf["salt"]), int(kdf["n"]))
        pk = self._data["private_key"]
        try:
            raw = AESGCM(key).decrypt(_unb64(pk["nonce"]), _unb64(pk["ct"]), b"private-key")
        except InvalidTag:
            raise VaultError("Wrong vault passphrase.") from None
        return X25519PrivateKey.from_private_bytes(raw)

    def check(self, passphrase: str) -> None:
        self._private(passphrase)

    def read(self, passphrase: str, tag: str | None = None) -> list[dict[str, Any]]:
        private = self._private(passphrase)
        out = []
        for e in self._data["entries"]:
            if tag is not None and e.get("tag") != tag:
                continue
            key = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None, info=b"qualkit-vault-entry"
            ).derive(private.exchange(X25519PublicKey.from_public_bytes(_unb64(e["eph"]))))
            try:
                plain = AESGCM(key).decrypt(_unb64(e["nonce"]), _unb64(e["ct"]), None)
            except InvalidTag:
                raise VaultError(f"{self.path}: a vault entry is damaged.") from None
            out.append(json.loads(plain))
        return out
