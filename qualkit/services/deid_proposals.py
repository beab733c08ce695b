"""De-identification use case 1: proposals (the recognisers' run over a stored interview).

Proposals are EntityDecision rows holding only keyed hashes of the surface text. A proposal
run records, per segment, the text version it saw (``Segment.proposed_version``) and anchors
every decision to that version; decisions an edit made stale are re-anchored by their keyed
surface hash where the words are still in the segment, else dropped (the recognisers look
again). Approval (services/deid_approval.py) needs every segment's proposal run current.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qualkit.deid import Pseudonymiser, RosterEntry, Span, detect
from qualkit.deid.pseudonyms import surface_key
from qualkit.deid.spans import LABELS
from qualkit.errors import InputError, NotFound
from qualkit.services.vault import DbVault as Vault
from qualkit.store.models import EntityDecision, Interview, Project, Segment

from . import _retry, audit
from .context import Context, fetch


@dataclass(frozen=True)
class Proposal:
    """One numbered proposal, as ``qualkit review propose`` prints it (no clear text kept)."""

    number: int
    decision_id: int
    segment: int | None  # 1-based segment number; None for a speaker label
    label: str
    text: str
    pseudonym: str | None
    decision: str
    source: str


def _vault(ctx: Context) -> Vault:
    from . import vault as vault_store

    return vault_store.open_vault(ctx.db)


def _tag(vault: Vault, ctx: Context, kind: str, ref: Any) -> str:
    return vault.tag(ctx.project_id, kind, ref)


def roster_from_upload(ctx: Context, data: bytes, name: str) -> list[RosterEntry]:
    """Roster entries from an uploaded CSV (name, role, pseudonym); kept in memory only."""
    ctx.require("deid.review")
    from qualkit.deid.roster import parse_roster

    return parse_roster(data, name)


def _interview(s: Session, ctx: Context, interview_id: int) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(f"Interview {interview_id} findes ikke i dette projekt.")
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
    for entity, surface, pseudonym in rows:
        # The query selects only rows with an entity hash and a pseudonym.
        assert entity is not None and pseudonym is not None
        p = pseudonym.removesuffix("s") if pseudonym.endswith("]s") else pseudonym
        if p.startswith("[") and p.endswith("]"):
            known[entity] = p
            known.setdefault(surface, p)
    project = fetch(s, Project, ctx.project_id)
    for h, p in ((project.settings or {}).get("deid_links") or {}).items():
        known.setdefault(h, p)
    return known


def _save_links(s: Session, ctx: Context, pseud: Pseudonymiser) -> None:
    """Remember (as keyed hashes) which first names belong to which full name's pseudonym."""
    project = fetch(s, Project, ctx.project_id)
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
    """Run the recognisers over every segment; store proposals anchored to the current text.

    Earlier project-wide decisions on the same surface are applied at once; decided spans
    are kept (re-anchored if an edit moved them). Returns the number of proposals stored.
    """
    ctx.require("deid.review")
    vault = _vault(ctx)
    with ctx.db.session() as s:  # the recognisers run outside the write transaction
        texts = [seg.text for seg in _interview(s, ctx, interview_id).segments]
    detected = {tuple(texts): detect_segments(texts, roster)}

    def work(s: Session) -> int:
        iv = _interview(s, ctx, interview_id)
        if iv.status == "approved":
            raise InputError(f"Interview {interview_id} er allerede godkendt.")
        rules = _project_rules(s, ctx)
        pseud = Pseudonymiser(roster, known=_known(s, ctx), hasher=vault.keyed_hash)
        n = _speaker_rows(ctx, vault, s, iv, roster, pseud)
        now = [seg.text for seg in iv.segments]  # edited meanwhile: detect again
        found = copy.deepcopy(detected.get(tuple(now)) or detect_segments(now, roster))
        pseud.assign([sp for spans in found for sp in spans])
        _save_links(s, ctx, pseud)
        for seg, spans in zip(iv.segments, found, strict=True):
            n += proposal_run(s, ctx, vault, seg, spans, pseud, rules)
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

    return _retry.write(ctx.db, work)


