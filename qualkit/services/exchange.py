"""REFI-QDA project exchange: export the project as .qdpx (import: ``exchange_import``).

The export obeys the same rules as every export (services/exports.py): de-identified
text only, nothing from withdrawn participants, every passage re-checked, audited.
Codes keep their stored GUID and all their detail; each coder's codings go out under that
coder (for roles that may compare coders), the consensus layer under the user
"Konsensus"; memos go out as the selection's Description and as a note; an imported
source goes out with the file's text exactly (see ``exports/layout.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualkit.codebooks.model import CodeDef
from qualkit.codebooks.qdc import description_text
from qualkit.errors import InputError
from qualkit.exports import safety
from qualkit.exports.layout import parse_ref, rebuild, render_turns
from qualkit.exports.positions import DEFAULT_EXPORT_UNIT, PositionUnit
from qualkit.exports.qdpx import (
    CONSENSUS_USER,
    QdaCode,
    QdaCoding,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    guid_for,
    write_qdpx,
)
from qualkit.store.models import (
    Code,
    Coding,
    ConsensusCoding,
    Interview,
    Participant,
    Project,
    Segment,
    User,
)
from qualkit.store.models.coding import default_code_guid

from . import audit, read_policy
from .attestation import attested_passages, attested_strings, code_fingerprint, sha
from .consensus import _comparison_opened
from .context import Context
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
from .permissions import allowed


def user_guid(name: str) -> str:
    return guid_for("user", name)


def code_guid(code: Code) -> str:
    return code.guid or default_code_guid(code.key)


def qda_code(code: Code) -> QdaCode:
    """A stored code -> REFI-QDA, with everything the .qdc writer carries."""
    d = CodeDef(
        id=code.key,
        name=code.name,
        framework=code.framework,
        description=code.description,
        include=code.include,
        exclude=code.exclude,
        example=code.example,
    )
    return QdaCode(code_guid(code), code.name, description_text(d), code.color, bool(code.codable))


@dataclass(frozen=True)
class _Row:
    """One coding row of either layer, placed in the source text (code points)."""

    layer: str  # coder | consensus
    row_id: int
    user: QdaUser
    code_guid: str
    start: int
    end: int
    memo: str
    ref: str | None


def _selections(rows: list[_Row], length: int) -> list[QdaSelection]:
    """Rows -> selections; pieces of one imported selection (same ref, layer, user) join."""
    groups: dict[tuple[str, str, str], list[_Row]] = {}
    slack: dict[tuple[str, str, str], tuple[int, int]] = {}
    for r in rows:
        if r.ref:
            ref, before, after = parse_ref(r.ref)
            key = (r.layer, r.user.guid, ref)
            slack[key] = (before, after)
        else:
            key = (r.layer, r.user.guid, f"#{r.row_id}")
        groups.setdefault(key, []).append(r)
    used: set[str] = set()
    out: list[QdaSelection] = []
    for gkey, members in groups.items():
        layer, _, ref = gkey
        before, after = slack.get(gkey, (0, 0))
        if ref.startswith("#"):
            guid = guid_for("selection" if layer == "consensus" else "coding", ref[1:])
        else:
            guid = ref if ref.lower() not in used else guid_for(layer, ref)
        used.add(guid.lower())
        codes: list[str] = []
        memos: list[str] = []
        for m in members:
            if m.code_guid not in codes:
                codes.append(m.code_guid)
            if m.memo and m.memo not in memos:
                memos.append(m.memo)
        who = members[0].user
        out.append(
            QdaSelection(
                guid,
                max(min(m.start for m in members) - before, 0),
                min(max(m.end for m in members) + after, length),
                [QdaCoding(c, who.guid) for c in codes],
                who.guid,
                "\n\n".join(memos),
            )
        )
    return sorted(out, key=lambda s: (s.start, s.end, s.guid))


def _source_text(iv: Interview, segs: list[Segment]) -> tuple[str, list[int]]:
    ex = iv.exchange or {}
    if not ex.get("layout"):
        return render_turns([(seg.speaker, seg.start, seg.text or "") for seg in segs])
    offsets, pos = [], len(ex.get("lead", ""))
    for seg in segs:
        pos += len(seg.prefix or "")
        offsets.append(pos)
        pos += len(seg.text or "") + len(seg.trail or "")
    return rebuild(ex.get("lead", ""), ((g.prefix, g.text, g.trail) for g in segs)), offsets


def attested(seg: Segment) -> bool:
    """The segment's text is what an importer attested as de-identified (--deidentified)."""
    return seg.attested_sha is not None and seg.attested_sha == sha(seg.text or "")


