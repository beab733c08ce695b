"""Importing a delivery log: validated in full, then written in short retried batches.

Identical rows are one event (``_event_key``); each imported event carries its
``import_key`` (unique per project), so a re-import or two imports at once never
double an event, and a long import holds SQLite's write lock one batch at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.delivery.events import EventRecord, read_events
from qualkit.errors import InputError, NotFound
from qualkit.store.models import DeliveryEvent, Participant

from . import _retry, audit
from ._record import Record
from .context import Context


@dataclass(frozen=True)
class ImportCounts(Record):
    created: int
    skipped: int  # identical to a stored event or an earlier row of the file


def _event_key(
    citizen_id: str,
    when: date,
    component: str,
    staff_id: str | None,
    minutes: float | None,
    mode: str | None,
    status: str,
    note: str | None,
) -> tuple:
    """What makes two log rows the same event (checks.DUPLICATE_KEY, for re-imports)."""
    return (
        citizen_id,
        when,
        component,
        staff_id or None,
        None if minutes is None else round(float(minutes), 2),
        mode or None,
        status,
        (note or "").strip(),
    )


IMPORT_BATCH = 1000  # events per transaction: the lock is held briefly (bench/write_lock.py)
BATCH_PAUSE = 0.15  # seconds between batches on SQLite (its busy handler sleeps up to 0.1 s)


def import_key(
    citizen_id: str,
    when: date,
    component: str,
    staff_id: str | None,
    minutes: float | None,
    mode: str | None,
    status: str,
    note: str | None,
) -> str:
    """SHA-256 of :func:`_event_key`: stored with each imported event, unique per project, so
    two imports of the same file at once cannot double an event (migration i11 computes the
    same key for the events imported before)."""
    import hashlib

    parts = [
        str(citizen_id),
        when.isoformat(),
        str(component),
        staff_id or "",
        "" if minutes is None else f"{round(float(minutes), 2):.2f}",
        mode or "",
        str(status),
        (note or "").strip(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def insert_events(ctx: Context, records: list[EventRecord], source: str) -> ImportCounts:
    """Store validated events; every citizen must be in the register (checked before writing).

    Events identical to stored ones are skipped. The new ones are written in batches of
    :data:`IMPORT_BATCH`, each one retried transaction (``_retry.write``) that skips what a
    concurrent import already stored, so a staff member logging meanwhile waits at most
    one batch, and a re-run after an interruption adds only what is missing."""
    ctx.require("delivery.import")
    with ctx.db.session() as s:
        ids = dict(
            s.execute(
                select(Participant.citizen_id, Participant.id).where(
                    Participant.project_id == ctx.project_id
                )
            ).all()
        )
        unknown = sorted({r.citizen_id for r in records if r.citizen_id not in ids})
        if unknown:
            raise InputError(
                f"{source}: {len(unknown)} borger(e) står ikke i deltagerregistret: "
                f"{', '.join(unknown[:20])}. Intet blev gemt."
            )
        stored = s.execute(
            select(
                Participant.citizen_id,
                DeliveryEvent.date,
                DeliveryEvent.component,
                DeliveryEvent.staff_id,
                DeliveryEvent.minutes,
                DeliveryEvent.mode,
                DeliveryEvent.status,
                DeliveryEvent.note,
            )
            .join(Participant, DeliveryEvent.participant_id == Participant.id)
            .where(DeliveryEvent.project_id == ctx.project_id)
        ).all()
    seen = {_event_key(*row) for row in stored}
    new: list[tuple[EventRecord, str]] = []
    for r in records:
        fields = (
            r.citizen_id,
            r.date,
            r.component,
            r.staff_id,
            r.minutes,
            r.mode,
            r.status,
            r.note,
        )
        key = _event_key(*fields)
        if key not in seen:
            seen.add(key)
            new.append((r, import_key(*fields)))
    batches = [new[i : i + IMPORT_BATCH] for i in range(0, len(new), IMPORT_BATCH)] or [[]]
    created = 0
    for number, batch in enumerate(batches, start=1):

        def work(
            s: Session,
            batch: list[tuple[EventRecord, str]] = batch,
            number: int = number,
            before: int = created,
        ) -> int:
            keys = [k for _, k in batch]
            have = (
                set(
                    s.scalars(
                        select(DeliveryEvent.import_key).where(
                            DeliveryEvent.project_id == ctx.project_id,
                            DeliveryEvent.import_key.in_(keys),
                        )
                    )
                )
                if keys
                else set()
            )
            rows = [
                DeliveryEvent(
                    project_id=ctx.project_id,
                    participant_id=ids[r.citizen_id],
                    date=r.date,
                    component=r.component,
                    staff_role=r.staff_role,
                    staff_id=r.staff_id,
                    minutes=r.minutes,
                    mode=r.mode,
                    status=r.status,
                    note=r.note,
                    created_by=ctx.actor.user_id,
                    import_key=k,
                )
                for r, k in batch
                if k not in have
            ]
            s.add_all(rows)
            details: dict[str, Any] = {"events": len(rows)}
            if len(batches) > 1:
                details.update(batch=number, batches=len(batches))
            if number == len(batches):
                done = before + len(rows)
                details.update(created=done, skipped=len(records) - done)
            audit.record(
                s,
                ctx.actor,
                "delivery.import",
                project_id=ctx.project_id,
                target_type="file",
                target_id=Path(source).name,
                details=details,
            )
            return len(rows)

        created += _retry.write(ctx.db, work)
        if number < len(batches) and ctx.db.settings.is_sqlite:
            time.sleep(BATCH_PAUSE)  # SQLite's busy waiters poll: let a staff entry in
    return ImportCounts(created, len(records) - created)


def import_events_report(ctx: Context, path: str | Path, source: str | None = None) -> ImportCounts:
    """Import a log file; returns created and skipped (identical to stored) counts."""
    ctx.require("delivery.import")
    try:
        from .delivery import get_protocol

        known = get_protocol(ctx).component_ids
    except NotFound:
        known = None
    return insert_events(ctx, read_events(path, known), source or str(path))


def import_events_upload(ctx: Context, filename: str, data: bytes) -> ImportCounts:
    """An uploaded delivery log (CSV/xlsx); identical events already stored are skipped."""
    ctx.require("delivery.import")
    from .uploads import saved_upload

    with saved_upload(filename, data) as path:
        return import_events_report(ctx, path, path.name)


def import_events(ctx: Context, path: str | Path) -> int:
    """Import a log file; returns the number of new events."""
    return import_events_report(ctx, path).created
