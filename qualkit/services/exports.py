"""Exports: quote sets (.docx) and coding tables (REFI-QDA projects: services/exchange.py).

What may leave is decided here, once, for every format:
- only de-identified text (segments whose interview has been de-identified); never the vault;
- never anything from a withdrawn participant; never a quote flagged revealing;
- every text is re-scanned by the de-identification recognisers (exports.safety); an
  unreviewed PERSON/CPR/PHONE/EMAIL refuses the export unless the writer overrides that
  passage (segment), and each override is audited;
- every export is audited with its filters and counts (no text, no names).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, QualkitError
from qualkit.exports import safety, write_atomic
from qualkit.exports.quotes_docx import GROUPINGS, QuoteDocSpec, quote_counts, write_quotes_docx
from qualkit.exports.records import BUILTIN_FIELDS, Descriptor, Quote
from qualkit.exports.tables import CodingRow, table_kind, write_table
from qualkit.store.models import (
    Code,
    Codebook,
    Coding,
    ConsensusCoding,
    EntityDecision,
    Interview,
    Participant,
    Project,
    Segment,
    User,
)
from qualkit.tabular import format_date_dk

from . import audit
from .context import Context

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import ColumnElement

DEIDENTIFIED_STATUSES = ("deidentified", "approved")
INTERVIEWER_LABELS = {"i", "int", "interviewer", "intervieweren", "interviewer 1", "interviewer 2"}
ROLE_LABELS = {"citizen": "borger", "interviewer": "interviewer"}


@dataclass
class QuoteFilter:
    """The writer's choice of quotes; empty lists mean "all"."""

    roles: list[str] = field(default_factory=list)  # borger, interviewer, jobkonsulent, ...
    arms: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    waves: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # code keys; a code includes its sub-codes
    starred_only: bool = False

    def describe(self) -> list[str]:
        """Danish lines for the title page."""
        out = []
        for label, values in (
            ("roller", self.roles),
            ("arm", self.arms),
            ("sted", self.sites),
            ("bølge", [str(w) for w in self.waves]),
            ("koder", self.codes),
        ):
            if values:
                out.append(f"{label}: {', '.join(values)}")
        if self.starred_only:
            out.append("kun stjernemarkerede citater")
        return out

    def audit(self) -> dict[str, Any]:
        return {
            "roles": self.roles,
            "arms": self.arms,
            "sites": self.sites,
            "waves": self.waves,
            "codes": self.codes,
            "starred_only": self.starred_only,
        }


@dataclass
class ExportResult:
    path: Path | None
    data: bytes | None
    counts: dict[str, int]
    report: safety.SafetyReport


# --- reading what may leave --------------------------------------------------------------


def _exportable_text() -> ColumnElement[bool]:
    """SQL condition: the segment's text is de-identified."""
    return or_(Segment.deidentified.is_(True), Interview.status.in_(DEIDENTIFIED_STATUSES))


def not_withdrawn() -> ColumnElement[bool]:
    return or_(Interview.participant_id.is_(None), Participant.withdrawn_date.is_(None))


def _speaker_role(iv: Interview, speaker: str | None) -> str:
    """The role of a turn's speaker: from the interview's speaker map, else by the kind."""
    mapped = (iv.speakers or {}).get(speaker or "")
    if isinstance(mapped, str) and mapped.strip():
        return ROLE_LABELS.get(mapped.strip().lower(), mapped.strip().lower())
    if isinstance(mapped, dict) and mapped.get("role"):
        return ROLE_LABELS.get(str(mapped["role"]).lower(), str(mapped["role"]).lower())
    if (speaker or "").strip().lower() in INTERVIEWER_LABELS:
        return "interviewer"
    if iv.kind == "citizen":
        return "borger"
    return (iv.staff_role or "medarbejder").lower()


def _citizen_label(citizen_id: str | None, numbers: dict[str, int]) -> str:
    if citizen_id is None:
        return "Borger"
    m = re.match(r"^\D*0*(\d+)$", citizen_id)
    if m:
        return f"Borger {int(m.group(1))}"
    numbers.setdefault(citizen_id, len(numbers) + 1)
    return f"Borger {numbers[citizen_id]}"


