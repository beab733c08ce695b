"""Report labels for citizens ("Borger 17"): random per project, stable once issued.

A label has no derivable relation to the citizen's project ID (the ID staff type into the
delivery log every day): its number is drawn at random from the numbers not yet used.
The database knows the citizen only by a keyed hash (key from the server secret); the clear
mapping (citizen ID <-> label) is sealed in the vault, readable with the passphrase.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qualkit.store import Database
from qualkit.store.db import WRITE_OPTION
from qualkit.store.models import ReportLabel
from qualkit.userconfig import server_secret

from . import _retry
from . import vault as vault_store

PREFIX = "Borger"


def _key(db: Database) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"qualkit-report-label"
    ).derive(server_secret(db.settings.data_dir))


def citizen_hash(db: Database, project_id: int, citizen_id: str) -> str:
    msg = f"{project_id}:citizen:{citizen_id}".encode()
    return hmac.new(_key(db), msg, hashlib.sha256).hexdigest()


def _draw(used: set[int]) -> int:
    top = max(99, 3 * (len(used) + 1))
    free = [n for n in range(1, top + 1) if n not in used]
    return free[secrets.randbelow(len(free))]


def report_label(s: Session, db: Database, project_id: int, citizen_id: str | None) -> str:
    """The citizen's label in this project, issued (and sealed in the vault) on first use:
    in the caller's transaction when it writes, else in a retried write of its own (an
    export reads in a read session, which refuses to write)."""
    if citizen_id is None:
        return PREFIX
    h = citizen_hash(db, project_id, citizen_id)
    issued = s.scalar(
        select(ReportLabel.label).where(
            ReportLabel.project_id == project_id, ReportLabel.citizen_hash == h
        )
    )
    if issued is not None:
        return issued
    if s.info.get(WRITE_OPTION):
        return _issue(s, db, project_id, citizen_id, h)
    return _retry.write(db, lambda w: _issue(w, db, project_id, citizen_id, h))


def _issue(s: Session, db: Database, project_id: int, citizen_id: str, h: str) -> str:
    for _ in range(5):
        row = s.scalar(
            select(ReportLabel).where(
                ReportLabel.project_id == project_id, ReportLabel.citizen_hash == h
            )
        )
        if row is not None:
            return row.label
        used_labels = s.scalars(
            select(ReportLabel.label).where(ReportLabel.project_id == project_id)
        ).all()
        used = {int(x.rsplit(" ", 1)[1]) for x in used_labels if x.rsplit(" ", 1)[-1].isdigit()}
        label = f"{PREFIX} {_draw(used)}"
        try:
            with s.begin_nested():
                s.add(ReportLabel(project_id=project_id, citizen_hash=h, label=label))
                s.flush()
                vault = vault_store.hasher_or_none(db)
                if vault is not None:
                    vault_store.seal_entries(
                        s,
                        vault,
                        vault.tag(project_id, "participant", citizen_id),
                        [
                            {
                                "kind": "label",
                                "project_id": project_id,
                                "citizen_id": citizen_id,
                                "label": label,
                            }
                        ],
                    )
            return label
        except IntegrityError:
            continue  # another writer took this label or issued one for this citizen
    raise RuntimeError("could not issue a report label")  # pragma: no cover
