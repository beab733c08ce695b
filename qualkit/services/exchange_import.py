"""Import a REFI-QDA project (.qdpx) written by NVivo, ATLAS.ti, MAXQDA, QualCoder or qualkit
as a NEW qualkit project, without silent loss.

- Positions: the unit (UTF-16 units or code points) is decided per file and reported;
  ``positions`` overrides it (exports/positions.py).
- Text: stored exactly as in the file (exports/layout.py); speaker turns only where asked
  (``speakers``) or where the file is qualkit's own, never moving a selection.
- Coders: every user of the file becomes a coder (an existing user of that name, else a new
  inactive user); the user "Konsensus" is the consensus layer. A file with one coder and no
  consensus layer is taken as agreed (its codings are also the consensus).
- Codes keep GUID, colour, isCodable and (from qualkit's trailer) framework and details.
- One bad part never aborts: what cannot be imported is listed in ``ImportResult.left_out``.
- ``deidentified``: the importer attests the sources are de-identified (audited per
  source); exports treat that text as reviewed while it is unchanged.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualkit.codebooks.qdc import _slug, parse_description
from qualkit.errors import InputError
from qualkit.exports.layout import lay_out, place, selection_ref
from qualkit.exports.positions import PositionMap, PositionUnit, UnitDecision, decide_unit
from qualkit.exports.qdpx import CONSENSUS_USER, Problem, QdaProject, norm_guid, read_qdpx
from qualkit.store import Database
from qualkit.store.models import (
    FRAMEWORKS,
    Code,
    Codebook,
    Coding,
    ConsensusCoding,
    ExchangeSet,
    Interview,
    Participant,
    Project,
    Segment,
    User,
)

from . import audit
from .context import Actor
from .exchange import sha


@dataclass(frozen=True)
class ImportResult:
    project_id: int
    project_name: str
    producer: str
    positions: UnitDecision
    counts: dict[str, int]
    coders: tuple[str, ...]
    left_out: tuple[Problem, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "project": self.project_name,
            "producer": self.producer,
            "positions": {**asdict(self.positions), "unit": self.positions.unit.value},
            "counts": self.counts,
            "coders": list(self.coders),
            "left_out": [asdict(p) for p in self.left_out],
        }

    def write_report(self, path: str | Path) -> Path:
        import os
        import tempfile

        p = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}-", dir=p.parent if str(p.parent) else ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_json(), fh, ensure_ascii=False, indent=1)
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return p


_USERNAME = re.compile(r"[^A-Za-z0-9._-]+")


def _username(name: str) -> str:
    return (_USERNAME.sub("-", _slug(name).replace("_", "-")) or "koder")[:80]


def _map_users(
    s: Session, qda: QdaProject, wanted: set[str], left: list[Problem]
) -> tuple[dict[str, int], str | None]:
    """File user guids -> qualkit user ids (existing by name, else new inactive); and the
    guid of the consensus layer's user, if the file has one."""
    from .users import _hasher

    names = qda.user_names()
    consensus = next((g for g, n in names.items() if n == CONSENSUS_USER), None)
    out: dict[str, int] = {}
    for g, n in names.items():
        if g not in wanted and g != consensus:
            left.append(Problem("user", n or g, "har ingen kodninger; ikke oprettet som koder"))
    for g in sorted(wanted):
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
                display_name=name,
                role="evaluator",
                password_hash=_hasher.hash(secrets.token_urlsafe(24)),
                active=False,
            )
            s.add(user)
            s.flush()
        out[g] = user.id
    return out, consensus


def _codes(qda: QdaProject, left: list[Problem]) -> list[tuple[Any, Any, dict[str, Any]]]:
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
                    "guid": code.guid.strip("{}"),
                    "color": code.color,
                    "codable": code.codable,
                },
            )
        )
    return out


