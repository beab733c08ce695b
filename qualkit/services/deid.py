"""De-identification use cases: propose, review, approve, read the vault, withdraw.

Proposals are EntityDecision rows holding only keyed hashes of the surface text; the
clear names, the name <-> pseudonym key and the raw text of approved transcripts go into
the encrypted vault (qualkit.deid.vault). Once approved, segments hold the
de-identified text and the database holds no real name.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from qualkit.deid import Pseudonymiser, RosterEntry, Span, detect, redact
from qualkit.deid.pseudonyms import FIXED, surface_key
from qualkit.deid.spans import LABELS
from qualkit.deid.vault import Vault
from qualkit.errors import InputError, NotFound
from qualkit.store.models import (
    EntityDecision,
    Interview,
    Participant,
    Project,
    Segment,
    utcnow,
)

from . import audit
from .context import Context

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from .context import Context

ACTIONS = ("accept", "reject", "relabel")


# -- the vault -------------------------------------------------------------------------------
def vault_exists(ctx: Context) -> bool:
    ctx.require("deid.review")
    return Vault.exists(ctx.db.settings.vault_path)


def create_vault(ctx: Context, passphrase: str) -> None:
    """Create the project's key vault (admin); the passphrase is needed to read it."""
    ctx.require("vault.read")
    Vault.create(ctx.db.settings.vault_path, passphrase)
    with ctx.db.session() as s:
        audit.record(s, ctx.actor, "vault.create", project_id=ctx.project_id)


def read_vault(ctx: Context, passphrase: str) -> list[dict[str, Any]]:
    """Every entry of this project: pseudonym keys, identities and raw transcripts (admin)."""
    ctx.require("vault.read")
    entries = Vault.open(ctx.db.settings.vault_path).read(passphrase)
    with ctx.db.session() as s:
        audit.record(
            s, ctx.actor, "vault.read", project_id=ctx.project_id, details={"entries": len(entries)}
        )
    return [e for e in entries if e.get("project_id") == ctx.project_id]


def _vault(ctx: Context) -> Vault:
    return Vault.open(ctx.db.settings.vault_path)


def _tag(vault: Vault, ctx: Context, kind: str, ref: Any) -> str:
    return vault.keyed_hash(f"{ctx.project_id}:{kind}:{ref}")


def roster_from_upload(ctx: Context, data: bytes, name: str) -> list[RosterEntry]:
    """Roster entries from an uploaded CSV (name, role, pseudonym); kept in memory only."""
    ctx.require("deid.review")
    from qualkit.deid.roster import parse_roster

    return parse_roster(data, name)


