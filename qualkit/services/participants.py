"""The participant register: list (site-limited for staff) and import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from qualkit.delivery.register import (
    DATE_COLUMNS,
    KNOWN_COLUMNS,
    TEXT_COLUMNS,
    ParticipantRecord,
    parse_participants,
)
from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.store import guards
from qualkit.store.models import Participant
from qualkit.tabular import read_table

from . import audit
from ._retry import write
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
        raise InputError(prefix + _msg("participant.unknown", id=citizen_id))
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


@dataclass(frozen=True)
class ParticipantChange:
    """One known citizen whose register row changed: which fields (columns)."""

    citizen_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RegisterImport:
    """What a register import did (or, with ``dry_run``, would do)."""

    source: str
    columns: tuple[str, ...]
    added: tuple[str, ...]
    changed: tuple[ParticipantChange, ...]
    untouched: int
    dry_run: bool

    def __getitem__(self, key: str) -> int:  # the older {"created", "updated"} reading
        return {"created": len(self.added), "updated": len(self.changed)}[key]

    def summary_da(self) -> str:
        """One Danish line: added, changed (which fields), untouched."""
        verb = "ville blive" if self.dry_run else "blev"
        fields = sorted({f for c in self.changed for f in c.fields})
        which = f" ({', '.join(fields)})" if fields else ""
        head = "Prøvekørsel, intet gemt: " if self.dry_run else ""
        return (
            f"{head}{self.source}: {len(self.added)} borgere {verb} tilføjet, "
            f"{len(self.changed)} {verb} ændret{which}, {self.untouched} uændrede."
        )


def _plan(
    existing: Mapping[str, Row[Any]], rec: ParticipantRecord, columns: set[str] | None
) -> tuple[dict[str, Any], dict[str, Any] | None, tuple[str, ...]]:
    """The field values and attributes ``rec`` sets on its citizen, and the names that change.

    Only the columns present in the file are touched: a column left out keeps what is
    stored; an empty cell in a present column clears that value. ``columns=None`` means
    the record is complete (every field and attribute given). ``existing`` maps citizen
    IDs to stored rows (anything with the fields as attributes)."""
    p = existing.get(rec.citizen_id)
    present = [f for f in FIELDS if columns is None or f in columns]
    values = {f: getattr(rec, f) for f in present}
    old_attrs = dict(p.attributes or {}) if p is not None else {}
    if columns is None:
        attrs = dict(rec.attributes)
    else:
        attrs = dict(old_attrs)
        for col in columns - set(KNOWN_COLUMNS):
            if col in rec.attributes:
                attrs[col] = rec.attributes[col]
            else:
                attrs.pop(col, None)  # an explicit empty cell clears the value
    if p is None:
        return values, attrs, ()
    changed = [f for f in present if getattr(p, f) != values[f]]
    keys = set(attrs) | set(old_attrs)
    diff = sorted(k for k in keys if _text(attrs.get(k)) != _text(old_attrs.get(k)))
    return values, (attrs if diff else None), (*changed, *diff)


def _text(v: Any) -> str | None:
    """Attributes compare as text (older imports stored 44 where the file said "44")."""
    return None if v is None else str(v)


Snapshot = dict[str, Row[Any]]


def _snapshot(s: Session, project_id: int) -> Snapshot:
    """The project's stored register as plain rows by citizen ID (no ORM objects: a
    10,000-citizen register reads in tens of milliseconds)."""
    columns = [getattr(Participant, f) for f in ("id", "citizen_id", *FIELDS, "attributes")]
    rows = s.execute(select(*columns).where(Participant.project_id == project_id))
    return {r.citizen_id: r for r in rows}


@dataclass(frozen=True)
class _Writes:
    """A planned import: its report and the rows to insert and to update (by id)."""

    report: RegisterImport
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]


def _plan_all(
    ctx: Context,
    existing: Snapshot,
    records: list[ParticipantRecord],
    cols: set[str] | None,
    name: str,
    dry_run: bool,
) -> _Writes:
    added: list[str] = []
    changed: list[ParticipantChange] = []
    inserts: list[dict[str, Any]] = []  # citizen IDs are unique per file (the parser)
    updates: list[dict[str, Any]] = []
    for rec in records:
        values, attrs, fields = _plan(existing, rec, cols)
        p = existing.get(rec.citizen_id)
        if p is None:
            added.append(rec.citizen_id)
            inserts.append(
                {
                    "project_id": ctx.project_id,
                    "citizen_id": rec.citizen_id,
                    **values,
                    "attributes": attrs or {},
                }
            )
        elif fields:
            changed.append(ParticipantChange(rec.citizen_id, fields))
            row = {"id": p.id, **values}
            if attrs is not None:
                row["attributes"] = attrs
            updates.append(row)
    guards.check_rows(Participant, [*inserts, *updates])  # lengths, NUL bytes: as a flush would
    report = RegisterImport(
        name,
        tuple(sorted(cols)) if cols is not None else (),
        tuple(added),
        tuple(changed),
        len(existing) - len(changed),  # in the file unchanged, or not in the file at all
        dry_run,
    )
    return _Writes(report, inserts, updates)


def upsert_participants(
    ctx: Context,
    records: list[ParticipantRecord],
    source: str,
    columns: Iterable[str] | None = None,
    dry_run: bool = False,
) -> RegisterImport:
    """Insert new citizens and update known ones by citizen_id, in one transaction.

    ``columns`` are the file's columns: only those are changed (see :func:`_plan`).
    With ``dry_run`` the same report is computed and nothing is written.

    The plan is made from a read (no lock); the write transaction reads the register
    again and re-plans only if another writer changed it meanwhile, then writes in bulk,
    so the import is atomic and holds SQLite's write lock for a fraction of a second
    (``bench/write_lock.py``) while staff go on logging."""
    ctx.require("participant.import")
    cols = {c.lower() for c in columns} if columns is not None else None
    name = Path(source).name
    with ctx.db.session() as s:
        before = _snapshot(s, ctx.project_id)
    planned = _plan_all(ctx, before, records, cols, name, dry_run)
    if dry_run:
        return planned.report

    def work(s: Session) -> RegisterImport:
        fresh = _snapshot(s, ctx.project_id)
        plan = planned if fresh == before else _plan_all(ctx, fresh, records, cols, name, False)
        if plan.inserts:
            s.execute(insert(Participant), plan.inserts)
        if plan.updates:
            s.execute(update(Participant), plan.updates)
        report = plan.report
        audit.record(
            s,
            ctx.actor,
            "participants.import",
            project_id=ctx.project_id,
            target_type="file",
            target_id=name,
            details={
                "created": len(report.added),
                "updated": len(report.changed),
                "untouched": report.untouched,
                "changed_fields": sorted({f for c in report.changed for f in c.fields}),
            },
        )
        return report

    return write(ctx.db, work)


def _read(path: str | Path) -> tuple[list[ParticipantRecord], list[str]]:
    table = read_table(path)
    return parse_participants(table), table.columns


def import_participants(ctx: Context, path: str | Path, dry_run: bool = False) -> RegisterImport:
    """Import (or with ``dry_run`` preview) a register file; only its columns are changed."""
    ctx.require("participant.import")
    records, columns = _read(path)
    return upsert_participants(ctx, records, str(path), columns, dry_run=dry_run)


def import_upload(
    ctx: Context, filename: str, data: bytes, dry_run: bool = False
) -> RegisterImport:
    """An uploaded register (CSV/xlsx): validated in full, then upserted by citizen_id."""
    ctx.require("participant.import")
    from .uploads import saved_upload

    with saved_upload(filename, data) as path:
        records, columns = _read(path)
        return upsert_participants(ctx, records, path.name, columns, dry_run=dry_run)
