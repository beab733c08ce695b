"""Export use case: coding tables (.xlsx with the codes x participants matrix and tallies, .csv).

Which codings leave is the read policy's (services/read_policy.py): consensus codings of
interviews the user may read; individual codings only the user's own, or others' after the
audited compare; never for writers. The written file is checked string by string.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, QualkitError
from qualkit.exports import safety
from qualkit.exports.tables import CodingRow, table_kind, write_table
from qualkit.store.models import Coding, ConsensusCoding, Interview, Participant, Segment, User

from . import _retry, audit, read_policy
from .context import Context
from .export_policy import (
    ExportResult,
    audit_overrides,
    check_or_refuse,
    deliver_file,
    exportable_text,
    interview_label,
    not_withdrawn,
    project_codes,
    title_passage,
)
from .read_policy import Read


def _coding_rows(s: Session, ctx: Context) -> tuple[list[CodingRow], list[safety.Passage]]:
    codes = project_codes(s, ctx.project_id)
    names = dict(s.execute(select(User.id, User.username)).all())

    def joined(model, allowed):
        return (
            select(model, Segment, Interview, Participant)
            .join(Segment, model.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .outerjoin(Participant, Interview.participant_id == Participant.id)
            .where(allowed, exportable_text(), not_withdrawn())
            .order_by(Interview.id, Segment.position, model.id)
        )

    rows: list[CodingRow] = []
    passages: dict[int, safety.Passage] = {}

    def add(
        seg: Segment,
        iv: Interview,
        p: Participant | None,
        code_id: int,
        coder: str,
        consensus: bool,
        span: tuple[int | None, int | None],
        hidden: bool,
    ) -> None:
        code = codes.get(code_id)
        if code is None:
            return
        text = seg.text or ""
        if span[0] is not None and span[1] is not None:
            text = text[span[0] : span[1]]
        if hidden:
            text = "[udeladt: kan afsløre personen]"
        elif seg.id not in passages:
            passages[seg.id] = safety.Passage(seg.id, seg.text or "", interview_label(iv))
        if -iv.id not in passages:
            passages[-iv.id] = title_passage(iv)
        rows.append(
            CodingRow(
                document=iv.title,
                segment=seg.position,
                speaker=seg.speaker or "",
                start=seg.start,
                code_key=code.key,
                code=code.name,
                coder=coder,
                consensus=consensus,
                text=text,
                participant=p.citizen_id if p is not None else None,
            )
        )

    revealing_segments = set(
        s.scalars(select(ConsensusCoding.segment_id).where(ConsensusCoding.revealing.is_(True)))
    )
    for cc, seg, iv, p in s.execute(
        joined(ConsensusCoding, read_policy.interviews(ctx, Read.CONSENSUS))
    ):
        add(
            seg,
            iv,
            p,
            cc.code_id,
            names.get(cc.decided_by, "konsensus"),
            True,
            (cc.start_char, cc.end_char),
            seg.id in revealing_segments,
        )
    for c, seg, iv, p in s.execute(
        joined(Coding, read_policy.interviews(ctx) & read_policy.codings(s, ctx))
    ):
        add(
            seg,
            iv,
            p,
            c.code_id,
            names.get(c.coder_id, str(c.coder_id)),
            False,
            (c.start_char, c.end_char),
            seg.id in revealing_segments,
        )
    rows.sort(key=lambda r: (r.document, r.segment, not r.consensus, r.code_key, r.coder))
    return rows, list(passages.values())


def _tallies(ctx: Context) -> dict[str, Any]:
    """The delivery tallies (per citizen, summary, flow) for the codings workbook, computed by
    the tally service (``services.tally.compute``) where the project has a protocol; an empty
    dict where it has none, or where the tally feature is not installed."""
    import pandas as pd

    from .permissions import allowed

    if not allowed(ctx.actor.role, "tally.read"):
        return {}
    try:
        from . import tally as tally_service
    except ImportError:
        return {}
    try:
        result = tally_service.compute(ctx)
    except QualkitError:  # no protocol (or no register) yet: no tally sheets
        return {}
    frames = {}
    for key in ("per_citizen", "summary", "flow"):
        value = getattr(result, key, None)
        if isinstance(value, pd.DataFrame) and not value.empty:
            frames[key] = value
    return frames


def export_codings(
    ctx: Context, out: str | Path | None, overrides: Iterable[int] = (), kind: str | None = None
) -> ExportResult:
    """Every coding the acting user may read as a row (+ the codes x participants matrix
    and tallies in .xlsx): writers get the consensus only; an evaluator their own codings
    and the others' only of interviews they chose to compare (read_policy)."""
    ctx.require("export")
    if out is not None:
        table = table_kind(out)
    elif kind in (".xlsx", ".csv"):
        table = kind
    else:
        raise InputError("Vælg .xlsx eller .csv til kodningstabellen.")
    with ctx.db.session() as s:
        rows, passages = _coding_rows(s, ctx)
    report = check_or_refuse(ctx, "codings", passages, overrides)
    tallies = _tallies(ctx) if table == ".xlsx" else {}
    path, data = deliver_file(
        ctx, "codings", out, lambda p: write_table(rows, p, table, tallies), report
    )
    counts = {
        "codings": sum(not r.consensus for r in rows),
        "consensus": sum(r.consensus for r in rows),
        "tally_sheets": len(tallies),
    }

    def work(s: Session) -> None:
        audit_overrides(s, ctx, "codings", report)
        audit.record(
            s,
            ctx.actor,
            "export.codings",
            project_id=ctx.project_id,
            target_type="export",
            target_id=Path(out).name if out else table,
            details={"format": table, "counts": counts},
        )

    _retry.write(ctx.db, work)
    return ExportResult(path, data, counts, report)
