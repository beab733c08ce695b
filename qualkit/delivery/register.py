"""The participant register (docs/DESIGN.md "Participants"): read and validate in full."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from qualkit.limits import PARTICIPANT_LENGTHS
from qualkit.messages import msg as _msg
from qualkit.tabular import (
    Problem,
    Table,
    TableErrors,
    parse_bool,
    parse_date,
    read_table,
    require_columns,
)

DATE_COLUMNS = (
    "screened_date",
    "randomised_date",
    "consent_date",
    "start_date",
    "end_date",
    "withdrawn_date",
    "dropout_date",
    "offered_date",
    "declined_date",
)
# Free-text register columns (dropout_reason: why a person left the intervention; their data
# stay, unlike withdrawn_date, which is consent withdrawn and the data removed).
TEXT_COLUMNS = (
    "arm",
    "site",
    "exclusion_reason",
    "end_reason",
    "dropout_reason",
    "declined_reason",
)
KNOWN_COLUMNS = (
    "citizen_id",
    "arm",
    "site",
    "eligible",
    "exclusion_reason",
    "end_reason",
    "dropout_reason",
    "declined_reason",
    *DATE_COLUMNS,
)


@dataclass
class ParticipantRecord:
    citizen_id: str
    arm: str | None = None
    site: str | None = None
    eligible: bool | None = None
    exclusion_reason: str | None = None
    end_reason: str | None = None
    screened_date: date | None = None
    randomised_date: date | None = None
    consent_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    withdrawn_date: date | None = None
    dropout_date: date | None = None
    dropout_reason: str | None = None
    # Offered the intervention; declined it (before or after allocation), with the reason.
    offered_date: date | None = None
    declined_date: date | None = None
    declined_reason: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


# Column -> longest text the database holds (the store sizes its columns from the same table).
LENGTHS = dict(PARTICIPANT_LENGTHS)


def parse_participants(table: Table) -> list[ParticipantRecord]:
    """Validate every row; raise TableErrors listing all problems, else return records."""
    require_columns(table, ["citizen_id"])
    _refuse_identifier_columns(table)
    problems: list[Problem] = []
    records: list[ParticipantRecord] = []
    seen: dict[str, int] = {}
    for row, n in zip(table.rows, table.row_numbers, strict=True):
        cid = row.get("citizen_id", "").strip()
        if not cid:
            problems.append(Problem(table.path, n, "citizen_id", _msg("register.no_id")))
            continue
        if cid in seen:
            problems.append(
                Problem(
                    table.path, n, "citizen_id", _msg("value.repeated", value=cid, row=seen[cid])
                )
            )
            continue
        seen[cid] = n
        too_long = [(c, m) for c, m in LENGTHS.items() if len(row.get(c, "")) > m]
        for col, most in too_long:
            problems.append(
                Problem(table.path, n, col, f"er {len(row[col])} tegn; højst {most} tegn")
            )
        if too_long:
            continue
        rec = ParticipantRecord(citizen_id=cid)
        for col in TEXT_COLUMNS:
            setattr(rec, col, row.get(col) or None)
        try:
            rec.eligible = parse_bool(row.get("eligible", ""))
        except ValueError as exc:
            problems.append(Problem(table.path, n, "eligible", str(exc)))
        for col in DATE_COLUMNS:
            try:
                setattr(rec, col, parse_date(row.get(col, "")))
            except ValueError as exc:
                problems.append(Problem(table.path, n, col, str(exc)))
        rec.attributes = {
            c: _attribute_value(v) for c, v in row.items() if c not in KNOWN_COLUMNS and v != ""
        }
        records.append(rec)
    if problems:
        raise TableErrors(problems)
    return records


def _refuse_identifier_columns(table: Table) -> None:
    """Names, CPR numbers, addresses, phone numbers and e-mail addresses belong in the key
    vault, never in the register (qualkit.deid.direct: by header and by content)."""
    from qualkit.deid.direct import identifier_columns

    checked = [
        c for c in table.columns if c not in DATE_COLUMNS and c not in ("citizen_id", "eligible")
    ]
    found = identifier_columns(checked, table.rows)
    if found:
        raise TableErrors(
            [
                Problem(
                    table.path,
                    None,
                    f.column,
                    f"kolonnen indeholder direkte identifikatorer ({f.kind}, set på "
                    f"{f.by}en); de hører hjemme i nøgleboksen, ikke i registret: fjern kolonnen",
                )
                for f in found
            ]
        )


def _attribute_value(v: str) -> Any:
    """The text the user wrote, unchanged: ``0101901234`` stays ``0101901234`` (an attribute
    column is not typed; reach statistics read numbers from the text where all are numbers)."""
    return v


def read_participants(path: str | Path) -> list[ParticipantRecord]:
    return parse_participants(read_table(path))
