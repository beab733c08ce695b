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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.exports.layout import lay_out
from qualkit.exports.memo_notes import read_memos
from qualkit.exports.positions import PositionMap, PositionUnit, UnitDecision, decide_unit
from qualkit.exports.qdpx import Problem, norm_guid, read_qdpx
from qualkit.exports.qdpx_mapping import turn_sources
from qualkit.store import Database
from qualkit.store.models import (
    Code,
    Codebook,
    Project,
    User,
)

from . import _retry, audit
from .attestation import ATTESTED
from .context import Actor
from .exchange_memos import PlacedSource, keep_memos, memo_authors
from .exchange_store import (
    SourceJob,
    attest_strings,
    code_rows,
    keep_cases,
    keep_sets,
    map_users,
    write_source,
)


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
    notes = read_memos(qda)  # exports/memo_notes.py: notes -> memos, with their links
    left: list[Problem] = list(qda.problems) + notes.problems
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
    # qualkit's own transcripts get their speaker turns back; an older qualkit file without
    # the mark is read as it always was (every source as a transcript).
    marked = turn_sources(qda) if own_format else set()
    codes = code_rows(qda, left)
    known = {norm_guid(c.guid) for c, _, _ in codes}
    plans = []
    wanted_users: set[str] = set()
    for src in qda.sources:
        pm = PositionMap(src.text)
        selections = []
        link_ends: list[int] = []
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
            if not sel.codings and norm_guid(sel.guid) in notes.passages:
                link_ends += (start, end)  # a memo's link to this passage (exchange_memos)
                continue
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
        ends = [p for _, a, b, _ in selections for p in (a, b)] + link_ends
        turns = speakers or marked is None or norm_guid(src.guid) in marked
        layout = lay_out(src.text, speakers=turns, endpoints=ends)
        if not layout.pieces:
            left.append(Problem("source", src.name, "kilden har ingen tekst"))
            continue
        plans.append((src, layout, selections))
    planned = left

    def work(s: Session) -> ImportResult:
        left = list(planned)  # a re-run starts again from what the reading found
        if s.scalar(select(Project.id).where(Project.name == name)) is not None:
            raise InputError(
                f"Der findes allerede et projekt ved navn {name!r}; vælg et andet med --project."
            )
        from .projects import DEFAULT_SETTINGS

        project = Project(name=name, description=qda.description, settings=dict(DEFAULT_SETTINGS))
        s.add(project)
        s.flush()
        mapped, consensus_guid = map_users(s, qda, wanted_users, left, memo_authors(notes))
        users = {g: u for g, u in mapped.items() if g in wanted_users}
        fallback = users.get(norm_guid(qda.creating_user or "")) or next(iter(users.values()), None)
        coders = {u for g, u in users.items() if g != consensus_guid}
        agreed = (consensus_guid is None or consensus_guid not in wanted_users) and len(coders) <= 1
        book = Codebook(
            project_id=project.id, name=f"{name} (REFI-QDA)"[:200], source=Path(path).name
        )
        s.add(book)
        s.flush()
        by_guid: dict[str, Code] = {}
        for pos, (code, parent, fields) in enumerate(codes):
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
        iv_by_guid: dict[str, int] = {}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        job = SourceJob(
            project.id,
            Path(path).name,
            qda.origin,
            decision.unit.value,
            {g: c.id for g, c in by_guid.items()},
            users,
            fallback,
            consensus_guid,
            agreed,
            qda.creating_user,
            actor,
            deidentified,
            now,
        )
        placed: dict[str, PlacedSource] = {}
        for src, layout, selections in plans:
            iv_by_guid[norm_guid(src.guid)] = write_source(
                s, job, src, layout, selections, counts, left
            )
            placed[norm_guid(src.guid)] = PlacedSource(
                iv_by_guid[norm_guid(src.guid)], src.text, layout
            )
        keep_sets(s, qda, project.id, by_guid, iv_by_guid, left)
        keep_cases(s, qda, project.id, iv_by_guid, left, cases_as_participants)
        counts["memos"] = keep_memos(
            s, notes, project.id, by_guid, placed, mapped, decision.unit, left
        )
        if deidentified:
            project.settings = {
                **project.settings,
                ATTESTED: {
                    "by": actor.username,
                    "at": now,
                    "file": Path(path).name,
                    "strings": attest_strings(s, qda, name, by_guid.values(), mapped),
                },
            }
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

    return _retry.write(db, work)
