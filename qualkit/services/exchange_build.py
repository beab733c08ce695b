"""The project as a REFI-QDA model for the .qdpx export (``exchange.export_qdpx``), with the
passages the safety check reads. Read-only: what is in it obeys the read policy and the
export policy (de-identified text only, nothing from withdrawn participants); blind coding
holds (another coder's codings only after the audited compare).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualkit.codebooks.model import CodeDef
from qualkit.codebooks.qdc import description_text
from qualkit.exports import safety
from qualkit.exports.layout import rebuild, render_turns
from qualkit.exports.qdpx import (
    CONSENSUS_USER,
    QdaCode,
    QdaProject,
    QdaSource,
    QdaUser,
    guid_for,
)
from qualkit.exports.selections import CodingRow, selections
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

from . import read_policy
from .attestation import attested_passages, attested_strings, code_fingerprint, sha
from .consensus import _comparison_opened
from .context import Context, fetch
from .exports import (
    DEIDENTIFIED_STATUSES,
    interview_label,
    not_withdrawn,
    project_codes,
    title_passage,
)
from .permissions import allowed


def user_guid(name: str, stored: Mapping[str, str] | None = None) -> str:
    """A user's stable GUID in every export: the one an import created the user with
    (``stored``: :func:`stored_user_guids`), else derived from the name."""
    return (stored or {}).get(name) or guid_for("user", name)


def stored_user_guids(s: Session) -> dict[str, str]:
    """Username -> the GUID of a user an import created."""
    rows = s.execute(
        select(User.username, User.exchange_guid).where(User.exchange_guid.is_not(None))
    )
    return {name: guid for name, guid in rows if guid}


def code_guid(code: Code) -> str:
    """A code's stored GUID, else the one its .qdc export has always carried."""
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
    """The project as REFI-QDA (users, codes, sources, selections, sets, cases) and every
    passage of it that the safety check must read, in the caller's read session."""
    project = fetch(s, Project, ctx.project_id)
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
    stored = stored_user_guids(s)
    consensus_user = QdaUser(user_guid(CONSENSUS_USER), CONSENSUS_USER)
    users: dict[str, QdaUser] = {}

    def coder(uid: int) -> QdaUser:
        name = names.get(uid, f"bruger-{uid}")
        return users.setdefault(name, QdaUser(user_guid(name, stored), name))

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
    transcripts: list[str] = []  # sources written with speaker turns (render_turns)
    for iv in ivs:
        segs = [
            seg for seg in iv.segments if seg.deidentified or iv.status in DEIDENTIFIED_STATUSES
        ]
        text, offsets = _source_text(iv, segs)
        guid = (iv.exchange or {}).get("guid") or guid_for("source", ctx.project_id, iv.id)
        source_guid[iv.id] = guid
        if not (iv.exchange or {}).get("layout") or any(seg.speaker for seg in segs):
            transcripts.append(guid)
        src = QdaSource(
            guid, iv.title, text, description=(iv.exchange or {}).get("description", "")
        )
        at = {seg.id: (offsets[i], seg) for i, seg in enumerate(segs)}
        passages.extend(_passages(iv, segs))
        rows: list[CodingRow] = []
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
                    CodingRow(
                        layer, row_id, who, qda_codes[code_id].guid, start, end, memo or "", ref
                    )
                )
                if memo:
                    passages.append(safety.Passage(seg.id, memo, interview_label(iv) + " (memo)"))
        src.selections = selections(rows, len(text))
        sources.append(src)
    from .exchange_sets import case_list, project_sets

    sets = project_sets(s, ctx.project_id, codes, qda_codes, source_guid, transcripts)
    variables, cases_out = case_list(s, list(ivs), source_guid) if cases else ([], [])
    me = QdaUser(user_guid(ctx.actor.username, stored), ctx.actor.username)
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
