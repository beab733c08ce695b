"""The rest of an imported REFI-QDA project, into the store: coders (users), sets, cases,
notes (memos) and the attested words. Used by ``exchange_import`` through
``exchange_store``; every function works inside the caller's transaction."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualkit.exports.qdpx import CONSENSUS_USER, Problem, QdaProject, guid_for, norm_guid
from qualkit.exports.qdpx_mapping import clean_guid, own_set_kind, username
from qualkit.store.models import Code, ExchangeSet, Interview, Participant, User

from .attestation import sha
from .context import fetch


def _id(x: Any) -> int:
    return x if isinstance(x, int) else x.id


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
                | (User.username == username(name))
            )
        )
        if user is None:
            user = User(
                username=username(name),
                display_name=name[:200],
                role="evaluator",
                password_hash=_hasher.hash(secrets.token_urlsafe(24)),
                active=False,
                exchange_guid=clean_guid(g, "user") if g else None,
            )
            s.add(user)
            s.flush()
        out[g] = user.id
    return out, consensus


def keep_sets(
    s: Session,
    qda: QdaProject,
    pid: int,
    codes: dict[str, Code],
    ivs: dict[str, int],
    left: list[Problem],
) -> None:
    """The file's sets of codes or sources, kept for the next export. qualkit's own framework
    sets keep only their GUID (kind "framework"): the codes carry the framework, and the
    export rebuilds each set's members from them under the GUID it came with; so does its
    transcript mark (kind "turns"; exports/qdpx_mapping.own_set_kind)."""
    own: set[str] = set()  # qualkit's own sets met so far (one row each)
    for st in qda.sets:
        tag = st.name.strip().lower()
        kind = own_set_kind(tag)
        if kind is not None:  # the export rebuilds its members; keep its GUID
            if tag not in own:
                own.add(tag)
                s.add(
                    ExchangeSet(
                        project_id=pid,
                        guid=clean_guid(st.guid, "set"),
                        name=tag,
                        description="",
                        kind=kind,
                        members=[],
                    )
                )
            continue
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
    """Cases -> participants with their variables, linked to their sources; only when asked
    (``--cases-as-participants``), else each case is reported as left out."""
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
                fetch(s, Interview, iv_id).participant_id = p.id


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
