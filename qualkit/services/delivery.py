"""The delivery log: list, import, and staff logging with site limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.delivery.protocol import Protocol, load_protocol_text
from qualkit.errors import InputError, NotFound, PermissionDenied
from qualkit.store.models import EVENT_STATUSES, DeliveryEvent, Participant, as_utc, utcnow
from qualkit.store.models import Protocol as ProtocolRow

from . import _retry, audit, projects
from ._record import Record
from .context import Context, fetch


def save_protocol(ctx: Context, yaml_text: str, where: str = "protokol") -> int:
    ctx.require("delivery.import")
    proto = load_protocol_text(yaml_text, where)

    def work(s: Session) -> int:
        row = s.scalar(
            select(ProtocolRow).where(
                ProtocolRow.project_id == ctx.project_id, ProtocolRow.name == proto.name
            )
        )
        if row is None:
            row = ProtocolRow(project_id=ctx.project_id, name=proto.name, definition=yaml_text)
            s.add(row)
        else:
            row.definition = yaml_text
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "protocol.save",
            project_id=ctx.project_id,
            target_type="protocol",
            target_id=row.id,
            details={"name": proto.name},
        )
        return row.id

    return _retry.write(ctx.db, work)


def get_protocol(ctx: Context, name: str | None = None) -> Protocol:
    ctx.require("delivery.read")
    with ctx.db.session() as s:
        q = select(ProtocolRow).where(ProtocolRow.project_id == ctx.project_id)
        if name:
            q = q.where(ProtocolRow.name == name)
        row = s.scalars(q.order_by(ProtocolRow.id)).first()
        if row is None:
            raise NotFound("Projektet har endnu ingen leveranceprotokol.")
        return load_protocol_text(row.definition, f"protokol {row.name}")


Day = date  # a field below is called "date"


@dataclass(frozen=True)
class EventRow(Record):
    """A stored delivery event as the log and the tallies show it."""

    id: int
    citizen_id: str
    site: str | None
    date: Day
    component: str
    staff_role: str | None
    staff_id: str | None
    minutes: float | None
    mode: str | None
    status: str
    note: str | None


@dataclass(frozen=True)
class CitizenInfo(Record):
    """What staff see of a citizen they log for: no name, no attributes."""

    citizen_id: str
    arm: str | None
    site: str | None
    start_date: date | None
    end_date: date | None
    withdrawn_date: date | None


@dataclass(frozen=True)
class MyEvent(Record):
    """One of the acting user's own entries, and until when they may change it."""

    id: int
    citizen_id: str
    site: str | None
    date: Day
    component: str
    minutes: float | None
    mode: str | None
    status: str
    note: str | None
    created_at: datetime | None
    editable_until: datetime | None
    editable: bool


def list_events(ctx: Context) -> list[EventRow]:
    """Staff see the events of their own site only."""
    ctx.require("delivery.read")
    with ctx.db.session() as s:
        q = (
            select(DeliveryEvent, Participant.citizen_id, Participant.site)
            .join(Participant, DeliveryEvent.participant_id == Participant.id)
            .where(DeliveryEvent.project_id == ctx.project_id)
        )
        if ctx.actor.role == "staff":
            q = q.where(Participant.site == ctx.actor.site)
        rows = s.execute(q.order_by(DeliveryEvent.date, DeliveryEvent.id)).all()
        return [
            EventRow(
                e.id,
                cid,
                site,
                e.date,
                e.component,
                e.staff_role,
                e.staff_id,
                e.minutes,
                e.mode,
                e.status,
                e.note,
            )
            for e, cid, site in rows
        ]


# Importing a log (batched, retried, never doubled): services/delivery_import.py.
from .delivery_import import (  # noqa: E402
    IMPORT_BATCH,
    ImportCounts,
    _event_key,
    import_events,
    import_events_report,
    import_events_upload,
    import_key,
    insert_events,
)

__all__ = [
    "IMPORT_BATCH",
    "ImportCounts",
    "_event_key",
    "import_events",
    "import_events_report",
    "import_events_upload",
    "import_key",
    "insert_events",
]


# --- Staff logging -------------------------------------------------------------------------


def _participant_for(s: Session, ctx: Context, citizen_id: str) -> Participant:
    """The citizen by project ID; staff only find those of their own site (others look absent)."""
    p = s.scalar(
        select(Participant).where(
            Participant.project_id == ctx.project_id, Participant.citizen_id == citizen_id.strip()
        )
    )
    if p is None or (ctx.actor.role == "staff" and p.site != ctx.actor.site):
        where = f" på {ctx.actor.site}" if ctx.actor.role == "staff" else ""
        raise NotFound(f"Ingen borger med projekt-ID '{citizen_id.strip()}'{where}.")
    return p


def find_citizen(ctx: Context, citizen_id: str) -> CitizenInfo:
    """A citizen to log for: project ID, arm, site and course dates, nothing else."""
    ctx.require("delivery.log")
    with ctx.db.session() as s:
        p = _participant_for(s, ctx, citizen_id)
        return CitizenInfo(p.citizen_id, p.arm, p.site, p.start_date, p.end_date, p.withdrawn_date)


def _validate_entry(
    ctx: Context, component: str, when: date, minutes: float | None, status: str
) -> None:
    comps = get_protocol(ctx).component_ids
    if component not in comps:
        raise InputError(
            f"Komponenten '{component}' findes ikke i protokollen ({', '.join(sorted(comps))})."
        )
    if not isinstance(when, date):
        raise InputError("Dato mangler.")
    if when > date.today():
        raise InputError(f"Datoen {when.strftime('%d-%m-%Y')} ligger i fremtiden.")
    if minutes is not None and minutes < 0:
        raise InputError("Minutter kan ikke være negative.")
    if status not in EVENT_STATUSES:
        raise InputError(f"Status skal være en af {', '.join(EVENT_STATUSES)}.")


