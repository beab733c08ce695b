"""De-identification use case 2: review (accept, reject, relabel, add, edit before approval).

Every decision is anchored to the segment text version it was made on; an edit of the text
(here or on any other path) re-anchors or stales it (qualkit.store.anchoring), and the edit
here runs the recognisers over the new text at once, so the segment stays current.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.deid import Pseudonymiser, RosterEntry, Span, detect
from qualkit.deid.pseudonyms import FIXED, surface_key
from qualkit.deid.spans import LABELS
from qualkit.errors import InputError, NotFound
from qualkit.messages import msg as _msg
from qualkit.services.vault import DbVault as Vault
from qualkit.store.models import EntityDecision, Segment, utcnow

from . import _retry, audit
from .context import Context
from .deid_proposals import (
    _interview,
    _known,
    _project_rules,
    _vault,
    decision_row,
    numbered,
    proposal_run,
)

ACTIONS = ("accept", "reject", "relabel")


def list_spans(ctx: Context, interview_id: int) -> list[dict[str, Any]]:
    """Every proposed or decided span of an interview, with its text, for review."""
    ctx.require("deid.review")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        segs = {seg.id: seg for seg in iv.segments}
        rows = s.scalars(
            select(EntityDecision)
            .where(EntityDecision.interview_id == iv.id)
            .order_by(EntityDecision.segment_id, EntityDecision.start)
        ).all()
        vault = _vault(ctx)
        labels = {
            vault.keyed_hash(surface_key("PERSON", g.speaker)): g.speaker
            for g in iv.segments
            if g.speaker
        }
        out = []
        for r in rows:
            seg = None if r.segment_id is None else segs.get(r.segment_id)
            if r.segment_id is None:
                text = labels.get(r.surface_hash, "") if iv.status != "approved" else ""
            elif seg is not None and not seg.deidentified and not r.stale and r.start is not None:
                text = seg.text[r.start : r.end]
            else:
                text = ""
            out.append(
                {
                    "id": r.id,
                    "segment_id": r.segment_id,
                    "position": seg.position if seg is not None else None,
                    "speaker": seg.speaker if seg is not None else None,
                    "start": r.start,
                    "end": r.end,
                    "text": text,
                    "label": r.label,
                    "source": r.source,
                    "decision": r.decision,
                    "scope": r.scope,
                    "pseudonym": r.pseudonym,
                    "stale": bool(r.stale),
                }
            )
        return out


def decide(
    ctx: Context,
    decision_id: int,
    action: str,
    *,
    label: str | None = None,
    all_occurrences: bool = False,
) -> int:
    """Accept, reject or relabel one span, or every span with the same surface in the project.

    Returns the number of spans changed.
    """
    ctx.require("deid.review")
    if action not in ACTIONS:
        raise InputError(
            _msg("choice.unknown", what="handling", value=action, choices=", ".join(ACTIONS))
        )
    if action == "relabel" and label not in LABELS:
        raise InputError(
            _msg("choice.unknown", what="etiket", value=label, choices=", ".join(LABELS))
        )
    vault = _vault(ctx)

    def work(s: Session) -> int:
        row = s.get(EntityDecision, decision_id)
        if row is None or row.project_id != ctx.project_id:
            raise NotFound(f"Forslag {decision_id} findes ikke i dette projekt.")
        targets = [row]
        if all_occurrences:
            targets = list(
                s.scalars(
                    select(EntityDecision).where(
                        EntityDecision.project_id == ctx.project_id,
                        EntityDecision.surface_hash == row.surface_hash,
                    )
                ).all()
            )
        for t in targets:
            if action == "relabel":
                assert label is not None  # checked above: a relabel names one of LABELS
                t.label = label
                t.decision = "accepted"
                t.pseudonym = _relabelled_pseudonym(s, ctx, vault, t, label)
            else:
                t.decision = "accepted" if action == "accept" else "rejected"
            t.scope = "project" if all_occurrences else t.scope
            t.decided_by = ctx.actor.user_id
            t.decided_at = utcnow()
        audit.record(
            s,
            ctx.actor,
            f"deid.{action}",
            project_id=ctx.project_id,
            target_type="entity_decision",
            target_id=row.id,
            details={"spans": len(targets), "label": row.label, "all_occurrences": all_occurrences},
        )
        return len(targets)

    return _retry.write(ctx.db, work)


def _relabelled_pseudonym(s, ctx, vault: Vault, row: EntityDecision, label: str) -> str:
    if label in FIXED:
        return FIXED[label]
    pseud = Pseudonymiser(known=_known(s, ctx), hasher=vault.keyed_hash)
    key = f"relabel:{row.entity_hash}:{label}"
    return pseud.pseudonym(key, label)


def _open_segment(s, ctx: Context, segment_id: int) -> Segment:
    """A segment of this project that is still open for review (not yet de-identified)."""
    seg = s.get(Segment, segment_id)
    if seg is None or seg.interview.project_id != ctx.project_id:
        raise NotFound(f"Segment-id {segment_id} findes ikke i dette projekt.")
    if seg.deidentified:
        raise InputError("Segmentet er allerede pseudonymiseret og kan ikke ændres her.")
    return seg


def add_span(
    ctx: Context, segment_id: int, start: int, end: int, label: str, all_occurrences: bool = False
) -> int:
    """Add a span the recognisers missed (accepted at once). Returns its decision id."""
    ctx.require("deid.review")
    if label not in LABELS:
        raise InputError(
            _msg("choice.unknown", what="etiket", value=label, choices=", ".join(LABELS))
        )
    vault = _vault(ctx)

    def work(s: Session) -> int:
        seg = _open_segment(s, ctx, segment_id)
        if not (0 <= start < end <= len(seg.text)):
            raise InputError(
                f"Udsnittet {start}-{end} ligger uden for segmentet (længde {len(seg.text)})."
            )
        sp = Span(start, end, label, seg.text[start:end], "manual")
        pseud = Pseudonymiser(known=_known(s, ctx), hasher=vault.keyed_hash)
        pseud.assign([sp])
        overlapping = s.scalars(
            select(EntityDecision).where(
                EntityDecision.segment_id == seg.id,
                EntityDecision.start < end,
                EntityDecision.end > start,
            )
        ).all()
        for o in overlapping:
            s.delete(o)
        row = decision_row(
            ctx,
            vault,
            seg.interview_id,
            seg.id,
            sp,
            pseud,
            {},
            "accepted",
            version=seg.text_version,
        )
        row.decided_by, row.decided_at = ctx.actor.user_id, utcnow()
        row.scope = "project" if all_occurrences else "occurrence"
        s.add(row)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "deid.add",
            project_id=ctx.project_id,
            target_type="entity_decision",
            target_id=row.id,
            details={"label": label},
        )
        return row.id

    return _retry.write(ctx.db, work)


def add_span_text(
    ctx: Context, segment_id: int, surface: str, label: str, all_occurrences: bool = False
) -> int:
    """Add a missed span by its text: every occurrence of ``surface`` in the segment."""
    ctx.require("deid.review")
    with ctx.db.session() as s:
        seg = s.get(Segment, segment_id)
        if seg is None or seg.interview.project_id != ctx.project_id:
            raise NotFound(f"Segment-id {segment_id} findes ikke i dette projekt.")
        text = seg.text
    surface = surface.strip()
    starts = [i for i in range(len(text)) if surface and text.startswith(surface, i)]
    if not starts:
        raise InputError("Teksten, der skal tilføjes, står ikke i det valgte segment.")
    for b in starts:
        add_span(ctx, segment_id, b, b + len(surface), label, all_occurrences)
    return len(starts)


def accept_pending(ctx: Context, interview_id: int) -> int:
    """Accept every still-proposed span of an interview."""
    ctx.require("deid.review")

    def work(s: Session) -> int:
        iv = _interview(s, ctx, interview_id)
        rows = s.scalars(
            select(EntityDecision).where(
                EntityDecision.interview_id == iv.id, EntityDecision.decision == "proposed"
            )
        ).all()
        for r in rows:
            r.decision, r.decided_by, r.decided_at = "accepted", ctx.actor.user_id, utcnow()
        audit.record(
            s,
            ctx.actor,
            "deid.accept",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"spans": len(rows)},
        )
        return len(rows)

    return _retry.write(ctx.db, work)


def segments_for_review(ctx: Context, interview_id: int) -> list[dict[str, Any]]:
    """The segments of an interview (id, position, speaker, text) for the review page."""
    ctx.require("deid.review")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        return [
            {"id": g.id, "position": g.position, "speaker": g.speaker, "text": g.text}
            for g in iv.segments
        ]


def edit_segment(
    ctx: Context, segment_id: int, text: str, roster: list[RosterEntry] | None = None
) -> None:
    """Change a segment's text before approval: its decisions follow their words (or go
    stale, and are then looked for again), and the recognisers run over the new text."""
    ctx.require("transcript.edit")
    vault = _vault(ctx)
    detected = detect(text, roster)  # the recognisers run before the write transaction

    def work(s: Session) -> None:
        seg = _open_segment(s, ctx, segment_id)
        before = len(seg.text or "")
        seg.text, seg.edited = text, True
        s.flush()  # qualkit.store.anchoring: new version, decisions re-anchored or stale
        pseud = Pseudonymiser(roster, known=_known(s, ctx), hasher=vault.keyed_hash)
        spans = pseud.assign(copy.deepcopy(detected))
        added = proposal_run(s, ctx, vault, seg, spans, pseud, _project_rules(s, ctx))
        audit.record(
            s,
            ctx.actor,
            "segment.edit",
            project_id=ctx.project_id,
            target_type="segment",
            target_id=seg.id,
            details={
                "position": seg.position + 1,
                "chars_before": before,
                "chars_after": len(text),
                "proposals": added,
            },
        )

    _retry.write(ctx.db, work)


def decide_numbers(
    ctx: Context,
    interview_id: int,
    *,
    accept_all: bool = False,
    accept: Iterable[int] = (),
    reject: Iterable[int] = (),
) -> int:
    """Decide proposals by the numbers ``qualkit review propose`` printed; returns how many."""
    ctx.require("deid.review")
    accept, reject = sorted(set(accept)), sorted(set(reject))
    if accept_all:
        return accept_pending(ctx, interview_id)
    both = set(accept) & set(reject)
    if both:
        raise InputError(f"Forslag {sorted(both)[0]} kan ikke både accepteres og afvises.")
    if not accept and not reject:
        raise InputError("Angiv --accept-all, --accept N eller --reject N.")
    by_number = {p.number: p for p in numbered(ctx, interview_id)}
    unknown = [n for n in [*accept, *reject] if n not in by_number]
    if unknown:
        raise InputError(
            f"Interview {interview_id} har intet forslag nummer {unknown[0]} "
            f"(der er {len(by_number)}; se qualkit review propose {interview_id})."
        )
    n = 0
    for number in accept:
        n += decide(ctx, by_number[number].decision_id, "accept")
    for number in reject:
        n += decide(ctx, by_number[number].decision_id, "reject")
    return n
