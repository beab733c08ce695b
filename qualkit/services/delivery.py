"""The delivery log: list, import, and staff logging with site limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from qualkit.delivery.events import EventRecord, read_events
from qualkit.delivery.protocol import Protocol, load_protocol_text
from qualkit.errors import InputError, NotFound
from qualkit.store.models import DeliveryEvent, Participant
from qualkit.store.models import Protocol as ProtocolRow

from . import audit
from .context import Context


def save_protocol(ctx: Context, yaml_text: str, where: str = "protocol") -> int:
    ctx.require("delivery.import")
    proto = load_protocol_text(yaml_text, where)
    with ctx.db.session() as s:
        row = s.scalar(select(ProtocolRow).where(ProtocolRow.project_id == ctx.project_id,
                                                 ProtocolRow.name == proto.name))
        if row is None:
            row = ProtocolRow(project_id=ctx.project_id, name=proto.name, definition=yaml_text)
            s.add(row)
        else:
            row.definition = yaml_text
        s.flush()
        audit.record(s, ctx.actor, "protocol.save", project_id=ctx.project_id,
                     target_type="protocol", target_id=row.id, details={"name": proto.name})
        return row.id


def get_protocol(ctx: Context, name: str | None = None) -> Protocol:
    ctx.require("delivery.read")
    with ctx.db.session() as s:
        q = select(ProtocolRow).where(ProtocolRow.project_id == ctx.project_id)
        if name:
            q = q.where(ProtocolRow.name == name)
        row = s.scalars(q.order_by(ProtocolRow.id)).first()
        if row is None:
            raise NotFound("This project has no delivery protocol yet.")
        return load_protocol_text(row.definition, f"protocol {row.name}")


def list_events(ctx: Context) -> list[dict[str, Any]]:
    """Staff see the events of their own site only."""
    ctx.require("delivery.read")
    with ctx.db.session() as s:
        q = (select(DeliveryEvent, Participant.citizen_id, Participant.site)
             .join(Participant, DeliveryEvent.participant_id == Participant.id)
             .where(DeliveryEvent.project_id == ctx.project_id))
        if ctx.actor.role == "staff":
            q = q.where(Participant.site == ctx.actor.site)
        rows = s.execute(q.order_by(DeliveryEvent.date, DeliveryEvent.id)).all()
        return [{"id": e.id, "citizen_id": cid, "site": site, "date": e.date, "component": e.component,
                 "staff_role": e.staff_role, "staff_id": e.staff_id, "minutes": e.minutes,
                 "mode": e.mode, "status": e.status, "note": e.note} for e, cid, site in rows]


def insert_events(ctx: Context, records: list[EventRecord], source: str) -> int:
    """Store validated events; every citizen must be in the register (checked before writing)."""
    ctx.require("delivery.import")
    with ctx.db.session() as s:
        ids = dict(s.execute(select(Participant.citizen_id, Participant.id)
                             .where(Participant.project_id == ctx.project_id)).all())
        unknown = sorted({r.citizen_id for r in records if r.citizen_id not in ids})
        if unknown:
            raise InputError(f"{source}: {len(unknown)} citizen(s) not in the participant register: "
                             f"{', '.join(unknown[:20])}. Nothing was written.")
        s.add_all([DeliveryEvent(project_id=ctx.project_id, participant_id=ids[r.citizen_id],
                                 date=r.date, component=r.component, staff_role=r.staff_role,
                                 staff_id=r.staff_id, minutes=r.minutes, mode=r.mode,
                                 status=r.status, note=r.note, created_by=ctx.actor.user_id)
                   for r in records])
        audit.record(s, ctx.actor, "delivery.import", project_id=ctx.project_id, target_type="file",
                     target_id=Path(source).name, details={"events": len(records)})
    return len(records)


def import_events(ctx: Context, path: str | Path) -> int:
    ctx.require("delivery.import")
    try:
        known = get_protocol(ctx).component_ids
    except NotFound:
        known = None
    return insert_events(ctx, read_events(path, known), str(path))