def log_event(
    ctx: Context,
    citizen_id: str,
    component: str,
    when: date,
    *,
    minutes: float | None = None,
    mode: str | None = None,
    status: str = "delivered",
    note: str = "",
    staff_role: str | None = None,
) -> int:
    """One delivery registered by the acting user (staff: citizens of their own site only)."""
    ctx.require("delivery.log")
    _validate_entry(ctx, component, when, minutes, status)

    def work(s: Session) -> int:
        p = _participant_for(s, ctx, citizen_id)
        ev = DeliveryEvent(
            project_id=ctx.project_id,
            participant_id=p.id,
            date=when,
            component=component,
            staff_role=staff_role,
            staff_id=ctx.actor.username,
            minutes=minutes,
            mode=mode or None,
            status=status,
            note=note or "",
            created_by=ctx.actor.user_id,
        )
        s.add(ev)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "delivery.log",
            project_id=ctx.project_id,
            target_type="delivery_event",
            target_id=ev.id,
            details={"component": component, "status": status},
        )
        return ev.id

    return _retry.write(ctx.db, work)


def _editable_until(ctx: Context, created_at: datetime) -> datetime:
    hours = float(projects.get_setting(ctx, "staff_edit_window_hours") or 0)
    return as_utc(created_at) + timedelta(hours=hours)


def _editable_event(s: Session, ctx: Context, event_id: int) -> DeliveryEvent:
    """The event if the actor may change it: staff only their own, of their site, within the window."""
    ev = s.get(DeliveryEvent, event_id)
    if ev is None or ev.project_id != ctx.project_id:
        raise NotFound(f"Registrering {event_id} findes ikke.")
    if ctx.actor.role == "staff":
        p = fetch(s, Participant, ev.participant_id)
        if p.site != ctx.actor.site or ev.created_by != ctx.actor.user_id:
            raise PermissionDenied("Du kan kun rette og slette dine egne registreringer.")
        if utcnow() > _editable_until(ctx, ev.created_at):
            hours = projects.get_setting(ctx, "staff_edit_window_hours")
            raise PermissionDenied(
                f"Registreringen kan ikke længere rettes eller slettes (vinduet er {hours} timer)."
            )
    return ev


def update_event(
    ctx: Context,
    event_id: int,
    *,
    component: str,
    when: date,
    minutes: float | None = None,
    mode: str | None = None,
    status: str = "delivered",
    note: str = "",
) -> None:
    ctx.require("delivery.log")
    _validate_entry(ctx, component, when, minutes, status)

    def work(s: Session) -> None:
        ev = _editable_event(s, ctx, event_id)
        new = {
            "component": component,
            "date": when,
            "minutes": minutes,
            "mode": mode or None,
            "status": status,
            "note": note or "",
        }
        changed = sorted(k for k, v in new.items() if getattr(ev, k) != v)
        for k, v in new.items():
            setattr(ev, k, v)
        audit.record(
            s,
            ctx.actor,
            "delivery.edit",
            project_id=ctx.project_id,
            target_type="delivery_event",
            target_id=ev.id,
            details={"fields": changed},
        )

    _retry.write(ctx.db, work)


def delete_event(ctx: Context, event_id: int) -> None:
    ctx.require("delivery.log")

    def work(s: Session) -> None:
        ev = _editable_event(s, ctx, event_id)
        details = {"component": ev.component, "date": ev.date.isoformat()}
        s.delete(ev)
        audit.record(
            s,
            ctx.actor,
            "delivery.delete",
            project_id=ctx.project_id,
            target_type="delivery_event",
            target_id=event_id,
            details=details,
        )

    _retry.write(ctx.db, work)


def my_events(ctx: Context, limit: int = 200) -> list[MyEvent]:
    """The acting user's own entries, newest first, with whether they may still be changed."""
    ctx.require("delivery.log")
    now = utcnow()
    with ctx.db.session() as s:
        q = (
            select(DeliveryEvent, Participant.citizen_id, Participant.site)
            .join(Participant, DeliveryEvent.participant_id == Participant.id)
            .where(
                DeliveryEvent.project_id == ctx.project_id,
                DeliveryEvent.created_by == ctx.actor.user_id,
            )
            .order_by(DeliveryEvent.created_at.desc(), DeliveryEvent.id.desc())
            .limit(limit)
        )
        if ctx.actor.role == "staff":
            q = q.where(Participant.site == ctx.actor.site)
        out = []
        for e, cid, site in s.execute(q).all():
            until = _editable_until(ctx, e.created_at) if ctx.actor.role == "staff" else None
            out.append(
                MyEvent(
                    e.id,
                    cid,
                    site,
                    e.date,
                    e.component,
                    e.minutes,
                    e.mode,
                    e.status,
                    e.note,
                    as_utc(e.created_at),
                    until,
                    until is None or now <= until,
                )
            )
        return out


def last_entry(ctx: Context, citizen_id: str | None = None) -> MyEvent | None:
    """The actor's last entry (for this citizen if there is one): for "same as last time"."""
    rows = my_events(ctx, limit=200)
    if citizen_id:
        mine = [r for r in rows if r.citizen_id == citizen_id.strip()]
        if mine:
            return mine[0]
    return rows[0] if rows else None