def import_qdpx(
    db: Database,
    actor: Actor,
    path: str | Path,
    project_name: str | None = None,
    *,
    deidentified: bool = False,
    positions: PositionUnit | str | None = None,
    speakers: bool = False,
    cases_as_participants: bool = False,
) -> ImportResult:
    """A project coded elsewhere -> a NEW qualkit project; see the module docstring."""
    from .permissions import require

    require(actor, "project.import")
    qda = read_qdpx(path)
    left: list[Problem] = list(qda.problems)
    override = PositionUnit(positions) if positions else None
    # Who coded a coding that names nobody: the project's creator, else the file's one user.
    if not qda.creating_user and len(qda.users) == 1:
        qda.creating_user = qda.users[0].guid
    decision = decide_unit(
        ((src.text, [(x.start, x.end) for x in src.selections]) for src in qda.sources),
        qda.origin,
        override,
    )
    name = (project_name or qda.name or Path(path).stem).strip()[:200]
    own_format = qda.origin.strip().lower().startswith("qualkit")
    code_rows = _codes(qda, left)
    known = {norm_guid(c.guid) for c, _, _ in code_rows}
    plans = []
    wanted_users: set[str] = set()
    for src in qda.sources:
        pm = PositionMap(src.text)
        selections = []
        for sel in src.selections:
            where = f"{src.name} / {sel.guid}"
            if not 0 <= sel.start <= sel.end <= pm.length(decision.unit):
                left.append(
                    Problem(
                        "selection",
                        where,
                        f"positionerne {sel.start}-{sel.end} ligger uden for teksten "
                        f"({pm.length(decision.unit)} {decision.unit.value})",
                    )
                )
                continue
            start, end = pm.convert(sel.start, decision.unit), pm.convert(sel.end, decision.unit)
            codings = []
            for c in sel.codings:
                if norm_guid(c.code_guid) not in known:
                    left.append(
                        Problem("coding", where, f"koden {c.code_guid} findes ikke i kodebogen")
                    )
                    continue
                codings.append(c)
                wanted_users.add(norm_guid(c.user_guid or qda.creating_user or ""))
            if codings:
                selections.append((sel, start, end, codings))
            elif not sel.codings:
                left.append(Problem("selection", where, "markering uden kodning"))
        ends = [p for _, a, b, _ in selections for p in (a, b)]
        layout = lay_out(src.text, speakers=speakers or own_format, endpoints=ends)
        if not layout.pieces:
            left.append(Problem("source", src.name, "kilden har ingen tekst"))
            continue
        plans.append((src, layout, selections))
    with db.session() as s:
        if s.scalar(select(Project.id).where(Project.name == name)) is not None:
            raise InputError(
                f"Der findes allerede et projekt ved navn {name!r}; vælg et andet med --project."
            )
        from .projects import DEFAULT_SETTINGS

        project = Project(name=name, description=qda.description, settings=dict(DEFAULT_SETTINGS))
        s.add(project)
        s.flush()
        users, consensus_guid = _map_users(s, qda, wanted_users, left)
        fallback = users.get(norm_guid(qda.creating_user or "")) or next(iter(users.values()), None)
        coders = {u for g, u in users.items() if g != consensus_guid}
        agreed = consensus_guid is None and len(coders) <= 1
        book = Codebook(
            project_id=project.id, name=f"{name} (REFI-QDA)"[:200], source=Path(path).name
        )
        s.add(book)
        s.flush()
        by_guid: dict[str, Code] = {}
        for pos, (code, parent, fields) in enumerate(code_rows):
            row = Code(
                codebook_id=book.id,
                position=pos,
                parent_id=by_guid[norm_guid(parent.guid)].id if parent else None,
                **fields,
            )
            s.add(row)
            s.flush()
            by_guid[norm_guid(code.guid)] = row
        counts = {
            "codes": len(by_guid),
            "sources": 0,
            "selections": 0,
            "codings": 0,
            "consensus": 0,
            "segments": 0,
        }
        iv_by_guid: dict[str, Interview] = {}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for src, layout, selections in plans:
            iv = Interview(
                project_id=project.id,
                title=src.name[:300],
                kind="citizen",
                source="qdpx",
                status="deidentified" if deidentified else "transcribed",
                speakers={p.speaker: {} for p in layout.pieces if p.speaker},
                exchange={
                    "guid": src.guid,
                    "file": Path(path).name,
                    "producer": qda.origin,
                    "positions": decision.unit.value,
                    "lead": layout.lead,
                    "layout": True,
                    **(
                        {
                            "attested": {
                                "by": actor.username,
                                "at": now,
                                "title_sha": sha(src.name[:300]),
                            }
                        }
                        if deidentified
                        else {}
                    ),
                },
            )
            iv.segments = [
                Segment(
                    position=i,
                    start=p.time,
                    speaker=p.speaker,
                    text=p.text,
                    prefix=p.prefix,
                    trail=p.trail,
                    deidentified=deidentified,
                    attested_sha=sha(p.text) if deidentified else None,
                )
                for i, p in enumerate(layout.pieces)
            ]
            s.add(iv)
            s.flush()
            iv_by_guid[norm_guid(src.guid)] = iv
            counts["sources"] += 1
            counts["segments"] += len(iv.segments)
            starts = layout.starts()
            lengths = [len(p.text) for p in layout.pieces]
            for sel, start, end, codings in selections:
                places = place(starts, lengths, start, end)
                if not places:
                    left.append(
                        Problem(
                            "selection",
                            f"{src.name} / {sel.guid}",
                            "markeringen dækker ingen tekst",
                        )
                    )
                    continue
                counts["selections"] += 1
                ref = selection_ref(
                    sel.guid,
                    start,
                    end,
                    [
                        (i, starts[i] + (a or 0), starts[i] + (lengths[i] if b is None else b))
                        for i, a, b in places
                    ],
                )
                for c in codings:
                    code_id = by_guid[norm_guid(c.code_guid)].id
                    ug = norm_guid(c.user_guid or qda.creating_user or "")
                    coder = users.get(ug, fallback)
                    for idx, a, b in places:
                        seg_id = iv.segments[idx].id
                        if ug == consensus_guid or coder is None:
                            s.add(
                                ConsensusCoding(
                                    segment_id=seg_id,
                                    code_id=code_id,
                                    start_char=a,
                                    end_char=b,
                                    memo=sel.memo,
                                    ref=ref,
                                    origin="imported",
                                    decided_by=actor.user_id,
                                )
                            )
                            counts["consensus"] += 1
                            continue
                        s.add(
                            Coding(
                                segment_id=seg_id,
                                code_id=code_id,
                                coder_id=coder,
                                start_char=a,
                                end_char=b,
                                memo=sel.memo,
                                ref=ref,
                            )
                        )
                        counts["codings"] += 1
                        if agreed:
                            s.add(
                                ConsensusCoding(
                                    segment_id=seg_id,
                                    code_id=code_id,
                                    start_char=a,
                                    end_char=b,
                                    memo=sel.memo,
                                    ref=ref,
                                    origin="imported",
                                    decided_by=coder,
                                )
                            )
                            counts["consensus"] += 1
            if deidentified:
                audit.record(
                    s,
                    actor,
                    "interview.deid_attested",
                    project_id=project.id,
                    target_type="interview",
                    target_id=iv.id,
                    details={
                        "file": Path(path).name,
                        "source": src.guid,
                        "segments": len(iv.segments),
                    },
                )
        _keep_sets(s, qda, project.id, by_guid, iv_by_guid, left)
        _keep_cases(s, qda, project.id, iv_by_guid, left, cases_as_participants)
        for note in qda.notes.values():
            left.append(
                Problem(
                    "note", note.name or note.guid, "noter uden for markeringer gemmes ikke endnu"
                )
            )
        names = (
            dict(s.execute(select(User.id, User.username).where(User.id.in_(coders))).all())
            if coders
            else {}
        )
        audit.record(
            s,
            actor,
            "project.import_qdpx",
            project_id=project.id,
            target_type="project",
            target_id=project.id,
            details={
                "file": Path(path).name,
                **counts,
                "positions": decision.unit.value,
                "positions_decided_by": decision.decided_by,
                "left_out": len(left),
                "deidentified": deidentified,
            },
        )
        return ImportResult(
            project.id,
            name,
            qda.origin,
            decision,
            counts,
            tuple(sorted(names.values())),
            tuple(left),
        )


