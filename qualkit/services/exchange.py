"""REFI-QDA project exchange: export the project as .qdpx (import: ``exchange_import``).

The model is built in ``exchange_build`` (re-exported here), its selections in
``exports/selections.py``. The export obeys the same rules as every export
(services/exports.py): de-identified text only, nothing from withdrawn participants, every
passage re-checked, audited (one ``_retry.write``).
Codes keep their stored GUID and all their detail; each coder's codings go out under that
coder (for roles that may compare coders), the consensus layer under the user
"Konsensus"; memos go out as the selection's Description and as a note; an imported
source goes out with the file's text exactly (see ``exports/layout.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.exports.positions import DEFAULT_EXPORT_UNIT, PositionUnit
from qualkit.exports.qdpx import write_qdpx

from . import _retry, audit
from .context import Context
from .exchange_build import (  # re-exported: callers build the model through this module
    attested,
    build_qda_project,
    code_guid,
    qda_code,
    title_attested,
    user_guid,
)
from .exports import ExportResult, audit_overrides, check_or_refuse, deliver_file

__all__ = [
    "attested",
    "build_qda_project",
    "code_guid",
    "export_qdpx",
    "import_qdpx",
    "qda_code",
    "title_attested",
    "user_guid",
]


def export_qdpx(
    ctx: Context,
    out: str | Path | None,
    overrides: Iterable[int] = (),
    *,
    positions: PositionUnit | str = DEFAULT_EXPORT_UNIT,
    cases: bool = False,
) -> ExportResult:
    """The project as REFI-QDA: users, codebook, de-identified text sources, codings (each
    coder's for roles that may compare coders; consensus under "Konsensus"), memos, sets."""
    ctx.require("export")
    unit = PositionUnit(positions)
    if out is not None and Path(out).suffix.lower() != ".qdpx":
        raise InputError(f"{out}: et REFI-QDA-projekt skal hedde *.qdpx.")
    with ctx.db.session() as s:
        qda, passages = build_qda_project(s, ctx, cases=cases)
    qda.origin = f"qualkit; positions={unit.value}"
    codings = sum(1 for src in qda.sources for sel in src.selections if sel.codings)
    from .exchange_memos import memo_notes  # memos as notes: exports/memo_notes.py

    passages += memo_notes(ctx, qda)
    n_memos = len(qda.notes)  # before the coding memos' notes are added (write_qdpx)
    report = check_or_refuse(ctx, "qdpx", passages, overrides)
    path, data = deliver_file(ctx, "qdpx", out, lambda p: write_qdpx(qda, p, unit), report)
    counts = {
        "sources": len(qda.sources),
        "codes": len(qda.all_codes()),
        "codings": codings,
        "memos": n_memos,
        "users": len(qda.users),
    }

    def log(s: Session) -> None:
        audit_overrides(s, ctx, "qdpx", report)
        audit.record(
            s,
            ctx.actor,
            "export.qdpx",
            project_id=ctx.project_id,
            target_type="export",
            target_id=Path(out).name if out else "download",
            details={"counts": counts, "positions": unit.value, "cases": cases},
        )

    _retry.write(ctx.db, log)
    return ExportResult(path, data, counts, report)


def import_qdpx(*args: Any, **kwargs: Any) -> Any:
    """See ``exchange_import.import_qdpx`` (kept here for callers of the old name)."""
    from .exchange_import import import_qdpx as run

    return run(*args, **kwargs)
