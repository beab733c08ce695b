"""Export policy: what may leave, decided once for every format (.docx, .qdpx, .xlsx, .csv).

- only de-identified text (segments whose interview has been de-identified); never the vault;
- never anything from a withdrawn participant; never a quote flagged revealing;
- the read policy (services/read_policy.py) on top: writers export consensus only, an
  evaluator others' codings only after the audited compare;
- every string that leaves passes the safety check (exports.safety): the passages by key
  (override per segment, audited), then every string of the written file and its name;
- every export is audited with its filters and counts (no text, no names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.exports import safety, write_atomic
from qualkit.store.models import (
    Code,
    Codebook,
    EntityDecision,
    Interview,
    Participant,
    Segment,
)
from qualkit.tabular import format_date_dk

from . import _retry, audit
from .context import Context
from .read_policy import DEIDENTIFIED_STATUSES

__all__ = ["DEIDENTIFIED_STATUSES"]


@dataclass(frozen=True)
class ExportResult:
    path: Path | None
    data: bytes | None
    counts: dict[str, int]
    report: safety.SafetyReport


# --- reading what may leave --------------------------------------------------------------


def exportable_text():
    """SQL condition: the segment's text is de-identified."""
    return or_(Segment.deidentified.is_(True), Interview.status.in_(DEIDENTIFIED_STATUSES))


def not_withdrawn():
    return or_(Interview.participant_id.is_(None), Participant.withdrawn_date.is_(None))


def interview_label(iv: Interview) -> str:
    bits = [f"bølge {iv.wave}"] if iv.wave is not None else []
    if iv.interview_date:
        bits.append(format_date_dk(iv.interview_date))
    return ", ".join([f"Interview {iv.id}", *bits])


def project_codes(s: Session, project_id: int) -> dict[int, Code]:
    return {
        c.id: c
        for c in s.scalars(
            select(Code)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(Codebook.project_id == project_id)
        )
    }


def _root(code: Code, codes: dict[int, Code]) -> Code:
    seen = set()
    while code.parent_id is not None and code.parent_id in codes and code.id not in seen:
        seen.add(code.id)
        code = codes[code.parent_id]
    return code


def _with_descendants(keys: Iterable[str], codes: dict[int, Code]) -> set[int]:
    wanted = {c.id for c in codes.values() if c.key in set(keys)}
    if set(keys) and not wanted:
        raise InputError(f"Ukendt(e) kode(r): {', '.join(sorted(set(keys)))}.")
    changed = True
    while changed:
        changed = False
        for c in codes.values():
            if c.parent_id in wanted and c.id not in wanted:
                wanted.add(c.id)
                changed = True
    return wanted


def _reviewed_spans(
    s: Session, project_id: int, segment_ids: set[int]
) -> dict[int, list[tuple[int, int]]]:
    """Spans a reviewer rejected (not identifying), per segment."""
    out: dict[int, list[tuple[int, int]]] = {}
    if not segment_ids:
        return out
    rows = s.execute(
        select(EntityDecision.segment_id, EntityDecision.start, EntityDecision.end).where(
            EntityDecision.project_id == project_id,
            EntityDecision.decision == "rejected",
            EntityDecision.segment_id.is_not(None),
            EntityDecision.start.is_not(None),
            EntityDecision.end.is_not(None),
        )
    )
    for seg_id, start, end in rows:
        assert start is not None and end is not None  # the query selects only anchored spans
        if seg_id in segment_ids:
            out.setdefault(seg_id, []).append((start, end))
    return out


def _cleared(ctx: Context):
    """``(label, surface) -> bool``: was this surface rejected in review anywhere in the project?

    The review stores only a keyed hash of each surface (the key lives in the vault file), so
    the same hash is computed here with the de-identification module's own functions. Where
    there is no vault or no rejected decision, nothing is cleared this way.
    """
    with ctx.db.session() as s:
        rejected = set(
            s.scalars(
                select(EntityDecision.surface_hash).where(
                    EntityDecision.project_id == ctx.project_id,
                    EntityDecision.decision == "rejected",
                )
            )
        )
    if not rejected:
        return None
    try:
        from qualkit.deid.pseudonyms import surface_key
        from qualkit.services.vault import hasher_or_none

        vault = hasher_or_none(ctx.db)
    except Exception:  # no vault yet, or a de-identification module without these helpers
        return None
    if vault is None:
        return None
    return lambda label, surface: vault.keyed_hash(surface_key(label, surface)) in rejected


