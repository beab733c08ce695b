"""De-identification use case 3: approval (pseudonyms into the text, raw text into the vault).

Approval refuses, naming the segments by number, while any segment changed since the last
proposal run or holds a stale decision (qualkit.deid.anchors). After redaction it checks that
no surface a reviewer accepted for replacement is still in the interview's text; if one is,
nothing is written. Once approved, segments hold de-identified text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.deid import Span, redact
from qualkit.deid.anchors import Anchor, SegmentState, not_ready, numbers_text, residual
from qualkit.deid.pseudonyms import FIXED, surface_key
from qualkit.errors import InputError
from qualkit.store.models import EntityDecision, Participant, utcnow

from . import _retry, audit, retention
from .context import Context, fetch
from .deid_proposals import _interview, _tag, _vault


@dataclass(frozen=True)
class ApprovalResult:
    replaced: int
    segments: int


def _surfaces(sp: Span) -> set[str]:
    """The accepted surface and, for a person, each of its words ("Mette Holt" -> "Holt")."""
    out = {sp.text, sp.text + "s"}
    if sp.label == "PERSON":
        for w in sp.text.split():
            w = w.strip(".,'’")
            if len(w) >= 3 and w[:1].isupper():
                out |= {w, w + "s"}
    return out


def approve(ctx: Context, interview_id: int, *, accept_pending: bool = False) -> ApprovalResult:
    """Replace accepted spans by pseudonyms in every segment; seal the raw text in the vault.

    Pending proposals block approval unless ``accept_pending``.
    """
    ctx.require("deid.review")
    vault = _vault(ctx)

    def work(s: Session) -> tuple[ApprovalResult, Path | None]:
        iv = _interview(s, ctx, interview_id)
        if iv.status == "approved":
            raise InputError(f"Interview {interview_id} er allerede godkendt.")
        rows = s.scalars(select(EntityDecision).where(EntityDecision.interview_id == iv.id)).all()
        by_segment: dict[int | None, list[EntityDecision]] = {}
        for r in rows:
            by_segment.setdefault(r.segment_id, []).append(r)
        blocked = not_ready(
            [
                SegmentState(
                    seg.position + 1,
                    seg.text_version or 0,
                    seg.proposed_version,
                    tuple(
                        Anchor(r.start, r.end, r.text_version, bool(r.stale))
                        for r in by_segment.get(seg.id, [])
                    ),
                )
                for seg in iv.segments
            ]
        )
        if blocked:
            raise InputError(
                f"Interview {interview_id} kan ikke godkendes: segment {numbers_text(blocked)} "
                "er ændret siden sidste forslagskørsel eller har forældede beslutninger; "
                f"kør forslagene igen (qualkit review propose {interview_id})."
            )
        pending = [r for r in rows if r.decision == "proposed"]
        if pending and not accept_pending:
            raise InputError(
                f"Interview {interview_id}: {len(pending)} forslag er endnu ikke gennemgået."
            )
        for r in pending:
            r.decision, r.decided_by, r.decided_at = "accepted", ctx.actor.user_id, utcnow()
        by_seg: dict[int | None, list[EntityDecision]] = {}
        for r in rows:
            if r.decision == "accepted" and r.start is not None:
                by_seg.setdefault(r.segment_id, []).append(r)
        raw: list[dict[str, Any]] = []
        keys: list[dict[str, str | None]] = []
        replaced = 0
        surfaces: set[str] = set()
        for seg in iv.segments:
            raw.append({"position": seg.position, "speaker": seg.speaker, "text": seg.text})
            accepted: list[tuple[EntityDecision, Span]] = []
            for r in by_seg.get(seg.id, []):
                # not_ready() above refused any segment holding a decision with a start but
                # no end (and by_seg holds only decisions with a start).
                assert r.start is not None and r.end is not None
                text = seg.text[r.start : r.end]
                accepted.append((r, Span(r.start, r.end, r.label, text, r.source, r.pseudonym)))
            spans = [sp for _, sp in accepted]
            for sp in spans:
                surfaces |= _surfaces(sp)
                if sp.label not in FIXED:
                    keys.append({"name": sp.text, "label": sp.label, "pseudonym": sp.replacement})
            seg.text = redact(seg.text, spans)
            seg.deidentified = True
            replaced += len(spans)
            _shift_offsets([r for r in rows if r.segment_id == seg.id], accepted)
        cleared = [
            [
                (r.start, r.end)
                for r in by_segment.get(seg.id, [])
                if r.decision == "rejected" and r.start is not None and r.end is not None
            ]
            for seg in iv.segments
        ]
        left = residual([seg.text for seg in iv.segments], surfaces, cleared)
        if left:
            numbers = sorted({iv.segments[i].position + 1 for i, _ in left})
            raise InputError(
                f"Interview {interview_id} kan ikke godkendes: et navn, der er accepteret til "
                f"erstatning, står stadig i segment {numbers_text(numbers)}; markér det dér "
                "(eller afvis det), og godkend igen."
            )
        citizen = fetch(s, Participant, iv.participant_id).citizen_id if iv.participant_id else None
        tag = (
            _tag(vault, ctx, "participant", citizen)
            if citizen
            else _tag(vault, ctx, "interview", iv.id)
        )
        unique_keys = list({(k["name"], k["pseudonym"]): k for k in keys}.values())
        vault.add_many(
            [
                {
                    "kind": "transcript",
                    "project_id": ctx.project_id,
                    "interview_id": iv.id,
                    "citizen_id": citizen,
                    "segments": raw,
                },
                *(
                    {"kind": "pseudonym", "project_id": ctx.project_id, "interview_id": iv.id, **k}
                    for k in unique_keys
                ),
            ],
            tag,
            session=s,
        )
        by_hash = {
            r.surface_hash: r.pseudonym.strip("[]")
            for r in rows
            if r.segment_id is None and r.decision == "accepted" and r.pseudonym
        }
        renamed = {}
        for label in {g.speaker for g in iv.segments if g.speaker} | set(iv.speakers or {}):
            new = by_hash.get(vault.keyed_hash(surface_key("PERSON", label)))
            if new:
                renamed[label] = new
        for seg in iv.segments:
            if seg.speaker in renamed:
                seg.speaker = renamed[seg.speaker]
        iv.speakers = {renamed.get(k, k): v for k, v in (iv.speakers or {}).items()}
        iv.status = "approved"
        audio = retention.audio_on_approval(s, ctx, iv, "approved (de-identification)")
        audit.record(
            s,
            ctx.actor,
            "deid.approve",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"replaced": replaced, "segments": len(iv.segments)},
        )
        return ApprovalResult(replaced, len(iv.segments)), audio

    result, audio = _retry.write(ctx.db, work)
    retention.unlink([audio])  # after the commit: a re-run never finds the audio gone
    return result


def _shift_offsets(rows: list[EntityDecision], accepted: list[tuple[EntityDecision, Span]]) -> None:
    """Move every decision's offsets into the redacted text, so that a rejected span
    ("Per uge") still points at its words and an accepted one at its pseudonym.

    ``accepted``: each accepted decision with the span redact() was given for it."""
    reps: list[tuple[int, int, int, int]] = []  # (start, end, replacement length, decision id)
    pos = 0
    for r, sp in sorted(accepted, key=lambda a: a[1].start):
        if sp.start < pos:
            continue  # redact() skipped this overlapping span too
        reps.append((sp.start, sp.end, len(r.pseudonym or FIXED.get(r.label, "[Navn]")), r.id))
        pos = sp.end

    def moved(x: int) -> int:
        return x + sum(n - (e - b) for b, e, n, _ in reps if e <= x)

    placed = {rid: (moved(b), moved(b) + n) for b, e, n, rid in reps}
    for r in rows:
        if r.id in placed:
            r.start, r.end = placed[r.id]
        elif (
            r.start is not None
            and r.end is not None
            and not any(b < r.end and r.start < e for b, e, _, _ in reps)
        ):
            r.start, r.end = moved(r.start), moved(r.end)
        else:
            r.start = r.end = None