def title_attested(iv: Interview) -> bool:
    title_sha = ((iv.exchange or {}).get("attested") or {}).get("title_sha")
    return bool(title_sha) and title_sha == sha(iv.title or "")


def _passages(iv: Interview, segs: list[Segment]) -> list[safety.Passage]:
    """What the safety check reads; attested text that is unchanged counts as reviewed
    (services/attestation.py, in check_or_refuse), anything added or edited is checked."""
    out = [title_passage(iv)]
    ex = iv.exchange or {}
    description = ex.get("description") or ""
    if description:
        attested_too = (ex.get("attested") or {}).get("description_sha") == sha(description)
        out.append(
            safety.Passage(
                -iv.id,
                description,
                interview_label(iv) + " (beskrivelse)",
                ((0, len(description)),) if attested_too else (),
            )
        )
    out.extend(safety.Passage(seg.id, seg.text or "", interview_label(iv)) for seg in segs)
    return out


def build_qda_project(
    s: Session, ctx: Context, *, cases: bool = False
) -> tuple[QdaProject, list[safety.Passage]]:
    project = s.get(Project, ctx.project_id)
    codes = project_codes(s, ctx.project_id)
    qda_codes = {c.id: qda_code(c) for c in codes.values()}
    roots: list[QdaCode] = []
    for c in sorted(codes.values(), key=lambda c: (c.codebook_id, c.position, c.id)):
        if c.parent_id in qda_codes:
            qda_codes[c.parent_id].children.append(qda_codes[c.id])
        else:
            roots.append(qda_codes[c.id])
    with_coders = allowed(ctx.actor.role, "coding.compare")
    names = dict(s.execute(select(User.id, User.username)).all())
    consensus_user = QdaUser(user_guid(CONSENSUS_USER), CONSENSUS_USER)
    users: dict[str, QdaUser] = {}

    def coder(uid: int) -> QdaUser:
        name = names.get(uid, f"bruger-{uid}")
        return users.setdefault(name, QdaUser(user_guid(name), name))

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
    source_guid: dict[int, str] = {}
    for iv in ivs:
        segs = [
            seg for seg in iv.segments if seg.deidentified or iv.status in DEIDENTIFIED_STATUSES
        ]
        text, offsets = _source_text(iv, segs)
        guid = (iv.exchange or {}).get("guid") or guid_for("source", ctx.project_id, iv.id)
        source_guid[iv.id] = guid
        src = QdaSource(
            guid, iv.title, text, description=(iv.exchange or {}).get("description", "")
        )
        at = {seg.id: (offsets[i], seg) for i, seg in enumerate(segs)}
        passages.extend(_passages(iv, segs))
        rows: list[_Row] = []
        sole: set[tuple[object, ...]] = set()
        layers: list[tuple[str, Any]] = [("consensus", ConsensusCoding)]
        # Blind coding holds in the export too: an evaluator gets the other coders' codings
        # of an interview only once they chose to compare it (services/consensus.py).
        others = with_coders and _comparison_opened(s, ctx, iv.id)
        if with_coders:
            layers.insert(0, ("coder", Coding))
        for layer, model in layers:
            who_col = model.coder_id if layer == "coder" else model.decided_by
            found = s.execute(
                select(
                    model.id,
                    model.segment_id,
                    model.code_id,
                    model.start_char,
                    model.end_char,
                    model.memo,
                    model.ref,
                    who_col,
                )
                .join(Segment, model.segment_id == Segment.id)
                .where(Segment.interview_id == iv.id)
                .order_by(model.segment_id, model.id)
            ).all()
            for row_id, seg_id, code_id, a, b, memo, ref, uid in found:
                if code_id not in qda_codes or seg_id not in at:
                    continue
                if layer == "coder" and not others and uid != ctx.actor.user_id:
                    continue
                key = (seg_id, code_id, a, b, ref, uid)
                if layer == "coder" and ref:
                    sole.add(key)
                elif ref and key in sole:
                    continue  # a one-coder file taken as agreed: its coder's selection says it
                off, seg = at[seg_id]
                if a is not None and b is not None:
                    start, end = off + a, off + b
                else:
                    start, end = off, off + len(seg.text or "")
                who = consensus_user if layer == "consensus" else coder(uid)
                rows.append(
                    _Row(layer, row_id, who, qda_codes[code_id].guid, start, end, memo or "", ref)
                )
                if memo:
                    passages.append(safety.Passage(seg.id, memo, interview_label(iv) + " (memo)"))
        src.selections = _selections(rows, len(text))
        sources.append(src)
    from .exchange_sets import case_list, project_sets

    sets = project_sets(s, ctx.project_id, codes, qda_codes, source_guid)
    variables, cases_out = case_list(s, ivs, source_guid) if cases else ([], [])
    me = QdaUser(user_guid(ctx.actor.username), ctx.actor.username)
    all_users = [me] + [u for u in users.values() if u.guid != me.guid] + [consensus_user]
    attested = attested_strings(project.settings)
    if attested:  # the words an attested file brought besides its sources
        words = [project.name, project.description or "", *(u.name for u in all_users)]
        words += [w for st in sets for w in (st.name, st.description)]
        passages += attested_passages(words, attested)
        passages += [
            safety.Passage(0, text, "attesteret import", ((0, len(text)),))
            for c in codes.values()
            if code_fingerprint(c.name, c.description, c.include, c.exclude, c.example) in attested
            for text in (c.name, qda_codes[c.id].description)
        ]
    return QdaProject(
        project.name,
        all_users,
        roots,
        sources,
        origin="qualkit; positions=utf16",
        description=project.description or "",
        sets=sets,
        variables=variables,
        cases=cases_out,
        creating_user=me.guid,
    ), passages


