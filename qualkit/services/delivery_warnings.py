"""Warnings before a staff member saves a delivery entry (the entry may still be right).

A likely duplicate (the same component for the same citizen on the same date), a citizen who
has withdrawn or whose course has ended, a control-arm citizen (who should receive no
intervention components), and a date before the course started or after it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from qualkit.delivery.checks import CONTROL_ARMS
from qualkit.store.models import DeliveryEvent

from .context import Context
from .delivery import _participant_for


@dataclass(frozen=True)
class EntryWarning:
    key: str  # duplicate | withdrawn | ended | control | before_start | after_end
    text: str


def _dk(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def entry_warnings(
    ctx: Context, citizen_id: str, component: str, when: date, status: str = "delivered"
) -> list[EntryWarning]:
    ctx.require("delivery.log")
    out: list[EntryWarning] = []
    with ctx.db.session() as s:
        p = _participant_for(s, ctx, citizen_id)
        same = s.scalar(
            select(func.count(DeliveryEvent.id)).where(
                DeliveryEvent.participant_id == p.id,
                DeliveryEvent.component == component,
                DeliveryEvent.date == when,
            )
        )
    if same:
        out.append(
            EntryWarning(
                "duplicate",
                f"Der er allerede {same} registrering(er) af samme komponent for "
                f"{p.citizen_id} den {_dk(when)}: er det en dublet?",
            )
        )
    if p.withdrawn_date is not None:
        out.append(
            EntryWarning(
                "withdrawn",
                f"{p.citizen_id} har trukket sit samtykke tilbage den {_dk(p.withdrawn_date)}.",
            )
        )
    elif p.end_date is not None and when > p.end_date:
        out.append(
            EntryWarning(
                "ended",
                f"{p.citizen_id}s forløb sluttede den {_dk(p.end_date)}; datoen ligger efter.",
            )
        )
    if (p.arm or "").strip().lower() in CONTROL_ARMS and status == "delivered":
        out.append(
            EntryWarning(
                "control",
                f"{p.citizen_id} er i kontrolgruppen og skal ikke have indsatsens komponenter.",
            )
        )
    if p.start_date is not None and when < p.start_date:
        out.append(
            EntryWarning(
                "before_start",
                f"Datoen {_dk(when)} ligger før forløbets start ({_dk(p.start_date)}).",
            )
        )
    return out
