"""The delivery log (docs/DESIGN.md "Delivery events"): read and validate in full."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from qualkit.enums import EVENT_STATUSES
from qualkit.limits import EVENT_LENGTHS
from qualkit.messages import msg as _msg
from qualkit.tabular import (
    Problem,
    Table,
    TableErrors,
    parse_date,
    parse_number,
    read_table,
    require_columns,
)

STATUS_ALIASES = {
    "": "delivered",
    "delivered": "delivered",
    "leveret": "delivered",
    "gennemført": "delivered",
    "no_show": "no_show",
    "no-show": "no_show",
    "udeblevet": "no_show",
    "udeblev": "no_show",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "aflyst": "cancelled",
}


FUTURE_DAYS = 366  # a delivery dated later than a year from today is a typo (2099), refused


# Column -> longest text the database holds (the store sizes its columns from the same table).
LENGTHS = dict(EVENT_LENGTHS)


def latest_date() -> date:
    """The last date a delivery may carry: today plus :data:`FUTURE_DAYS`."""
    return date.today() + timedelta(days=FUTURE_DAYS)


def future_message(value: date | str) -> str:
    shown = value.strftime("%d-%m-%Y") if isinstance(value, date) else value
    return (
        f"datoen {shown} ligger mere end et år ude i fremtiden (efter "
        f"{latest_date().strftime('%d-%m-%Y')}); ret datoen"
    )


@dataclass
class EventRecord:
    citizen_id: str
    date: date
    component: str
    staff_role: str | None = None
    staff_id: str | None = None
    minutes: float | None = None
    mode: str | None = None
    status: str = "delivered"
    note: str = ""
    row: int | None = None


def parse_events(table: Table, known_components: set[str] | None = None) -> list[EventRecord]:
    """Validate every row. Unknown citizens are left to the tally's checks, not refused here."""
    require_columns(table, ["citizen_id", "date", "component"])
    problems: list[Problem] = []
    records: list[EventRecord] = []
    for row, n in zip(table.rows, table.row_numbers, strict=True):
        bad = False
        cid = row.get("citizen_id", "").strip()
        if not cid:
            problems.append(Problem(table.path, n, "citizen_id", _msg("value.empty")))
            bad = True
        component = row.get("component", "").strip()
        if not component:
            problems.append(Problem(table.path, n, "component", _msg("value.empty")))
            bad = True
        elif known_components is not None and component not in known_components:
            problems.append(
                Problem(
                    table.path,
                    n,
                    "component",
                    f"'{component}' er ikke en komponent i protokollen "
                    f"({', '.join(sorted(known_components))})",
                )
            )
            bad = True
        try:
            when = parse_date(row.get("date", ""))
            if when is None:
                problems.append(Problem(table.path, n, "date", _msg("value.empty")))
                bad = True
            elif when > latest_date():
                problems.append(Problem(table.path, n, "date", future_message(when)))
                bad = True
        except ValueError as exc:
            problems.append(Problem(table.path, n, "date", str(exc)))
            bad = True
        minutes = None
        try:
            minutes = parse_number(row.get("minutes", ""))
            if minutes is not None and minutes < 0:
                problems.append(
                    Problem(table.path, n, "minutes", _msg("value.negative", value=row["minutes"]))
                )
                bad = True
        except ValueError as exc:
            problems.append(Problem(table.path, n, "minutes", str(exc)))
            bad = True
        for col, most in LENGTHS.items():
            if len(row.get(col, "")) > most:
                problems.append(
                    Problem(table.path, n, col, f"er {len(row[col])} tegn; højst {most} tegn")
                )
                bad = True
        status = STATUS_ALIASES.get(row.get("status", "").strip().lower())
        if status is None:
            problems.append(
                Problem(
                    table.path,
                    n,
                    "status",
                    _msg(
                        "value.not_one_of",
                        value=row.get("status"),
                        choices=", ".join(EVENT_STATUSES),
                    ),
                )
            )
            bad = True
        if bad or when is None or status is None:
            continue
        records.append(
            EventRecord(
                citizen_id=cid,
                date=when,
                component=component,
                staff_role=row.get("staff_role") or None,
                staff_id=row.get("staff_id") or None,
                minutes=minutes,
                mode=(row.get("mode") or None),
                status=status,
                note=row.get("note", ""),
                row=n,
            )
        )
    if problems:
        raise TableErrors(problems)
    return records


def read_events(path: str | Path, known_components: set[str] | None = None) -> list[EventRecord]:
    return parse_events(read_table(path), known_components)