def issued_pseudonyms(ctx: Context) -> set[str]:
    """The pseudonyms this project issued in review (only these count as pseudonyms)."""
    with ctx.db.session() as s:
        rows = s.scalars(
            select(EntityDecision.pseudonym)
            .where(
                EntityDecision.project_id == ctx.project_id,
                EntityDecision.decision == "accepted",
                EntityDecision.pseudonym.is_not(None),
            )
            .distinct()
        ).all()
    return {p.removesuffix("s") if p.endswith("]s") else p for p in rows if p}


def check_or_refuse(
    ctx: Context, kind: str, passages: list[safety.Passage], overrides: Iterable[int]
) -> safety.SafetyReport:
    """Pass 1 of the safety check (exports.safety) over the passages; refuses, audited."""
    from .attestation import mark_attested  # imported text attested as de-identified

    with ctx.db.session() as s:
        passages = mark_attested(s, passages)
    report = safety.check(passages, overrides, _cleared(ctx), issued_pseudonyms(ctx))
    if report.blocked:
        _refused(ctx, kind, report)
        raise InputError(report.message())
    return report


def _refused(ctx: Context, kind: str, report: safety.SafetyReport) -> None:
    def work(s: Session) -> None:
        audit.record(
            s,
            ctx.actor,
            "export.refused",
            project_id=ctx.project_id,
            target_type="export",
            target_id=kind,
            details={
                "segments": report.blocked_keys(),
                "fields": sorted({f.where for f in report.findings if f.key is None}),
                "labels": sorted({f.label for f in report.findings}),
            },
        )

    _retry.write(ctx.db, work)


def audit_overrides(s: Session, ctx: Context, kind: str, report: safety.SafetyReport) -> None:
    for key in sorted({f.key for f in report.overridden if f.key is not None}):
        labels = sorted({f.label for f in report.overridden if f.key == key})
        audit.record(
            s,
            ctx.actor,
            "export.override",
            project_id=ctx.project_id,
            target_type="segment" if key >= 0 else "interview_title",
            target_id=abs(key),
            details={"export": kind, "labels": labels},
        )


def title_passage(iv: Interview) -> safety.Passage:
    """An interview's title leaves with .qdpx sources and coding tables: check it too."""
    return safety.Passage(-iv.id, iv.title or "", f"title of interview {iv.id}")


def deliver_file(
    ctx: Context,
    kind: str,
    out: str | Path | None,
    write: Callable[[Path], object],
    report: safety.SafetyReport,
    name: str | None = None,
) -> tuple[Path | None, bytes | None]:
    """Write atomically to ``out``, or (out=None) to a temporary file returned as bytes.

    Every export goes through here: pass 2 of the safety check reads every string of the
    written file and its name (``safety.check_file``) before it is moved into place; a
    refusal leaves nothing behind and is audited.
    """
    shown = name or (Path(out).name if out is not None else f"eksport{kind}")

    def checked(path: Path) -> None:
        write(path)
        try:
            safety.check_file(path, shown, report)
        except InputError:
            _refused(ctx, kind, safety.SafetyReport(findings=_file_findings(path, shown, report)))
            raise

    if out is not None:
        return write_atomic(out, checked), None
    from qualkit import tempdir

    with tempdir.workdir("export") as tmp:
        path = tmp / "export"
        checked(path)
        return None, path.read_bytes()


def _file_findings(path: Path, name: str, report: safety.SafetyReport) -> list[safety.Finding]:
    return safety.check_strings(
        [("filnavnet", Path(name).stem), *safety.file_strings(path)], report
    )