# -- proposals -------------------------------------------------------------------------------
def _interview(s: Session, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(f"No interview {interview_id} in this project.")
    return iv


def _known(s: Session, ctx: Context) -> dict[str, str]:
    """Entity hash -> pseudonym for every pseudonym handed out in the project (accepted
    or still proposed), so two transcripts under review never share a number. Surface
    hashes are added too: "Pernille" mentioned in a later interview gets the pseudonym
    the full name "Pernille Krogh" got where both were mentioned together."""
    rows = s.execute(
        select(EntityDecision.entity_hash, EntityDecision.surface_hash, EntityDecision.pseudonym)
        .where(
            EntityDecision.project_id == ctx.project_id,
            EntityDecision.decision != "rejected",
            EntityDecision.entity_hash.is_not(None),
            EntityDecision.pseudonym.is_not(None),
        )
        .order_by(EntityDecision.id)
    ).all()
    known: dict[str, str] = {}
    for entity, surface, p in rows:
        p = p.removesuffix("s") if p.endswith("]s") else p
        if p.startswith("[") and p.endswith("]"):
            known[entity] = p
            known.setdefault(surface, p)
    project = s.get(Project, ctx.project_id)
    for h, p in ((project.settings or {}).get("deid_links") or {}).items():
        known.setdefault(h, p)
    return known


def _save_links(s: Session, ctx: Context, pseud: Pseudonymiser) -> None:
    """Remember (as keyed hashes) which first names belong to which full name's pseudonym."""
    project = s.get(Project, ctx.project_id)
    settings = dict(project.settings or {})
    links = dict(settings.get("deid_links") or {})
    for h, p in pseud.part_links().items():
        links.setdefault(h, p)
    settings["deid_links"] = links
    project.settings = settings


def _project_rules(s: Session, ctx: Context) -> dict[str, tuple[str, str]]:
    """Surface hash -> (decision, label) for decisions applied to every occurrence."""
    rows = s.scalars(
        select(EntityDecision)
        .where(
            EntityDecision.project_id == ctx.project_id,
            EntityDecision.scope == "project",
            EntityDecision.decision.in_(("accepted", "rejected")),
        )
        .order_by(EntityDecision.id)
    ).all()
    return {r.surface_hash: (r.decision, r.label) for r in rows}


def propose(ctx: Context, interview_id: int, roster: list[RosterEntry] | None = None) -> int:
    """Run the recognisers over every segment not yet de-identified; store proposals.

    Earlier project-wide decisions on the same surface are applied at once.
    Returns the number of proposals stored.
    """
    ctx.require("deid.review")
    vault = _vault(ctx)
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        if iv.status == "approved":
            raise InputError(f"Interview {interview_id} is already approved.")
        rules = _project_rules(s, ctx)
        pseud = Pseudonymiser(roster, known=_known(s, ctx), hasher=vault.keyed_hash)
        n = _speaker_rows(ctx, vault, s, iv, roster, pseud)
        found = detect_segments([seg.text for seg in iv.segments], roster)
        pseud.assign([sp for spans in found for sp in spans])
        _save_links(s, ctx, pseud)
        for seg, spans in zip(iv.segments, found, strict=True):
            s.execute(
                delete(EntityDecision).where(
                    EntityDecision.segment_id == seg.id, EntityDecision.decision == "proposed"
                )
            )
            decided = s.scalars(
                select(EntityDecision).where(EntityDecision.segment_id == seg.id)
            ).all()
            taken = [(d.start, d.end) for d in decided]
            for sp in spans:
                if any(sp.start < e and sp.end > b for b, e in taken):
                    continue
                n += 1
                s.add(_decision_row(ctx, vault, iv.id, seg.id, sp, pseud, rules))
        audit.record(
            s,
            ctx.actor,
            "deid.propose",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"proposals": n},
        )
        return n


def detect_segments(texts: list[str], roster: list[RosterEntry] | None) -> list[list[Span]]:
    """Detect over the whole interview at once (names recur; a word written in lower case
    elsewhere is no name), then split the spans back into per-segment offsets."""
    joined = "\n".join(texts)
    bounds, pos = [], 0
    for t in texts:
        bounds.append((pos, pos + len(t)))
        pos += len(t) + 1
    out: list[list[Span]] = [[] for _ in texts]
    k = 0
    for sp in detect(joined, roster):
        while k < len(bounds) and sp.start >= bounds[k][1]:
            k += 1
        if k == len(bounds):
            break
        b, e = bounds[k]
        start, end = max(sp.start, b), min(sp.end, e)  # a pattern may run over a line break
        if start < end:
            out[k].append(
                Span(
                    start - b,
                    end - b,
                    sp.label,
                    joined[start:end],
                    sp.source,
                    sp.replacement,
                    sp.key,
                )
            )
    return out


def _speaker_rows(
    ctx: Context,
    vault: Vault,
    s: Session,
    iv: Interview,
    roster: list[RosterEntry],
    pseud: Pseudonymiser,
) -> int:
    """Speaker labels that are names or initials ("KB", "Mette") become proposals too;
    approval replaces an accepted one by its pseudonym in every segment."""
    s.execute(
        delete(EntityDecision).where(
            EntityDecision.interview_id == iv.id,
            EntityDecision.segment_id.is_(None),
            EntityDecision.decision == "proposed",
        )
    )
    done = set(
        s.scalars(
            select(EntityDecision.surface_hash).where(
                EntityDecision.interview_id == iv.id, EntityDecision.segment_id.is_(None)
            )
        ).all()
    )
    n = 0
    for label in sorted({seg.speaker for seg in iv.segments if seg.speaker}):
        spans = [
            sp
            for sp in detect(label, roster)
            if sp.label == "PERSON" and sp.start == 0 and sp.end == len(label)
        ]
        if not spans:
            continue
        pseud.assign(spans)
        row = _decision_row(ctx, vault, iv.id, None, spans[0], pseud, {})
        row.source = f"speaker/{spans[0].source}"
        row.start = row.end = None
        if row.surface_hash not in done:
            s.add(row)
            n += 1
    return n


