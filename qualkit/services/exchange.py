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

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.exports import safety
from qualkit.exports.positions import DEFAULT_EXPORT_UNIT, PositionUnit
from qualkit.exports.qdpx import QdaProject, guid_for, write_qdpx
from qualkit.store.models import Code, Codebook, Interview, Project

from . import _retry, audit
from .attestation import attested_strings, sha
from .context import Context, fetch
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
    "memo_notes",
    "qda_code",
    "title_attested",
    "user_guid",
]


def memo_notes(ctx: Context, qda: QdaProject) -> list[safety.Passage]:
    """Project, interview and code memos as REFI-QDA notes (services/memos); their texts are
    checked like every exported passage."""
    from qualkit.exports.qdpx import QdaNote

    from . import memos

    with ctx.db.session() as s:
        source_guids = {
            iv_id: (exchange or {}).get("guid") or guid_for("source", ctx.project_id, iv_id)
            for iv_id, exchange in s.execute(
                select(Interview.id, Interview.exchange).where(
                    Interview.project_id == ctx.project_id
                )
            )
        }
        code_guids = dict(
            s.execute(
                select(Code.id, Code.guid)
                .join(Codebook, Code.codebook_id == Codebook.id)
                .where(Codebook.project_id == ctx.project_id)
            ).all()
        )
        attested = attested_strings(fetch(s, Project, ctx.project_id).settings)
    sources = {src.guid: src for src in qda.sources}
    codes = {c.guid: c for c, _ in qda.all_codes()}
    out = []
    for m, text in memos.export_notes(ctx):
        guid = guid_for("memo", m.id)
        qda.notes[guid] = QdaNote(guid, f"Memo: {m.title}", text)
        # Attached where it belongs: an interview memo to its source, a code memo to its code,
        # a project memo to the project (REFI-QDA NoteRef).
        src = sources.get(source_guids.get(m.interview_id or -1, ""))
        code = codes.get(code_guids.get(m.code_id or -1) or "")
        if src is not None:
            src.note_guids.append(guid)
        elif code is not None:
            code.note_guids.append(guid)
        else:
            qda.note_guids.append(guid)
        key = next((ln.segment_id for ln in m.links if ln.segment_id), None)
        key = key if key is not None else -(m.interview_id or 0)
        whole = ((0, len(text)),) if sha(m.body) in attested else ()
        out.append(safety.Passage(key, text, f"Memo {m.id}", whole))
    return out


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
    passages += memo_notes(ctx, qda)
    report = check_or_refuse(ctx, "qdpx", passages, overrides)
    path, data = deliver_file(ctx, "qdpx", out, lambda p: write_qdpx(qda, p, unit), report)
    counts = {
        "sources": len(qda.sources),
        "codes": len(qda.all_codes()),
        "codings": sum(len(src.selections) for src in qda.sources),
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
