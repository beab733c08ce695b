"""The key vault in the database (issue 10, items 6-7): shared, transactional, AEAD per entry,
Argon2id, the keyed-hash key outside the data folder / database / backups, private files."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import os
import re
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import MetaData, select, update

from qualkit.deid.pseudonyms import surface_key
from qualkit.deid.vault import WRONG, VaultError, seal
from qualkit.errors import InputError
from qualkit.services import deid
from qualkit.services import vault as vault_store
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database
from qualkit.store.models import EntityDecision, Interview, VaultEntry, VaultKey

from .conftest import ctx_as

REPO = Path(__file__).resolve().parent.parent
ROSTER = list(csv.DictReader((REPO / "transcripts" / "roster.csv").open(encoding="utf-8-sig")))


def vault_bytes(db: Database) -> bytes:
    """Everything the database keeps of the vault, as bytes (for 'not in clear' checks)."""
    with db.session() as s:
        rows = s.scalars(select(VaultEntry)).all()
        return json.dumps([[r.tag, r.kind, r.eph, r.nonce, r.ct] for r in rows]).encode()


def _dump_database(db: Database) -> str:
    """Every value of every table, as text: what a copy of the database gives its holder."""
    meta = MetaData()
    meta.reflect(db.engine)
    out = []
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(out)


def _folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_vault_lives_in_the_database_shared_by_every_machine(demo, tmp_path):
    db, result = demo
    assert not db.settings.vault_path.exists()
    with db.session() as s:
        assert s.get(VaultKey, 1) is not None
        kinds = {e.kind for e in s.scalars(select(VaultEntry))}
    assert {"transcript", "pseudonym"} <= kinds
    # A second machine: the same database URL, its own data folder.
    other = Database.open(tmp_path / "other-machine", db.settings.database_url)
    try:
        admin2 = ctx_as(other, result.project_id, "admin")
        entries = deid.read_vault(admin2, result.vault_passphrase)
        assert sum(e["kind"] == "transcript" for e in entries) == result.counts["approved"]
    finally:
        other.close()


def test_concurrent_writers_keep_every_entry(demo):
    """Six concurrent add_identity calls broke the file vault; each is one row now."""
    db, result = demo
    evaluator = ctx_as(db, result.project_id, "evaluator")
    citizens = ["B01", "B02", "B03", "B04", "B05", "B06"]
    errors: list[BaseException] = []

    def add(cid: str) -> None:
        try:
            deid.add_identity(evaluator, cid, name=f"Navn {cid}", cpr=None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(c,)) for c in citizens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    admin = ctx_as(db, result.project_id, "admin")
    ids = {
        e["citizen_id"]
        for e in deid.read_vault(admin, result.vault_passphrase)
        if e["kind"] == "identity"
    }
    assert ids == set(citizens)


def test_approval_commits_only_with_its_sealed_entries(demo, monkeypatch):
    db, result = demo
    evaluator = ctx_as(db, result.project_id, "evaluator")
    with db.session() as s:
        open_iv = s.scalar(select(Interview).where(Interview.status != "approved"))
        iid = open_iv.id
    before = vault_store.count(db)
    from qualkit.services import audit

    real = audit.record

    def failing(s, actor, action, **kw):
        if action == "deid.approve":
            raise RuntimeError("disk full")
        return real(s, actor, action, **kw)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        deid.approve(evaluator, iid, accept_pending=True)
    assert vault_store.count(db) == before  # rolled back with the approval
    monkeypatch.setattr(audit, "record", real)
    deid.approve(evaluator, iid, accept_pending=True)
    with db.session() as s:
        assert s.get(Interview, iid).status == "approved"
    admin = ctx_as(db, result.project_id, "admin")
    raw = [
        e
        for e in deid.read_vault(admin, result.vault_passphrase)
        if e["kind"] == "transcript" and e["interview_id"] == iid
    ]
    assert len(raw) == 1


def test_a_damaged_entry_leaves_the_rest_readable(demo):
    db, result = demo
    admin = ctx_as(db, result.project_id, "admin")
    n = len(deid.read_vault(admin, result.vault_passphrase))
    with db.session(write=True) as s:
        first, second, third = s.scalars(select(VaultEntry).order_by(VaultEntry.id).limit(3))
        ct = bytearray(base64.b64decode(first.ct))
        ct[5] ^= 1
        first.ct = base64.b64encode(bytes(ct)).decode()
        second.tag = third.tag or "x" * 64  # moved under another participant
        if second.tag == third.tag and second.kind == third.kind:
            second.kind = "identity" if second.kind != "identity" else "pseudonym"
    contents = vault_store.read(db, result.vault_passphrase, result.project_id)
    assert contents.damaged == 2
    assert len(contents.entries) == n - 2


def test_wrong_passphrase_or_tampered_keys_get_one_clear_message(demo):
    db, result = demo
    admin = ctx_as(db, result.project_id, "admin")
    with pytest.raises(VaultError) as e1:
        deid.read_vault(admin, "forkert frase 123")
    assert str(e1.value) == WRONG
    with db.session(write=True) as s:
        row = s.get(VaultKey, 1)
        assert row.kdf["name"] == "argon2id" and row.kdf["memory_cost"] >= 65536
        good = dict(row.kdf)
        row.kdf = {**good, "memory_cost": 2**40}  # a hostile row must not exhaust memory
    with pytest.raises(VaultError) as e2:
        deid.read_vault(admin, result.vault_passphrase)
    assert str(e2.value) == WRONG
    with db.session(write=True) as s:
        row = s.get(VaultKey, 1)
        row.kdf = good
        ct = bytearray(base64.b64decode(row.private_ct))
        ct[0] ^= 0xFF
        row.private_ct = base64.b64encode(bytes(ct)).decode()
    with pytest.raises(VaultError) as e3:
        deid.read_vault(admin, result.vault_passphrase)
    assert str(e3.value) == WRONG


def test_dictionary_cannot_link_hashes_to_pseudonyms_without_the_secret(demo):
    """The attack of item 6: a name list + everything in the data folder and the database."""
    db, result = demo
    dump = _dump_database(db)
    files = _folder_bytes(db.settings.data_dir)
    with db.session() as s:
        decisions = s.execute(
            select(
                EntityDecision.entity_hash, EntityDecision.surface_hash, EntityDecision.pseudonym
            )
        ).all()
    hashes = {h for row in decisions for h in row[:2] if h}
    names = [w for r in ROSTER for w in [r["name"], *r["name"].split()]]
    # Every base64 or hex string the holder finds is a candidate key.
    candidates = {
        base64.b64decode(m)
        for m in re.findall(r"[A-Za-z0-9+/]{40,}={0,2}", dump)
        if len(m) % 4 == 0
    }
    candidates |= {bytes.fromhex(m) for m in re.findall(r"\b[0-9a-f]{64}\b", dump)}
    candidates |= {b"", b"qualkit"}

    def linked(key: bytes) -> int:
        return sum(
            hmac.new(key, surface_key("PERSON", n).encode(), hashlib.sha256).hexdigest() in hashes
            for n in names
        )

    assert max(linked(k) for k in candidates) == 0
    # With the server secret (outside the data folder), the same attack would link names:
    hash_key = vault_store.open_vault(db)._hash_key
    assert linked(hash_key) >= 5
    for form in (hash_key, base64.b64encode(hash_key), hash_key.hex().encode()):
        assert form not in files and form.decode("latin-1") not in dump
    secret = Path(os.environ["XDG_CONFIG_HOME"]) / "qualkit" / "secret.key"
    assert secret.exists() and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert not secret.resolve().is_relative_to(db.settings.data_dir.resolve())
    assert secret.read_bytes().strip() not in files


def test_another_secret_gets_a_clear_message(demo, monkeypatch):
    db, result = demo
    monkeypatch.setenv("QUALKIT_SECRET_KEY", "en-anden-maskines-hemmelige-noegle")
    with pytest.raises(VaultError, match="hemmelige servernøgle passer ikke"):
        deid.propose(ctx_as(db, result.project_id, "evaluator"), 1)


def test_secret_file_inside_the_data_folder_is_refused(sqlite_db, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(sqlite_db.settings.data_dir / "cfg"))
    ctx = Context(sqlite_db, SYSTEM, 0)
    with pytest.raises(InputError, match="må ikke ligge i datamappen"):
        deid.create_vault(ctx, "en lang adgangsfrase")


def test_data_folder_0700_files_0600(tmp_path):
    folder = tmp_path / "fresh"
    db = Database.open(folder)
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        sqlite = db.settings.sqlite_path
        assert stat.S_IMODE(sqlite.stat().st_mode) == 0o600
        with db.session() as s:
            s.execute(select(VaultKey)).all()
        for p in folder.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p
    finally:
        db.close()
    os.chmod(folder, 0o755)
    loose = folder / "audio"
    loose.mkdir(exist_ok=True)
    (loose / "x.wav").write_bytes(b"RIFF")
    os.chmod(loose / "x.wav", 0o644)
    Database.open(folder).close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((loose / "x.wav").stat().st_mode) == 0o600


def _legacy_vault(path: Path, passphrase: str, hash_key: bytes, entries: list[tuple]) -> None:
    """A vault.enc exactly as qualkit-vault/1 wrote it (clear hash key, scrypt 2^15)."""
    private = X25519PrivateKey.generate()
    salt, nonce = os.urandom(16), os.urandom(12)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    kek = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    b = lambda x: base64.b64encode(x).decode()  # noqa: E731
    sealed = []
    for tag, entry in entries:
        s = seal(public, entry, None)
        sealed.append({"tag": tag, "eph": s.eph, "nonce": s.nonce, "ct": s.ct})
    path.write_text(
        json.dumps(
            {
                "format": "qualkit-vault/1",
                "kdf": {"name": "scrypt", "salt": b(salt), "n": 2**15, "r": 8, "p": 1},
                "public_key": b(public),
                "private_key": {
                    "nonce": b(nonce),
                    "ct": b(AESGCM(kek).encrypt(nonce, raw, b"private-key")),
                },
                "hash_key": b(hash_key),
                "entries": sealed,
            }
        )
    )


def test_an_old_vault_file_moves_into_the_database(db):
    from qualkit.services.projects import create_project

    pid = create_project(db, SYSTEM, "Gammelt projekt")
    hash_key = os.urandom(32)
    path = db.settings.vault_path
    _legacy_vault(
        path,
        "gammel frase 123",
        hash_key,
        [("t1", {"kind": "identity", "project_id": pid, "name": "Sørine"}), ("t2", {"kind": "x"})],
    )
    v = vault_store.open_vault(db)
    assert not path.exists()
    # Hashes already in the database stay valid: the same key, now wrapped by the secret.
    expected = hmac.new(hash_key, b"PERSON:pia", hashlib.sha256).hexdigest()
    assert v.keyed_hash("PERSON:pia") == expected
    assert base64.b64encode(hash_key) not in _dump_database(db).encode()
    contents = vault_store.read(db, "gammel frase 123")
    assert sorted(e.get("name", "") for e in contents.entries) == ["", "Sørine"]
    with db.session(write=True) as s:
        assert s.get(VaultKey, 1).kdf["name"] == "argon2id"  # re-wrapped on unlock
        assert {e.version for e in s.scalars(select(VaultEntry))} == {2}
        s.execute(update(VaultEntry).values(tag="t9"))  # now bound: a moved entry fails
    assert vault_store.read(db, "gammel frase 123").damaged == 2
