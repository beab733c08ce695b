"""The participant register: list (site-limited for staff) and import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.delivery.register import (
    DATE_COLUMNS,
    TEXT_COLUMNS,
    ParticipantRecord,
    read_participants,
)
from qualkit.errors import InputError
from qualkit.store.models import Participant

from . import audit
from .context import Context

FIELDS = (*TEXT_COLUMNS, "eligible", *DATE_COLUMNS)


def participant_id(s: Session, ctx: Context, citizen_id: str | None, where: str = "") -> int | None:
    """The stored id of a citizen in this project's register (None for no citizen); refuses
    a project ID that is not in the register."""
    if not citizen_id:
        return None
    pid = s.scalar(
        select(Participant.id).where(
            Participant.project_id == ctx.project_id, Participant.citizen_id == citizen_id
        )
    )
    if pid is None:
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}citizen '{citizen_id}' is not in the participant register.")
    return pid


def list_participants(ctx: Context) -> list[dict[str, Any]]:
    """Staff see the citizens of their own site only; nobody sees names (there are none here)."""
    ctx.require("participant.read")
    with ctx.db.session() as s:
        q = select(Participant).where(Participant.project_id == ctx.project_id)
        if ctx.actor.role == "staff":
            q = q.where(Participant.site == ctx.actor.site)
        return [
            {
                "citizen_id": p.citizen_id,
                **{f: getattr(p, f) for f in FIELDS},
                "attributes": dict(p.attributes or {}),
            }
            for p in s.scalars(q.order_by(Participant.citizen_id))
        ]


def upsert_participants(
    ctx: Context, records: list[ParticipantRecord], source: str
) -> dict[str, int]:
    """Insert new citizens and update known ones by citizen_id, in one transaction."""
    ctx.require("participant.import")
    created = updated = 0
    with ctx.db.session() as s:
        existing = {
            p.citizen_id: p
            for p in s.scalars(select(Participant).where(Participant.project_id == ctx.project_id))
        }
        for rec in records:
            p = existing.get(rec.citizen_id)
            if p is None:
                p = Participant(project_id=ctx.project_id, citizen_id=rec.citizen_id)
                s.add(p)
                existing[rec.citizen_id] = p
                created += 1
            else:
                updated += 1
            for f in FIELDS:
                setattr(p, f, getattr(rec, f))
            p.attributes = dict(rec.attributes)
        audit.record(
            s,
            ctx.actor,
            "participants.import",
            project_id=ctx.project_id,
            target_type="file",
            target_id=Path(source).name,
            details={"created": created, "updated": updated},
        )
    return {"created": created, "updated": updated}


def import_participants(ctx: Context, path: str | Path) -> dict[str, int]:
    ctx.require("participant.import")
    return upsert_participants(ctx, read_participants(path), str(path))


def import_upload(ctx: Context, filename: str, data: bytes) -> dict[str, int]:
    """An uploaded register (CSV/xlsx): validated in full, then upserted by citizen_id."""
    ctx.require("participant.import")
    from .uploads import saved_upload

    with saved_upload(filename, data) as path:
        return upsert_participants(ctx, read_participants(path), path.name)