class _Speakers:
    """One Descriptor per (interview, speaker), shared by all that speaker's quotes."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str | None], Descriptor] = {}
        self._numbers: dict[str, int] = {}

    def get(self, iv: Interview, p: Participant | None, speaker: str | None) -> Descriptor:
        key = (iv.id, speaker)
        if key not in self._cache:
            role = _speaker_role(iv, speaker)
            if role == "borger":
                cid = p.citizen_id if p is not None else None
                self._cache[key] = Descriptor(
                    _citizen_label(cid, self._numbers),
                    True,
                    cid or f"{iv.id}:{speaker}",
                    arm=p.arm if p else None,
                    site=p.site if p else None,
                    wave=iv.wave,
                    attributes=dict(p.attributes or {}) if p else {},
                )
            else:
                self._cache[key] = Descriptor(
                    role[:1].upper() + role[1:], False, f"{iv.id}:{speaker}", wave=iv.wave
                )
        return self._cache[key]


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
        raise InputError(f"Unknown code(s): {', '.join(sorted(set(keys)))}.")
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
        if seg_id in segment_ids:
            out.setdefault(seg_id, []).append((start, end))
    return out


def _cleared(ctx: Context) -> Callable[[str, str], bool] | None:
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
        from qualkit.deid.vault import Vault

        vault = Vault.open(ctx.db.settings.vault_path)
    except Exception:  # no vault yet, or a de-identification module without these helpers
        return None
    return lambda label, surface: vault.keyed_hash(surface_key(label, surface)) in rejected


def _load_quotes(s: Session, ctx: Context, flt: QuoteFilter) -> tuple[list[Quote], dict[str, Any]]:
    """Every consensus-coded passage the filter selects and the rules let out."""
    codes = project_codes(s, ctx.project_id)
    wanted = _with_descendants(flt.codes, codes) if flt.codes else None
    q = (
        select(ConsensusCoding, Segment, Interview, Participant)
        .join(Segment, ConsensusCoding.segment_id == Segment.id)
        .join(Interview, Segment.interview_id == Interview.id)
        .outerjoin(Participant, Interview.participant_id == Participant.id)
        .where(Interview.project_id == ctx.project_id)
    )
    skipped = {"withdrawn": 0, "revealing": 0, "not_deidentified": 0}
    speakers = _Speakers()
    quotes: list[Quote] = []
    roles = {r.lower() for r in flt.roles}
    for cc, seg, iv, p in s.execute(q.order_by(Interview.id, Segment.position, ConsensusCoding.id)):
        if p is not None and p.withdrawn_date is not None:
            skipped["withdrawn"] += 1
            continue
        if cc.revealing:
            skipped["revealing"] += 1
            continue
        if not (seg.deidentified or iv.status in DEIDENTIFIED_STATUSES):
            skipped["not_deidentified"] += 1
            continue
        if flt.starred_only and not cc.starred:
            continue
        if wanted is not None and cc.code_id not in wanted:
            continue
        if flt.waves and iv.wave not in flt.waves:
            continue
        who = speakers.get(iv, p, seg.speaker)
        if roles and _role_key(who) not in roles:
            continue
        if flt.arms and (not who.is_citizen or (who.arm or "") not in flt.arms):
            continue
        if flt.sites and (not who.is_citizen or (who.site or "") not in flt.sites):
            continue
        code = codes.get(cc.code_id)
        if code is None:
            continue
        root = _root(code, codes)
        text = seg.text or ""
        if cc.start_char is not None and cc.end_char is not None:
            text = text[cc.start_char : cc.end_char]
        quotes.append(
            Quote(
                consensus_id=cc.id,
                segment_id=seg.id,
                code_id=code.id,
                code_name=code.name,
                code_position=code.position,
                framework=code.framework,
                theme_id=root.id,
                theme_name=root.name,
                theme_position=root.position,
                text=text,
                who=who,
                interview_id=iv.id,
                interview_label=interview_label(iv),
                start=seg.start,
                starred=cc.starred,
                memo=cc.memo or "",
            )
        )
    return quotes, skipped


def _role_key(who: Descriptor) -> str:
    return "borger" if who.is_citizen else who.label.lower()


def _passages_for_quotes(s: Session, ctx: Context, quotes: list[Quote]) -> list[safety.Passage]:
    reviewed = _reviewed_spans(s, ctx.project_id, {q.segment_id for q in quotes})
    starts = (
        dict(
            s.execute(
                select(ConsensusCoding.id, ConsensusCoding.start_char).where(
                    ConsensusCoding.id.in_([q.consensus_id for q in quotes])
                )
            ).all()
        )
        if quotes
        else {}
    )
    out = []
    for q in quotes:
        shift = starts.get(q.consensus_id) or 0
        spans = tuple((a - shift, b - shift) for a, b in reviewed.get(q.segment_id, []))
        out.append(safety.Passage(q.segment_id, q.text, q.source_ref, spans))
        if q.memo:
            out.append(safety.Passage(q.segment_id, q.memo, q.source_ref + " (memo)"))
    return out


def check_or_refuse(
    ctx: Context, kind: str, passages: list[safety.Passage], overrides: Iterable[int]
) -> safety.SafetyReport:
    report = safety.check(passages, overrides, _cleared(ctx))
    if report.blocked:
        with ctx.db.session() as s:
            audit.record(
                s,
                ctx.actor,
                "export.refused",
                project_id=ctx.project_id,
                target_type="export",
                target_id=kind,
                details={
                    "segments": report.blocked_keys(),
                    "labels": sorted({f.label for f in report.findings}),
                },
            )
        raise InputError(report.message())
    return report


def audit_overrides(s: Session, ctx: Context, kind: str, report: safety.SafetyReport) -> None:
    for key in sorted({f.key for f in report.overridden}):
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
    out: str | Path | None, write: Callable[[Path], object]
) -> tuple[Path | None, bytes | None]:
    """Write atomically to ``out``, or (out=None) to a temporary file returned as bytes."""
    if out is not None:
        return write_atomic(out, write), None
    with tempfile.TemporaryDirectory(prefix="qualkit-export-") as tmp:
        path = Path(tmp) / "export"
        write(path)
        return None, path.read_bytes()


# --- the writer's working list: quotes, stars, revealing flags -------------------------


def quote_options(ctx: Context) -> dict[str, Any]:
    """Choices for the export form: roles, arms, sites, waves, codes and descriptor fields."""
    ctx.require("export")
    with ctx.db.session() as s:
        quotes, _ = _load_quotes(s, ctx, QuoteFilter())
        codes = project_codes(s, ctx.project_id)
        attrs: set[str] = set()
        for p in s.scalars(select(Participant).where(Participant.project_id == ctx.project_id)):
            attrs.update(k for k in (p.attributes or {}))
        participants = s.execute(
            select(Participant.arm, Participant.site).where(
                Participant.project_id == ctx.project_id
            )
        ).all()
        waves = s.scalars(
            select(Interview.wave).where(Interview.project_id == ctx.project_id).distinct()
        ).all()
        return {
            "roles": sorted({_role_key(q.who) for q in quotes} | {"borger"}),
            "arms": sorted({a for a, _ in participants if a}),
            "sites": sorted({st for _, st in participants if st}),
            "waves": sorted(w for w in waves if w is not None),
            "codes": [
                {"key": c.key, "name": c.name, "framework": c.framework}
                for c in sorted(codes.values(), key=lambda c: (c.codebook_id, c.position))
            ],
            "descriptor_fields": {**BUILTIN_FIELDS, **{a: a for a in sorted(attrs)}},
        }


def list_quotes(
    ctx: Context, flt: QuoteFilter | None = None, descriptor_fields: list[str] | None = None
) -> list[dict[str, Any]]:
    """The quotes an export with this filter would hold (for the writer to read and star)."""
    from qualkit.exports.records import describe

    ctx.require("export")
    with ctx.db.session() as s:
        quotes, _ = _load_quotes(s, ctx, flt or QuoteFilter())
    fields = descriptor_fields or ["label"]
    return [
        {
            "consensus_id": q.consensus_id,
            "segment_id": q.segment_id,
            "theme": q.theme_name,
            "code": q.code_name,
            "text": q.text.strip(),
            "descriptor": describe(q.who, fields),
            "source": q.source_ref,
            "starred": q.starred,
        }
        for q in quotes
    ]


def list_revealing(ctx: Context) -> list[dict[str, Any]]:
    """Quotes flagged as revealing (left out of every quote set), so a flag can be undone.

    Starring and flagging themselves are ``services.consensus.mark_consensus``.
    """
    ctx.require("quote.star")
    with ctx.db.session() as s:
        rows = s.execute(
            select(ConsensusCoding.id, Code.name, Segment.text, Interview.id)
            .join(Segment, ConsensusCoding.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(Code, ConsensusCoding.code_id == Code.id)
            .where(Interview.project_id == ctx.project_id, ConsensusCoding.revealing.is_(True))
            .order_by(Interview.id, Segment.position)
        ).all()
    return [
        {"consensus_id": cid, "code": name, "text": text, "interview_id": iid}
        for cid, name, text, iid in rows
    ]


def check_quotes(
    ctx: Context, flt: QuoteFilter | None = None, overrides: Iterable[int] = ()
) -> tuple[safety.SafetyReport, list[dict[str, Any]]]:
    """The safety check alone, shown in the app before exporting: the quotes and the titles of
    the interviews that .qdpx and tables carry (findings on a title have key -interview id)."""
    ctx.require("export")
    with ctx.db.session() as s:
        quotes, _ = _load_quotes(s, ctx, flt or QuoteFilter())
        passages = _passages_for_quotes(s, ctx, quotes)
        titled = s.scalars(
            select(Interview)
            .outerjoin(Participant, Interview.participant_id == Participant.id)
            .where(
                Interview.project_id == ctx.project_id,
                not_withdrawn(),
                or_(
                    Interview.status.in_(DEIDENTIFIED_STATUSES),
                    Interview.segments.any(Segment.deidentified.is_(True)),
                ),
            )
        ).all()
        passages += [title_passage(iv) for iv in titled]
        titles = {-iv.id: iv.title for iv in titled}
    report = safety.check(passages, overrides, _cleared(ctx))
    texts = {q.segment_id: (q.text, q.source_ref) for q in quotes}
    texts.update({k: (t, "") for k, t in titles.items()})
    listing = [
        {
            "segment_id": f.key,
            "where": f.where,
            "label": f.label,
            "surface": f.surface,
            "text": texts.get(f.key, ("", ""))[0],
            "overridden": f in report.overridden,
        }
        for f in report.findings + report.overridden
    ]
    return report, listing


# --- quote sets (.docx) ---------------------------------------------------------------


def export_quotes(
    ctx: Context,
    out: str | Path | None,
    flt: QuoteFilter | None = None,
    *,
    group_by: str = "code",
    descriptor_fields: list[str] | None = None,
    overrides: Iterable[int] = (),
    on: date | None = None,
) -> ExportResult:
    """Write the themed quote set; refuses (writing nothing) on unreviewed identifiers."""
    ctx.require("export")
    flt = flt or QuoteFilter()
    if group_by not in GROUPINGS:
        raise InputError(f"--group-by must be one of {', '.join(GROUPINGS)}, not {group_by!r}.")
    if out is not None and Path(out).suffix.lower() != ".docx":
        raise InputError(f"{out}: the quote set is a Word file; name it *.docx.")
    overrides = list(overrides)
    with ctx.db.session() as s:
        quotes, skipped = _load_quotes(s, ctx, flt)
        passages = _passages_for_quotes(s, ctx, quotes)
        project = s.get(Project, ctx.project_id)
        used = {q.code_id for q in quotes}
        books = s.scalars(
            select(Codebook).where(Codebook.project_id == ctx.project_id).order_by(Codebook.id)
        ).all()
        codes = project_codes(s, ctx.project_id)
        used_books = {codes[c].codebook_id for c in used}
        book_lines = [
            f"{b.name} (version {b.version})" for b in books if b.id in used_books or not used_books
        ]
        spec = QuoteDocSpec(
            project=project.name,
            codebooks=book_lines,
            filters=flt.describe(),
            group_by=group_by,
            descriptor_fields=descriptor_fields or ["label"],
            on=on or date.today(),
        )
    report = check_or_refuse(ctx, "quotes", passages, overrides)
    path, data = deliver_file(out, lambda p: write_quotes_docx(quotes, spec, p))
    counts = {**quote_counts(quotes), **{f"skipped_{k}": v for k, v in skipped.items()}}
    with ctx.db.session() as s:
        audit_overrides(s, ctx, "quotes", report)
        audit.record(
            s,
            ctx.actor,
            "export.quotes",
            project_id=ctx.project_id,
            target_type="export",
            target_id=Path(out).name if out else "download",
            details={
                "filters": flt.audit(),
                "group_by": group_by,
                "descriptor_fields": spec.descriptor_fields,
                "counts": counts,
                "overrides": sorted({f.key for f in report.overridden}),
            },
        )
    return ExportResult(path, data, counts, report)


# --- coding tables ---------------------------------------------------------------------


def _coding_rows(s: Session, ctx: Context) -> tuple[list[CodingRow], list[safety.Passage]]:
    codes = project_codes(s, ctx.project_id)
    names = dict(s.execute(select(User.id, User.username)).all())

    def joined(model: Any) -> Any:
        return (
            select(model, Segment, Interview, Participant)
            .join(Segment, model.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .outerjoin(Participant, Interview.participant_id == Participant.id)
            .where(Interview.project_id == ctx.project_id, _exportable_text(), not_withdrawn())
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
    for cc, seg, iv, p in s.execute(joined(ConsensusCoding)):
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
    for c, seg, iv, p in s.execute(joined(Coding)):
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
    """Every coding as a row (+ the codes x participants matrix and tallies in .xlsx)."""
    ctx.require("export")
    if out is None and kind not in (".xlsx", ".csv"):
        raise InputError("Choose .xlsx or .csv for the codings table.")
    kind = table_kind(out) if out is not None else kind
    with ctx.db.session() as s:
        rows, passages = _coding_rows(s, ctx)
    report = check_or_refuse(ctx, "codings", passages, overrides)
    tallies = _tallies(ctx) if kind == ".xlsx" else {}
    path, data = deliver_file(out, lambda p: write_table(rows, p, kind, tallies))
    counts = {
        "codings": sum(not r.consensus for r in rows),
        "consensus": sum(r.consensus for r in rows),
        "tally_sheets": len(tallies),
    }
    with ctx.db.session() as s:
        audit_overrides(s, ctx, "codings", report)
        audit.record(
            s,
            ctx.actor,
            "export.codings",
            project_id=ctx.project_id,
            target_type="export",
            target_id=Path(out).name if out else kind,
            details={"format": kind, "counts": counts},
        )
    return ExportResult(path, data, counts, report)
