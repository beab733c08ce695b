"""Withdrawal of consent: the person's audio, text, codings, quotes and vault entries go,
in the database and in the SQLite backups that remain; audited.

The participant row stays (marked withdrawn: the study flow counts withdrawals), holding
only the project ID. Backups past their expiry (``QUALKIT_BACKUP_KEEP_DAYS``, see
``store/backups.py``) are deleted; the rest are scrubbed the same way (and vacuumed, so
freed pages keep no text).
A PostgreSQL database's dumps are outside qualkit (README, "Privacy model").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qualkit.errors import NotFound, StoreError
from qualkit.store import Database, db_errors
from qualkit.store.models import Participant, ReportLabel

from . import _retry, audit, labels, retention
from . import vault as vault_store
from .context import Context


@dataclass(frozen=True)
class Withdrawal:
    interviews: int
    audio_files: int
    vault_entries: int
    backups_scrubbed: int
    backups_deleted: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def backup_files(db: Database) -> list[Path]:
    """The SQLite copies qualkit keeps of this database: ``store.backups.list_backups``
    (``<data>/backups``), and ``*.bak`` copies an earlier version left beside the file."""
    from qualkit.store import backups

    path = db.settings.sqlite_path
    if path is None:
        return []
    found = {b.path for b in backups.list_backups(db.settings.data_dir)}
    found |= set(path.parent.glob(f"{path.name}.*.bak"))
    return sorted(found)


def expire_backups(db: Database, now: datetime | None = None) -> int:
    """Delete backups past the configured expiry (``QUALKIT_BACKUP_KEEP_DAYS``)."""
    from qualkit.store import backups

    path = db.settings.sqlite_path
    if path is None:
        return 0
    days = backups.keep_days()
    n = len(backups.expire(db.settings.data_dir, days, now))
    if days > 0:
        n += prune_backups(path.parent.glob(f"{path.name}.*.bak"), days, now)
    return n


def prune_backups(paths: Iterable[Path], max_age_days: int, now: datetime | None = None) -> int:
    """Delete files older than ``max_age_days`` (by file time); returns how many."""
    cutoff = (now or datetime.now(UTC)).timestamp() - timedelta(days=max_age_days).total_seconds()
    n = 0
    for p in paths:
        if p.exists() and p.stat().st_mtime < cutoff:
            p.unlink()
            n += 1
    return n


def _tables(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def scrub_backup(
    path: Path, project_id: int, citizen_id: str, tags: list[str], label_hash: str | None
) -> bool:
    """Remove one participant's interviews (cascading), vault entries and report label from
    an SQLite backup, then VACUUM. Returns whether anything was removed."""
    try:
        con = sqlite3.connect(path)
    except sqlite3.Error as exc:
        why = db_errors.reason(exc).text
        raise StoreError(f"{path}: sikkerhedskopien kan ikke åbnes ({why}).") from None
    try:
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA secure_delete=ON")
        tables = _tables(con)
        if "participant" not in tables:
            return False
        ids = [
            r[0]
            for r in con.execute(
                "SELECT id FROM participant WHERE project_id=? AND citizen_id=?",
                (project_id, citizen_id),
            )
        ]
        changed = 0
        with con:
            for pid in ids:
                changed += con.execute(
                    "DELETE FROM interview WHERE participant_id=?", (pid,)
                ).rowcount
                con.execute(
                    "UPDATE participant SET withdrawn_date=COALESCE(withdrawn_date, ?) WHERE id=?",
                    (date.today().isoformat(), pid),
                )
            if "vault_entry" in tables and tags:
                marks = ",".join("?" * len(tags))
                changed += con.execute(
                    f"DELETE FROM vault_entry WHERE tag IN ({marks})", tags
                ).rowcount
            if "report_label" in tables and label_hash:
                changed += con.execute(
                    "DELETE FROM report_label WHERE project_id=? AND citizen_hash=?",
                    (project_id, label_hash),
                ).rowcount
        con.execute("VACUUM")
        return changed > 0
    except sqlite3.Error as exc:
        why = db_errors.reason(exc).text
        raise StoreError(f"{path}: sikkerhedskopien kan ikke renses ({why}).") from None
    finally:
        con.close()


def withdraw(ctx: Context, citizen_id: str) -> Withdrawal:
    """Withdraw a participant's consent: delete everything of theirs (audited)."""
    ctx.require("participant.withdraw")
    vault = vault_store.hasher_or_none(ctx.db)
    label_hash = labels.citizen_hash(ctx.db, ctx.project_id, citizen_id)

    def work(s: Session) -> tuple[list[int], list[Path | None], list[str], int]:
        p = s.scalar(
            select(Participant).where(
                Participant.project_id == ctx.project_id, Participant.citizen_id == citizen_id
            )
        )
        if p is None:
            raise NotFound(f"Deltager '{citizen_id}' findes ikke i projektet.")
        from .speakers import withdrawal_scope  # a focus group keeps the others' turns (i14)

        interviews, groups = withdrawal_scope(s, p)
        ids = [iv.id for iv in interviews]
        audio = [
            retention.mark_audio_deleted(s, ctx, iv, "withdrawal") for iv in [*interviews, *groups]
        ]
        for iv in interviews:
            s.delete(iv)  # segments, codings, consensus codings, quotes, decisions cascade
        if p.withdrawn_date is None:
            p.withdrawn_date = date.today()
        tags: list[str] = []
        removed = 0
        if vault is not None:
            tags = [vault.tag(ctx.project_id, "participant", citizen_id)]
            tags += [vault.tag(ctx.project_id, "interview", iid) for iid in ids]
            for tag in tags:
                removed += vault_store.remove_entries(s, tag)
        s.execute(
            delete(ReportLabel).where(
                ReportLabel.project_id == ctx.project_id,
                ReportLabel.citizen_hash == label_hash,
            )
        )
        audit.record(
            s,
            ctx.actor,
            "participant.withdraw",
            project_id=ctx.project_id,
            target_type="participant",
            target_id=citizen_id,
            details={"interviews": len(ids), "vault_entries": removed},
        )
        return ids, audio, tags, removed

    ids, audio, tags, removed = _retry.write(ctx.db, work)
    n_audio = retention.unlink(audio)  # files after the commit: a re-run finds them in place
    if ctx.db.settings.is_sqlite:  # old page images in the WAL go too
        with ctx.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    deleted = expire_backups(ctx.db)
    scrubbed = sum(
        scrub_backup(b, ctx.project_id, citizen_id, tags, label_hash) for b in backup_files(ctx.db)
    )

    def scrub_audit(s: Session) -> None:
        audit.record(
            s,
            ctx.actor,
            "backup.scrub",
            project_id=ctx.project_id,
            target_type="participant",
            target_id=citizen_id,
            details={"scrubbed": scrubbed, "deleted": deleted, "audio_files": n_audio},
        )

    _retry.write(ctx.db, scrub_audit)
    return Withdrawal(len(ids), n_audio, removed, scrubbed, deleted)
