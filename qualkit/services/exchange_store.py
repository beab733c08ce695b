"""Writing an imported REFI-QDA project into the store: users, codes, sources with their
segments and codings (bulk inserts: a source of 15,000 lines is one statement), sets, cases.
Used by ``exchange_import``; every function works inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qualkit.exports.layout import Layout, place, selection_ref
from qualkit.exports.qdpx import Problem, QdaCoding, QdaSelection, QdaSource, norm_guid
from qualkit.exports.qdpx_mapping import clean_guid, code_rows
from qualkit.store.models import Coding, ConsensusCoding, Interview, Segment

from . import audit
from .attestation import sha
from .context import Actor
from .exchange_parts import attest_strings, keep_cases, keep_sets, map_users

# Re-exported: ``exchange_import`` takes every step of the import from this module.
__all__ = [
    "SourceJob",
    "attest_strings",
    "clean_guid",
    "code_rows",
    "keep_cases",
    "keep_sets",
    "map_users",
    "write_source",
]


@dataclass(frozen=True)
class SourceJob:
    """What every source of one import shares."""

    project_id: int
    file: str
    producer: str
    unit: str
    code_ids: dict[str, int]  # normalised code guid -> code id
    users: dict[str, int]  # normalised user guid -> user id
    fallback: int | None  # the coder of a coding that names nobody
    consensus_guid: str | None
    agreed: bool  # one coder, no consensus layer: the codings are the consensus too
    creating_user: str | None
    actor: Actor
    deidentified: bool
    now: str


def write_source(
    s: Session,
    job: SourceJob,
    src: QdaSource,
    layout: Layout,
    selections: list[tuple[QdaSelection, int, int, list[QdaCoding]]],
    counts: dict[str, int],
    left: list[Problem],
) -> int:
    """One text source -> an interview, its segments (the exact layout) and its codings."""
    title = src.name[:300]
    exchange: dict[str, Any] = {
        "guid": clean_guid(src.guid, "source", job.file),
        "file": job.file,
        "producer": job.producer,
        "positions": job.unit,
        "lead": layout.lead,
        "layout": True,
        "description": src.description,
    }
    if job.deidentified:
        exchange["attested"] = {
            "by": job.actor.username,
            "at": job.now,
            "title_sha": sha(title),
            "description_sha": sha(src.description),
        }
    from .interview_meta import meta_from_description  # kind, wave, date, ... (i14)

    meta = meta_from_description(src.description)
    iv = Interview(
        project_id=job.project_id,
        title=title,
        kind=meta.kind.value,
        wave=meta.wave,
        interview_date=meta.interview_date,
        interviewer=meta.interviewer,
        site=meta.site,
        source="qdpx",
        status="deidentified" if job.deidentified else "transcribed",
        speakers={p.speaker: {} for p in layout.pieces if p.speaker},
        exchange=exchange,
    )
    s.add(iv)
    s.flush()
    s.execute(
        insert(Segment),
        [
            {
                "interview_id": iv.id,
                "position": i,
                "start": p.time,
                "speaker": p.speaker,
                "text": p.text,
                "prefix": p.prefix,
                "trail": p.trail,
                "edited": False,
                "deidentified": job.deidentified,
                "attested_sha": sha(p.text) if job.deidentified else None,
            }
            for i, p in enumerate(layout.pieces)
        ],
    )
    seg_ids = s.scalars(
        select(Segment.id).where(Segment.interview_id == iv.id).order_by(Segment.position)
    ).all()
    counts["sources"] += 1
    counts["segments"] += len(seg_ids)
    starts = layout.starts()
    lengths = [len(p.text) for p in layout.pieces]
    coder_rows: list[dict[str, Any]] = []
    consensus_rows: list[dict[str, Any]] = []
    # The database holds one coding per coder, code and span (one consensus coding per code
    # and span): a second selection with the same is a duplicate, stored once and reported.
    seen: set[tuple[Any, ...]] = set()
    for sel, start, end, codings in selections:
        places = place(starts, lengths, start, end)
        if not places:
            left.append(
                Problem("selection", f"{src.name} / {sel.guid}", "markeringen dækker ingen tekst")
            )
            continue
        counts["selections"] += 1
        ref = selection_ref(
            clean_guid(sel.guid, "selection", src.guid),
            start,
            end,
            [
                (i, starts[i] + (a or 0), starts[i] + (lengths[i] if b is None else b))
                for i, a, b in places
            ],
        )
        dupes = 0
        for c in codings:
            code_id = job.code_ids[norm_guid(c.code_guid)]
            ug = norm_guid(c.user_guid or job.creating_user or "")
            coder = job.users.get(ug, job.fallback)
            for idx, a, b in places:
                layer = "consensus" if ug == job.consensus_guid or coder is None else coder
                key = (layer, seg_ids[idx], code_id, a, b)
                if key in seen:
                    dupes += 1
                    continue
                seen.add(key)
                row = {
                    "segment_id": seg_ids[idx],
                    "code_id": code_id,
                    "start_char": a,
                    "end_char": b,
                    "memo": sel.memo,
                    "ref": ref,
                }
                if ug == job.consensus_guid or coder is None:
                    consensus_rows.append(
                        {**row, "origin": "imported", "decided_by": job.actor.user_id}
                    )
                    continue
                coder_rows.append({**row, "coder_id": coder})
                if job.agreed and ("consensus", *key[1:]) not in seen:
                    seen.add(("consensus", *key[1:]))
                    consensus_rows.append({**row, "origin": "imported", "decided_by": coder})
        if dupes:
            left.append(
                Problem(
                    "selection",
                    f"{src.name} / {sel.guid}",
                    "dublet: samme kode på samme tekst af samme koder findes allerede; gemt én gang",
                )
            )
    if coder_rows:
        s.execute(insert(Coding), coder_rows)
    if consensus_rows:
        s.execute(insert(ConsensusCoding), consensus_rows)
    counts["codings"] += len(coder_rows)
    counts["consensus"] += len(consensus_rows)
    if job.deidentified:
        audit.record(
            s,
            job.actor,
            "interview.deid_attested",
            project_id=job.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"file": job.file, "source": src.guid, "segments": len(seg_ids)},
        )
    return iv.id