def _keep_sets(
    s: Session,
    qda: QdaProject,
    pid: int,
    codes: dict[str, Code],
    ivs: dict[str, Interview],
    left: list[Problem],
) -> None:
    for st in qda.sets:
        tag = st.name.strip().lower()
        if tag.startswith("framework:") and tag.split(":", 1)[1] in FRAMEWORKS:
            continue  # qualkit's framework sets: the codes carry the framework
        for kind, refs, pool in (("codes", st.codes, codes), ("sources", st.sources, ivs)):
            if not refs:
                continue
            members = [pool[norm_guid(g)].id for g in refs if norm_guid(g) in pool]
            for g in refs:
                if norm_guid(g) not in pool:
                    left.append(Problem("set", st.name, f"medlemmet {g} blev ikke importeret"))
            s.add(
                ExchangeSet(
                    project_id=pid,
                    guid=st.guid.strip("{}"),
                    name=st.name[:300],
                    description=st.description,
                    kind=kind,
                    members=members,
                )
            )


def _keep_cases(
    s: Session,
    qda: QdaProject,
    pid: int,
    ivs: dict[str, Interview],
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
    for case in qda.cases:
        cid = (case.name or case.guid)[:80]
        attrs = {var_names.get(norm_guid(g), g): v for g, v in case.values.items()}
        p = Participant(project_id=pid, citizen_id=cid, attributes=attrs)
        s.add(p)
        s.flush()
        for g in case.sources:
            iv = ivs.get(norm_guid(g))
            if iv is None:
                left.append(Problem("case", case.name, f"kilden {g} blev ikke importeret"))
            else:
                iv.participant_id = p.id
