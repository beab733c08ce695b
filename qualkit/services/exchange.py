"""REFI-QDA project exchange: export the project as .qdpx, import a .qdpx as a new project.

The export obeys the same rules as every export (services/exports.py): de-identified
text only, nothing from withdrawn participants, every passage re-checked, audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.exports import safety
from qualkit.exports.qdpx import (
    GUID_RE,
    QdaCode,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    guid_for,
    map_selection,
    read_qdpx,
    render_turns,
    split_turns,
    write_qdpx,
)
from qualkit.store import Database
from qualkit.store.models import (
    Code,
    Codebook,
    ConsensusCoding,
    Interview,
    Participant,
    Project,
    Segment,
    User,
)

from . import audit, read_policy
from .context import Actor, Context, fetch
from .exports import (
    DEIDENTIFIED_STATUSES,
    ExportResult,
    audit_overrides,
    check_or_refuse,
    deliver_file,
    interview_label,
    not_withdrawn,
    project_codes,
    title_passage,
)


def _code_guid(code: Code) -> str:
    return (
        code.key.strip("{}").lower()
        if GUID_RE.match(code.key)
        else guid_for("code", code.id, code.key)
    )


def build_qda_project(s: Session, ctx: Context) -> tuple[QdaProject, list[safety.Passage]]:
    project = fetch(s, Project, ctx.project_id)
    codes = project_codes(s, ctx.project_id)
    qda_codes: dict[int, QdaCode] = {
        c.id: QdaCode(_code_guid(c), c.name, c.description)
        for c in sorted(codes.values(), key=lambda c: c.position)
    }
    roots: list[QdaCode] = []
    for c in sorted(codes.values(), key=lambda c: (c.codebook_id, c.position)):
        if c.parent_id in qda_codes:
            qda_codes[c.parent_id].children.append(qda_codes[c.id])
        else:
            roots.append(qda_codes[c.id])
    users: dict[int | None, QdaUser] = {}
    me = QdaUser(guid_for("user", ctx.actor.username), ctx.actor.username)
    names = dict(s.execute(select(User.id, User.username)).all())
    ivs = s.scalars(
        select(Interview)
        .join(Participant, Interview.participant_id == Participant.id, isouter=True)
        .where(
            read_policy.interviews(ctx),  # services/read_policy.py
            not_withdrawn(),
            or_(
                Interview.status.in_(DEIDENTIFIED_STATUSES),
                Interview.segments.any(Segment.deidentified.is_(True)),
            ),
        )
        .order_by(Interview.id)
    ).all()
    sources: list[QdaSource] = []
    passages: list[safety.Passage] = []
    for iv in ivs:
        segs = [
            seg for seg in iv.segments if seg.deidentified or iv.status in DEIDENTIFIED_STATUSES
        ]
        text, offsets = render_turns([(seg.speaker, seg.start, seg.text or "") for seg in segs])
        src = QdaSource(guid_for("source", ctx.project_id, iv.id), iv.title, text)
        at = {seg.id: (offsets[i], seg) for i, seg in enumerate(segs)}
        passages.append(title_passage(iv))
        for seg in segs:
            passages.append(safety.Passage(seg.id, seg.text or "", interview_label(iv)))
        ccs = (
            s.scalars(
                select(ConsensusCoding)
                .where(ConsensusCoding.segment_id.in_(list(at)))
                .order_by(ConsensusCoding.segment_id, ConsensusCoding.id)
            ).all()
            if at
            else []
        )
        for cc in ccs:
            off, seg = at[cc.segment_id]
            if cc.start_char is not None and cc.end_char is not None:
                start, end = off + cc.start_char, off + cc.end_char
            else:
                start, end = off, off + len(seg.text or "")
            if cc.decided_by not in users and cc.decided_by is not None:
                users[cc.decided_by] = QdaUser(
                    guid_for("user", names.get(cc.decided_by)),
                    names.get(cc.decided_by, "konsensus"),
                )
            user = users.get(cc.decided_by, me)
            src.selections.append(
                QdaSelection(
                    guid_for("selection", cc.id),
                    start,
                    end,
                    [qda_codes[cc.code_id].guid],
                    user.guid,
                    cc.memo or "",
                )
            )
            if cc.memo:
                passages.append(safety.Passage(seg.id, cc.memo, interview_label(iv) + " (memo)"))
        sources.append(src)
    all_users = [me] + [u for u in users.values() if u.guid != me.guid]
    return QdaProject(
        project.name,
        all_users,
        roots,
        sources,
        origin="qualkit",
        description=project.description or "",
    ), passages


def export_qdpx(
    ctx: Context, out: str | Path | None, overrides: Iterable[int] = ()
) -> ExportResult:
    """The project as REFI-QDA: users, codebook, de-identified text sources, consensus codings."""
    ctx.require("export")
    if out is not None and Path(out).suffix.lower() != ".qdpx":
        raise InputError(f"{out}: a REFI-QDA project file is named *.qdpx.")
    with ctx.db.session() as s:
        qda, passages = build_qda_project(s, ctx)
    report = check_or_refuse(ctx, "qdpx", passages, overrides)
    path, data = deliver_file(ctx, "qdpx", out, lambda p: write_qdpx(qda, p), report)
    counts = {
        "sources": len(qda.sources),
        "codes": len(qda.all_codes()),
        "codings": sum(len(src.selections) for src in qda.sources),
    }
    with ctx.db.session() as s:
        audit_overrides(s, ctx, "qdpx", report)
        audit.record(
            s,
            ctx.actor,
            "export.qdpx",
            project_id=ctx.project_id,
            target_type="export",
            target_id=Path(out).name if out else "download",
            details={"counts": counts},
        )
    return ExportResult(path, data, counts, report)


def import_qdpx(
    db: Database,
    actor: Actor,
    path: str | Path,
    project_name: str | None = None,
    *,
    deidentified: bool = False,
) -> int:
    """A project coded elsewhere -> a NEW qualkit project (codebook, interviews, codings).

    Each non-empty line of a source becomes a segment (speaker and time stamp are read
    where the line has the transcript format); each coded selection becomes a consensus
    coding on the segments it covers (a char span where it covers part of one). Sources
    are imported as transcribed, not de-identified, unless the team states they already
    are (``deidentified=True``, audited): they then go through review like any transcript.
    """
    from .permissions import require

    require(actor, "project.import")
    qda = read_qdpx(path)
    name = (project_name or qda.name or Path(path).stem).strip()[:200]
    seen: set[str] = set()
    for code, _ in qda.all_codes():
        if code.guid in seen:
            raise InputError(f"{path}: the code guid {code.guid} is used more than once.")
        seen.add(code.guid)
    plans = []
    for src in qda.sources:
        turns = split_turns(src.text)
        if not turns:
            raise InputError(f"{path}: source {src.name!r} has no text.")
        hits = [(sel, map_selection(turns, sel.start, sel.end)) for sel in src.selections]
        plans.append((src, turns, hits))
    with db.session() as s:
        if s.scalar(select(Project.id).where(Project.name == name)) is not None:
            raise InputError(
                f"A project named {name!r} exists already; choose another with --project."
            )
        project = Project(name=name, description=qda.description, settings={})
        from .projects import DEFAULT_SETTINGS

        project.settings = dict(DEFAULT_SETTINGS)
        s.add(project)
        s.flush()
        book = Codebook(project_id=project.id, name=f"{name} (REFI-QDA)", source=Path(path).name)
        s.add(book)
        s.flush()
        by_guid: dict[str, Code] = {}
        for pos, (code, parent) in enumerate(qda.all_codes()):
            row = Code(
                codebook_id=book.id,
                key=code.guid,
                name=code.name[:300],
                framework="theme",
                description=code.description,
                position=pos,
                parent_id=by_guid[parent.guid].id if parent else None,
            )
            s.add(row)
            s.flush()
            by_guid[code.guid] = row
        n_codings = n_unplaced = 0
        for src, turns, hits in plans:
            iv = Interview(
                project_id=project.id,
                title=src.name[:300],
                kind="citizen",
                source="qdpx",
                status="deidentified" if deidentified else "transcribed",
                speakers={t.speaker: {} for t in turns if t.speaker},
            )
            iv.segments = [
                Segment(
                    position=i,
                    start=t.time,
                    speaker=t.speaker,
                    text=t.text,
                    deidentified=deidentified,
                )
                for i, t in enumerate(turns)
            ]
            s.add(iv)
            s.flush()
            for sel, places in hits:
                if not places:
                    n_unplaced += 1
                for idx, a, b in places:
                    for cg in sel.code_guids:
                        s.add(
                            ConsensusCoding(
                                segment_id=iv.segments[idx].id,
                                code_id=by_guid[cg].id,
                                start_char=a,
                                end_char=b,
                                memo=sel.memo,
                                origin="imported",
                                decided_by=actor.user_id,
                            )
                        )
                        n_codings += 1
        audit.record(
            s,
            actor,
            "project.import_qdpx",
            project_id=project.id,
            target_type="project",
            target_id=project.id,
            details={
                "file": Path(path).name,
                "codes": len(by_guid),
                "sources": len(plans),
                "codings": n_codings,
                "other_sources_skipped": qda.other_sources,
                "unplaced_selections": n_unplaced,
                "deidentified": deidentified,
            },
        )
        return project.id