def proposal_run(
    s: Session,
    ctx: Context,
    vault: Vault,
    seg: Segment,
    spans: list[Span],
    pseud: Pseudonymiser,
    rules: dict[str, tuple[str, str]],
) -> int:
    """One segment's proposal run on its current text; returns the proposals added."""
    s.execute(
        delete(EntityDecision).where(
            EntityDecision.segment_id == seg.id, EntityDecision.decision == "proposed"
        )
    )
    s.flush()
    text, version = seg.text or "", seg.text_version or 0
    decided = s.scalars(
        select(EntityDecision)
        .where(EntityDecision.segment_id == seg.id)
        .order_by(EntityDecision.stale, EntityDecision.id)
    ).all()
    taken: list[tuple[int, int]] = []
    for d in decided:
        if d.start is None:
            continue
        # Without an end a decision points at no words: re-anchored like a stale one.
        span = None if d.end is None else (d.start, d.end)
        current = span is not None and not d.stale and d.text_version == version
        if span is not None and not current and not d.stale and _matches(text, vault, d, *span):
            current = True  # anchored before versions were kept: its words are still there
        if span is None or not current:
            free = [
                r
                for r in find_hash(text, vault, d)
                if all(r[1] <= b or r[0] >= e for b, e in taken)
            ]
            if not free:
                s.delete(d)
                continue
            span = min(free, key=lambda r: abs(r[0] - (d.start or 0)))
            d.start, d.end = span
        d.stale, d.text_version = False, version
        taken.append(span)
    n = 0
    for sp in spans:
        if any(sp.start < e and sp.end > b for b, e in taken):
            continue
        n += 1
        s.add(decision_row(ctx, vault, seg.interview_id, seg.id, sp, pseud, rules, version=version))
    seg.proposed_version = version
    return n


def _matches(
    text: str, vault: Vault, d: EntityDecision, start: int | None, end: int | None
) -> bool:
    if start is None or end is None or not (0 <= start < end <= len(text)):
        return False
    return any(
        vault.keyed_hash(surface_key(label, text[start:end])) == d.surface_hash
        for label in dict.fromkeys([d.label, *LABELS])
    )


def find_hash(text: str, vault: Vault, d: EntityDecision) -> list[tuple[int, int]]:
    """Offsets of word n-grams (1-4 words) whose keyed hash matches a decision's surface."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\w[\w'’.-]*", text)]
    out = []
    for i in range(len(words)):
        for j in range(i, min(i + 4, len(words))):
            b, e = words[i][0], words[j][1]
            if _matches(text, vault, d, b, e):
                out.append((b, e))
    return out


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
    roster: list[RosterEntry] | None,
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
        row = decision_row(ctx, vault, iv.id, None, spans[0], pseud, {})
        row.source = f"speaker/{spans[0].source}"
        row.start = row.end = None
        if row.surface_hash not in done:
            s.add(row)
            n += 1
    return n


def decision_row(
    ctx: Context,
    vault: Vault,
    interview_id: int,
    segment_id: int | None,
    sp: Span,
    pseud: Pseudonymiser,
    rules: dict[str, tuple[str, str]],
    decision: str = "proposed",
    *,
    version: int | None = None,
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
        text_version=version,
        stale=False,
    )


def numbered(ctx: Context, interview_id: int) -> list[Proposal]:
    """The interview's proposals and decisions, numbered from 1 in a stable order (segment,
    offset; speaker labels first): the numbers ``qualkit review decide`` takes."""
    from .deid_review import list_spans

    ctx.require("deid.review")
    spans = list_spans(ctx, interview_id)
    spans.sort(
        key=lambda r: (r["position"] if r["position"] is not None else -1, r["start"] or 0, r["id"])
    )
    return [
        Proposal(
            number=i,
            decision_id=r["id"],
            segment=r["position"] + 1 if r["position"] is not None else None,
            label=r["label"],
            text=r["text"],
            pseudonym=r["pseudonym"],
            decision=r["decision"],
            source=r["source"],
        )
        for i, r in enumerate(spans, start=1)
    ]