def _decision_row(
    ctx: Context,
    vault: Vault,
    interview_id: int,
    segment_id: int | None,
    sp: Span,
    pseud: Pseudonymiser,
    rules: dict[str, tuple[str, str]],
    decision: str = "proposed",
) -> EntityDecision:
    shash = vault.keyed_hash(surface_key(sp.label, sp.text))
    label = sp.label
    if shash in rules:
        decision, label = rules[shash]
    return EntityDecision(
        project_id=ctx.project_id,
        interview_id=interview_id,
        segment_id=segment_id,
        start=sp.start,
        end=sp.end,
        surface_hash=shash,
        entity_hash=vault.keyed_hash(pseud.key_for(sp)),
        label=label,
        source=sp.source,
        pseudonym=sp.replacement,
        decision=decision,
        scope="occurrence",
    )


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
            seg = segs.get(r.segment_id)
            if r.segment_id is None:
                text = labels.get(r.surface_hash, "") if iv.status != "approved" else ""
            else:
                text = seg.text[r.start : r.end] if seg is not None and not seg.deidentified else ""
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
        raise InputError(f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    if action == "relabel" and label not in LABELS:
        raise InputError(f"Unknown label {label!r}; use one of {', '.join(LABELS)}.")
    vault = _vault(ctx)
    with ctx.db.session() as s:
        row = s.get(EntityDecision, decision_id)
        if row is None or row.project_id != ctx.project_id:
            raise NotFound(f"No proposed span {decision_id} in this project.")
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


def _relabelled_pseudonym(
    s: Session, ctx: Context, vault: Vault, row: EntityDecision, label: str
) -> str:
    if label in FIXED:
        return FIXED[label]
    pseud = Pseudonymiser(known=_known(s, ctx), hasher=vault.keyed_hash)
    key = f"relabel:{row.entity_hash}:{label}"
    return pseud.pseudonym(key, label)


def _open_segment(s: Session, ctx: Context, segment_id: int) -> Segment:
    """A segment of this project that is still open for review (not yet de-identified)."""
    seg = s.get(Segment, segment_id)
    if seg is None or seg.interview.project_id != ctx.project_id:
        raise NotFound(f"No segment {segment_id} in this project.")
    if seg.deidentified:
        raise InputError("This segment is already de-identified; it cannot be changed here.")
    return seg


def add_span(
    ctx: Context, segment_id: int, start: int, end: int, label: str, all_occurrences: bool = False
) -> int:
    """Add a span the recognisers missed (accepted at once). Returns its decision id."""
    ctx.require("deid.review")
    if label not in LABELS:
        raise InputError(f"Unknown label {label!r}; use one of {', '.join(LABELS)}.")
    vault = _vault(ctx)
    with ctx.db.session() as s:
        seg = _open_segment(s, ctx, segment_id)
        if not (0 <= start < end <= len(seg.text)):
            raise InputError(
                f"Span {start}-{end} lies outside the segment (length {len(seg.text)})."
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
        row = _decision_row(ctx, vault, seg.interview_id, seg.id, sp, pseud, {}, "accepted")
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


def add_span_text(
    ctx: Context, segment_id: int, surface: str, label: str, all_occurrences: bool = False
) -> int:
    """Add a missed span by its text: every occurrence of ``surface`` in the segment."""
    ctx.require("deid.review")
    with ctx.db.session() as s:
        seg = s.get(Segment, segment_id)
        if seg is None or seg.interview.project_id != ctx.project_id:
            raise NotFound(f"No segment {segment_id} in this project.")
        text = seg.text
    surface = surface.strip()
    starts = [i for i in range(len(text)) if surface and text.startswith(surface, i)]
    if not starts:
        raise InputError("The text to add does not occur in the chosen segment.")
    for b in starts:
        add_span(ctx, segment_id, b, b + len(surface), label, all_occurrences)
    return len(starts)


def accept_pending(ctx: Context, interview_id: int) -> int:
    """Accept every still-proposed span of an interview."""
    ctx.require("deid.review")
    with ctx.db.session() as s:
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
    """Change a segment's text before approval; accepted decisions re-apply to the new text."""
    ctx.require("transcript.edit")
    vault = _vault(ctx)
    with ctx.db.session() as s:
        seg = _open_segment(s, ctx, segment_id)
        old = s.scalars(select(EntityDecision).where(EntityDecision.segment_id == seg.id)).all()
        remembered = {d.surface_hash: d for d in old if d.decision in ("accepted", "rejected")}
        for d in old:
            s.delete(d)
        seg.text, seg.edited = text, True
        s.flush()
        rules = _project_rules(s, ctx)
        pseud = Pseudonymiser(roster, known=_known(s, ctx), hasher=vault.keyed_hash)
        spans = pseud.assign(detect(text, roster))
        taken: list[tuple[int, int]] = []
        for sp in spans:
            row = _decision_row(ctx, vault, seg.interview_id, seg.id, sp, pseud, rules)
            prev = remembered.pop(row.surface_hash, None)
            if prev is not None:
                row.decision, row.label, row.pseudonym = prev.decision, prev.label, prev.pseudonym
                row.scope, row.source = prev.scope, prev.source
            s.add(row)
            taken.append((sp.start, sp.end))
        # Manually added spans the recognisers do not find: look for their surface again.
        for prev in remembered.values():
            for b, e in _find_hash(text, vault, prev):
                if all(e <= tb or b >= te for tb, te in taken):
                    s.add(
                        EntityDecision(
                            project_id=ctx.project_id,
                            interview_id=seg.interview_id,
                            segment_id=seg.id,
                            start=b,
                            end=e,
                            surface_hash=prev.surface_hash,
                            entity_hash=prev.entity_hash,
                            label=prev.label,
                            source=prev.source,
                            pseudonym=prev.pseudonym,
                            decision=prev.decision,
                            scope=prev.scope,
                            decided_by=prev.decided_by,
                            decided_at=prev.decided_at,
                        )
                    )
                    taken.append((b, e))
        audit.record(
            s,
            ctx.actor,
            "segment.edit",
            project_id=ctx.project_id,
            target_type="segment",
            target_id=seg.id,
            details={"reapplied": len(spans)},
        )


def _find_hash(text: str, vault: Vault, prev: EntityDecision) -> list[tuple[int, int]]:
    """Offsets of word n-grams (1-4 words) whose keyed hash matches a decision's surface."""
    import re

    words = [(m.start(), m.end()) for m in re.finditer(r"\w[\w'’.-]*", text)]
    out = []
    for i in range(len(words)):
        for j in range(i, min(i + 4, len(words))):
            b, e = words[i][0], words[j][1]
            if vault.keyed_hash(surface_key(prev.label, text[b:e])) == prev.surface_hash:
                out.append((b, e))
    return out


# -- approval --------------------------------------------------------------------------------
def approve(ctx: Context, interview_id: int, *, accept_pending: bool = False) -> dict[str, int]:
    """Replace accepted spans by pseudonyms in every segment; seal the raw text in the vault.

    Pending proposals block approval unless ``accept_pending``.
    """
    ctx.require("deid.review")
    vault = _vault(ctx)
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        if iv.status == "approved":
            raise InputError(f"Interview {interview_id} is already approved.")
        rows = s.scalars(select(EntityDecision).where(EntityDecision.interview_id == iv.id)).all()
        pending = [r for r in rows if r.decision == "proposed"]
        if pending and not accept_pending:
            raise InputError(
                f"Interview {interview_id}: {len(pending)} proposed spans are not yet reviewed."
            )
        for r in pending:
            r.decision, r.decided_by, r.decided_at = "accepted", ctx.actor.user_id, utcnow()
        by_seg: dict[int, list[EntityDecision]] = {}
        for r in rows:
            if r.decision == "accepted":
                by_seg.setdefault(r.segment_id, []).append(r)
        raw, keys, replaced = [], [], 0
        for seg in iv.segments:
            raw.append({"position": seg.position, "speaker": seg.speaker, "text": seg.text})
            spans = [
                Span(r.start, r.end, r.label, seg.text[r.start : r.end], r.source, r.pseudonym)
                for r in by_seg.get(seg.id, [])
            ]
            for sp in spans:
                if sp.label not in FIXED:
                    keys.append({"name": sp.text, "label": sp.label, "pseudonym": sp.replacement})
            seg.text = redact(seg.text, spans)
            seg.deidentified = True
            replaced += len(spans)
            _shift_offsets([r for r in rows if r.segment_id == seg.id], by_seg.get(seg.id, []))
        citizen = s.get(Participant, iv.participant_id).citizen_id if iv.participant_id else None
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
        audit.record(
            s,
            ctx.actor,
            "deid.approve",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"replaced": replaced, "segments": len(iv.segments)},
        )
        return {"replaced": replaced, "segments": len(iv.segments)}


def _shift_offsets(rows: list[EntityDecision], accepted: list[EntityDecision]) -> None:
    """Move every decision's offsets into the redacted text, so that a rejected span
    ("Per uge") still points at its words and an accepted one at its pseudonym."""
    reps, pos = [], 0
    for r in sorted(accepted, key=lambda r: r.start):
        if r.start < pos:
            continue  # redact() skipped this overlapping span too
        reps.append((r.start, r.end, len(r.pseudonym or FIXED.get(r.label, "[Navn]")), r.id))
        pos = r.end

    def moved(x: int) -> int:
        return x + sum(n - (e - b) for b, e, n, _ in reps if e <= x)

    placed = {rid: (moved(b), moved(b) + n) for b, e, n, rid in reps}
    for r in rows:
        if r.id in placed:
            r.start, r.end = placed[r.id]
        elif r.start is not None and not any(b < r.end and r.start < e for b, e, _, _ in reps):
            r.start, r.end = moved(r.start), moved(r.end)
        else:
            r.start = r.end = None


def add_identity(
    ctx: Context, citizen_id: str, *, name: str | None = None, cpr: str | None = None
) -> None:
    """Seal project ID <-> name and CPR into the vault (evaluators may add, not read)."""
    ctx.require("deid.review")
    vault = _vault(ctx)
    with ctx.db.session() as s:
        if (
            s.scalar(
                select(Participant.id).where(
                    Participant.project_id == ctx.project_id, Participant.citizen_id == citizen_id
                )
            )
            is None
        ):
            raise InputError(f"citizen '{citizen_id}' is not in the participant register.")
        vault.add(
            {
                "kind": "identity",
                "project_id": ctx.project_id,
                "citizen_id": citizen_id,
                "name": name,
                "cpr": cpr,
            },
            _tag(vault, ctx, "participant", citizen_id),
        )
        audit.record(
            s,
            ctx.actor,
            "vault.add",
            project_id=ctx.project_id,
            target_type="participant",
            target_id=citizen_id,
        )


# -- withdrawal ------------------------------------------------------------------------------
def withdraw_participant(ctx: Context, citizen_id: str) -> dict[str, int]:
    """Remove a participant's transcripts (with their codings and quotes) and vault entries."""
    ctx.require("participant.withdraw")
    with ctx.db.session() as s:
        p = s.scalar(
            select(Participant).where(
                Participant.project_id == ctx.project_id, Participant.citizen_id == citizen_id
            )
        )
        if p is None:
            raise NotFound(f"No participant '{citizen_id}' in this project.")
        interviews = s.scalars(select(Interview).where(Interview.participant_id == p.id)).all()
        n_iv = len(interviews)
        ids = [iv.id for iv in interviews]
        for iv in interviews:
            s.delete(iv)  # segments, codings, consensus codings and decisions cascade
        if p.withdrawn_date is None:
            p.withdrawn_date = date.today()
        removed = 0
        if Vault.exists(ctx.db.settings.vault_path):
            vault = _vault(ctx)
            removed = vault.remove(_tag(vault, ctx, "participant", citizen_id))
            for iid in ids:
                removed += vault.remove(_tag(vault, ctx, "interview", iid))
        audit.record(
            s,
            ctx.actor,
            "participant.withdraw",
            project_id=ctx.project_id,
            target_type="participant",
            target_id=citizen_id,
            details={"interviews": n_iv, "vault_entries": removed},
        )
        return {"interviews": n_iv, "vault_entries": removed}


# -- demo ------------------------------------------------------------------------------------
def deidentify_demo(
    ctx: Context, roster_path: str | Path, passphrase: str, leave_for_review: str | None = None
) -> int:
    """Demo set-up: create the vault, propose and approve all transcripts but one."""
    from qualkit.deid.roster import read_roster

    create_vault(ctx, passphrase)
    roster = read_roster(roster_path)
    with ctx.db.session() as s:
        ivs = s.execute(
            select(Interview.id, Interview.title)
            .where(Interview.project_id == ctx.project_id)
            .order_by(Interview.id)
        ).all()
    approved = 0
    for k, (iid, _title) in enumerate(ivs):
        propose(ctx, iid, roster)
        last = k == len(ivs) - 1 if leave_for_review is None else _title == leave_for_review
        if not last:
            approve(ctx, iid, accept_pending=True)
            approved += 1
    return approved