def export_qdpx(
    ctx: Context,
    out: str | Path | None,
    overrides: Iterable[int] = (),
    *,
    positions: PositionUnit | str = DEFAULT_EXPORT_UNIT,
    cases: bool = False,
) -> ExportResult:
    """The project as REFI-QDA: users, codebook, de-identified text sources, codings (each
    coder's for roles that may compare coders; consensus under "Konsensus"), memos, sets."""
    ctx.require("export")
    unit = PositionUnit(positions)
    if out is not None and Path(out).suffix.lower() != ".qdpx":
        raise InputError(f"{out}: et REFI-QDA-projekt skal hedde *.qdpx.")
    with ctx.db.session() as s:
        qda, passages = build_qda_project(s, ctx, cases=cases)
    qda.origin = f"qualkit; positions={unit.value}"
    codings = sum(1 for src in qda.sources for sel in src.selections if sel.codings)
    from .exchange_memos import memo_notes  # memos as notes: exports/memo_notes.py

    passages += memo_notes(ctx, qda)
    n_memos = len(qda.notes)  # before the coding memos' notes are added (write_qdpx)
    report = check_or_refuse(ctx, "qdpx", passages, overrides)
    path, data = deliver_file(ctx, "qdpx", out, lambda p: write_qdpx(qda, p, unit), report)
    counts = {
        "sources": len(qda.sources),
        "codes": len(qda.all_codes()),
        "codings": codings,
        "memos": n_memos,
        "users": len(qda.users),
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
            details={"counts": counts, "positions": unit.value, "cases": cases},
        )
    return ExportResult(path, data, counts, report)


def import_qdpx(*args: Any, **kwargs: Any) -> Any:
    """See ``exchange_import.import_qdpx`` (kept here for callers of the old name)."""
    from .exchange_import import import_qdpx as run

    return run(*args, **kwargs)
