"""Export use case: themed quote sets (.docx) and the writer's working list (stars, flags).

Quotes are consensus-coded passages the read policy lets the acting user read and the export
policy lets out (services/export_policy.py); the .docx is checked string by string before it
is moved into place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.exports import safety
from qualkit.exports.quotes_docx import GROUPINGS, QuoteDocSpec, quote_counts, write_quotes_docx
from qualkit.exports.records import BUILTIN_FIELDS, Descriptor, Quote
from qualkit.messages import msg as _msg
from qualkit.store.models import (
    Code,
    Codebook,
    ConsensusCoding,
    Interview,
    Participant,
    Project,
    Segment,
)

from . import _retry, audit, read_policy
from .context import Context, fetch
from .export_describe import QuoteFilter, Speakers
from .export_policy import (
    DEIDENTIFIED_STATUSES,
    ExportResult,
    _cleared,
    _reviewed_spans,
    _root,
    _with_descendants,
    audit_overrides,
    check_or_refuse,
    deliver_file,
    exportable_text,
    interview_label,
    issued_pseudonyms,
    not_withdrawn,
    project_codes,
    title_passage,
)
from .read_policy import Read


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
    readable = set(
        s.scalars(select(Interview.id).where(read_policy.interviews(ctx, Read.CONSENSUS)))
    )
    skipped = {"withdrawn": 0, "revealing": 0, "not_deidentified": 0}
    speakers = Speakers(s, ctx)
    quotes: list[Quote] = []
    roles = {r.lower() for r in flt.roles}
    for cc, seg, iv, p in s.execute(q.order_by(Interview.id, Segment.position, ConsensusCoding.id)):
        if p is not None and p.withdrawn_date is not None:
            skipped["withdrawn"] += 1
            continue
        if cc.revealing:
            skipped["revealing"] += 1
            continue
        if not (seg.deidentified or iv.status in DEIDENTIFIED_STATUSES) or iv.id not in readable:
            skipped["not_deidentified"] += 1
            continue
        if flt.starred_only and not cc.starred:
            continue
        if wanted is not None and cc.code_id not in wanted:
            continue
        if flt.waves and iv.wave not in flt.waves:
            continue
        from .speakers import speaker_participant

        turn_person = speaker_participant(iv, seg.speaker, p)
        if turn_person is not None and turn_person.withdrawn_date is not None:
            skipped["withdrawn"] += 1  # a focus-group member who withdrew consent
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
            .where(
                read_policy.interviews(ctx, Read.CONSENSUS),
                exportable_text(),
                ConsensusCoding.revealing.is_(True),
            )
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
                read_policy.interviews(ctx),
                not_withdrawn(),
                or_(
                    Interview.status.in_(DEIDENTIFIED_STATUSES),
                    Interview.segments.any(Segment.deidentified.is_(True)),
                ),
            )
        ).all()
        passages += [title_passage(iv) for iv in titled]
        titles = {-iv.id: iv.title for iv in titled}
    from .attestation import mark_attested  # imported text attested as de-identified

    with ctx.db.session() as s:
        passages = mark_attested(s, passages)
    report = safety.check(passages, overrides, _cleared(ctx), issued_pseudonyms(ctx))
    texts = {q.segment_id: (q.text, q.source_ref) for q in quotes}
    texts.update({k: (t, "") for k, t in titles.items()})
    listing = [
        {
            "segment_id": f.key,
            "where": f.where,
            "label": f.label,
            "surface": f.surface,
            "text": "" if f.key is None else texts.get(f.key, ("", ""))[0],
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
    descriptor_first: bool = False,
    exchange: bool = False,
    memos: bool = False,
) -> ExportResult:
    """Write the themed quote set; refuses (writing nothing) on unreviewed identifiers.

    ``exchange``: a quote whose turn answers an interviewer's question is printed with the
    question before it (the exchange, seed 002 lines 529-544); ``descriptor_first``: the
    descriptor line comes before the quote, as the reports print it; ``memos``: the appendix
    "Memoer" (services/export_memos.py), checked like the quotes."""
    ctx.require("export")
    flt = flt or QuoteFilter()
    if group_by not in GROUPINGS:
        raise InputError(f"--group-by skal være {' eller '.join(GROUPINGS)}, ikke {group_by!r}.")
    if out is not None and Path(out).suffix.lower() != ".docx":
        raise InputError(_msg("export.quotes_docx", path=out))
    overrides = list(overrides)
    with ctx.db.session() as s:
        quotes, skipped = _load_quotes(s, ctx, flt)
        passages = _passages_for_quotes(s, ctx, quotes)
        if exchange:
            from .quote_exchange import with_questions

            quotes, more = with_questions(s, ctx, quotes, _reviewed_spans)
            passages += more
        appendix = None
        if memos:
            from .export_memos import appendix_memos

            appendix, more = appendix_memos(s, ctx)
            passages += more
        project = fetch(s, Project, ctx.project_id)
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
            descriptor_first=descriptor_first,
            memos=appendix,
        )
    report = check_or_refuse(ctx, "quotes", passages, overrides)
    path, data = deliver_file(
        ctx, "quotes", out, lambda p: write_quotes_docx(quotes, spec, p), report
    )
    counts = {**quote_counts(quotes), **{f"skipped_{k}": v for k, v in skipped.items()}}
    if appendix is not None:
        counts["memos"] = len(appendix)

    def work(s: Session) -> None:
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

    _retry.write(ctx.db, work)
    return ExportResult(path, data, counts, report)
