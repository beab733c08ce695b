"""Writing an imported REFI-QDA project into the store: users, codes, sources with their
segments and codings (bulk inserts: a source of 15,000 lines is one statement), sets, cases.
Used by ``exchange_import``; every function works inside the caller's transaction."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from qualkit.codebooks.qdc import _slug, parse_description
from qualkit.exports.layout import Layout, place, selection_ref
from qualkit.exports.qdpx import (
    CONSENSUS_USER,
    GUID_RE,
    Problem,
    QdaCoding,
    QdaProject,
    QdaSelection,
    QdaSource,
    guid_for,
    norm_guid,
)
from qualkit.store.models import (
    FRAMEWORKS,
    Code,
    Coding,
    ConsensusCoding,
    ExchangeSet,
    Interview,
    Participant,
    Segment,
    User,
)

from . import audit
from .attestation import sha
from .context import Actor


def clean_guid(guid: str, *scope: object) -> str:
    """A GUID as REFI-QDA requires it: the file's own where it is one (braces off), else a
    stable one derived from it, so an export of the imported project validates."""
    g = (guid or "").strip().strip("{}")
    return g if GUID_RE.match(g) else guid_for(*scope, guid)


def _id(x: Any) -> int:
    return x if isinstance(x, int) else x.id


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


_USERNAME = re.compile(r"[^A-Za-z0-9._-]+")


def _username(name: str) -> str:
    return (_USERNAME.sub("-", _slug(name).replace("_", "-")) or "koder")[:80]


def map_users(
    s: Session,
    qda: QdaProject,
    wanted: set[str],
    left: list[Problem],
    authors: frozenset[str] = frozenset(),
) -> tuple[dict[str, int], str | None]:
    """File user guids -> qualkit user ids (existing by name, else new inactive); and the
    guid of the consensus layer's user, if the file has one. ``authors`` (memo authors) are
    mapped too, without being coders."""
    from .users import _hasher

    names = qda.user_names()
    consensus = next((g for g, n in names.items() if n == CONSENSUS_USER), None)
    out: dict[str, int] = {}
    for g, n in names.items():
        if g not in wanted and g not in authors and g != consensus:
            left.append(Problem("user", n or g, "har ingen kodninger; ikke oprettet som koder"))
    for g in sorted(wanted | set(authors)):
        if g == consensus:
            continue
        name = names.get(g) or f"ukendt-{g[:8] or 'koder'}"
        user = s.scalar(
            select(User).where(
                (func.lower(User.username) == name.lower())
                | (func.lower(User.display_name) == name.lower())
                | (User.username == _username(name))
            )
        )
        if user is None:
            user = User(
                username=_username(name),
                display_name=name[:200],
                role="evaluator",
                password_hash=_hasher.hash(secrets.token_urlsafe(24)),
                active=False,
            )
            s.add(user)
            s.flush()
        out[g] = user.id
    return out, consensus


def code_rows(qda: QdaProject, left: list[Problem]) -> list[tuple[Any, Any, dict[str, Any]]]:
    """(code, parent, fields) for each code to store, the qualkit detail parsed back."""
    set_framework: dict[str, str] = {}
    for st in qda.sets:
        tag = st.name.strip().lower().split(":")[-1].strip()
        if tag in FRAMEWORKS:
            for g in st.codes:
                set_framework[norm_guid(g)] = tag
    seen: set[str] = set()
    keys: set[str] = set()
    out = []
    key_of: dict[int, str] = {}
    fw_of: dict[int, str] = {}
    for code, parent in qda.all_codes():
        g = norm_guid(code.guid)
        if g in seen:
            left.append(Problem("code", code.name, f"guid {code.guid} er brugt før; springes over"))
            continue
        seen.add(g)
        description, extra, trailer = parse_description(code.description)
        if trailer:
            key, framework = trailer
        else:
            base = key_of.get(id(parent)) if parent else None
            key = f"{base}.{_slug(code.name)}" if base else _slug(code.name)
            framework = set_framework.get(g) or (
                fw_of.get(id(parent), "theme") if parent else "theme"
            )
        if framework not in FRAMEWORKS:
            framework = "theme"
        k, n = key, 2
        while k in keys:
            k, n = f"{key}_{n}", n + 1
        keys.add(k)
        key_of[id(code)], fw_of[id(code)] = k, framework
        out.append(
            (
                code,
                parent,
                {
                    "key": k[:200],
                    "name": code.name[:300],
                    "framework": framework,
                    "description": description,
                    "include": extra.get("include", ""),
                    "exclude": extra.get("exclude", ""),
                    "example": extra.get("example", ""),
                    "guid": clean_guid(code.guid, "code"),
                    "color": code.color,
                    "codable": code.codable,
                },
            )
        )
    return out


def keep_sets(
    s: Session,
    qda: QdaProject,
    pid: int,
    codes: dict[str, Code],
    ivs: dict[str, int],
    left: list[Problem],
) -> None:
    for st in qda.sets:
        tag = st.name.strip().lower()
        if tag.startswith("framework:") and tag.split(":", 1)[1] in FRAMEWORKS:
            continue  # qualkit's framework sets: the codes carry the framework
        first = True
        for kind, refs, pool in (("codes", st.codes, codes), ("sources", st.sources, ivs)):
            if not refs:
                continue
            guid = clean_guid(st.guid, "set") if first else guid_for("set", st.guid, kind)
            first = False
            members = [_id(pool[norm_guid(g)]) for g in refs if norm_guid(g) in pool]
            for g in refs:
                if norm_guid(g) not in pool:
                    left.append(Problem("set", st.name, f"medlemmet {g} blev ikke importeret"))
            s.add(
                ExchangeSet(
                    project_id=pid,
                    guid=guid,
                    name=st.name[:300],
                    description=st.description,
                    kind=kind,
                    members=members,
                )
            )


def keep_cases(
    s: Session,
    qda: QdaProject,
    pid: int,
    ivs: dict[str, int],
    left: list[Problem],
    as_participants: bool,
) -> None:
    if not qda.cases:
        return
    if not as_participants:
        for case in qda.cases:
            left.append(
                Problem("case", case.name, "tilfælde importeres kun med --cases-as-participants")
            )
        return
    var_names = {norm_guid(v.guid): v.name for v in qda.variables}
    taken: set[str] = set()
    for case in qda.cases:
        cid = (case.name or case.guid)[:80]
        if case.codes:
            left.append(Problem("coding", case.name, f"{len(case.codes)} kodning(er) af tilfældet"))
        if cid in taken:
            left.append(Problem("case", case.name, "et tilfælde med samme navn er importeret"))
            continue
        taken.add(cid)
        attrs = {var_names.get(norm_guid(g), g): v for g, v in case.values.items()}
        p = Participant(project_id=pid, citizen_id=cid, attributes=attrs)
        s.add(p)
        s.flush()
        for g in case.sources:
            iv_id = ivs.get(norm_guid(g))
            if iv_id is None:
                left.append(Problem("case", case.name, f"kilden {g} blev ikke importeret"))
            else:
                s.get(Interview, iv_id).participant_id = p.id


def attest_strings(
    s: Session, qda: QdaProject, name: str, codes: Any, users: dict[str, int]
) -> list[str]:
    """Hashes of the words an attested file brings besides its sources (project name and
    description, codes, coders' names, sets, notes), which the exports write again."""
    from .attestation import code_fingerprint

    words = [name, qda.description]
    words += [st.name for st in qda.sets] + [st.description for st in qda.sets]
    words += [n.text for n in qda.notes.values()] + [n.name for n in qda.notes.values()]
    if users:
        words += list(s.scalars(select(User.username).where(User.id.in_(list(users.values())))))
    out = {sha(w) for w in words if w}
    out |= {code_fingerprint(c.name, c.description, c.include, c.exclude, c.example) for c in codes}
    return sorted(out)
