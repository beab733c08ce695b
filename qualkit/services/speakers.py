"""Speakers linked to people: each speaker label of an interview -> a participant or a role.

A focus group has several citizens, a joint staff interview several professions; the
analysis takes each turn's role (and citizen) from its speaker, never from the interview's
kind alone, and an interviewer's turn never counts as the citizen's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.store.models import (
    WRITTEN_KINDS,
    Interview,
    InterviewKind,
    InterviewPerson,
    Participant,
)

from . import _retry, audit
from .context import Context
from .interview_meta import CITIZEN_ROLE

INTERVIEWER = "interviewer"
INTERVIEWER_LABELS = frozenset({"i", "int", "interviewer", "intervieweren", "interviewer1"})
CITIZEN_WORDS = frozenset({"citizen", "borger", "participant", "deltager"})
# A turn in a field note, logbook or document is the writer's, not an interviewee's.
WRITTEN_ROLE = {
    InterviewKind.FIELDNOTE.value: "feltnote",
    InterviewKind.LOGBOOK.value: "logbog",
    InterviewKind.DOCUMENT.value: "dokument",
}


@dataclass(frozen=True)
class TurnRole:
    """Who spoke a turn: a role and, for a citizen, their register row."""

    role: str
    participant_id: int | None = None
    citizen_id: str | None = None


def _role_of(value: Any) -> tuple[str | None, str | None]:
    """(role, citizen_id) from a speaker-map entry ("interviewer", {"role": ..., ...})."""
    if isinstance(value, str):
        return value.strip().lower() or None, None
    if isinstance(value, dict):
        role = str(value.get("role") or "").strip().lower() or None
        cid = str(value.get("citizen_id") or "").strip() or None
        return role, cid
    return None, None


def link_from_map(s: Session, iv: Interview) -> None:
    """Turn the interview's speaker map (import manifests, transcription) into person rows."""
    rows = list(iv.people)
    unlabelled = [r for r in rows if r.participant_id is not None and r.speaker is None]
    for label, value in (iv.speakers or {}).items():
        if not label or any(r.speaker == label for r in rows):
            continue
        role, cid = _role_of(value)
        if role is None and label.strip().lower() in INTERVIEWER_LABELS:
            role = INTERVIEWER
        if role is None:
            continue
        if cid:
            p = s.scalar(
                select(Participant).where(
                    Participant.project_id == iv.project_id, Participant.citizen_id == cid
                )
            )
            if p is None:
                continue
            row = next((r for r in rows if r.participant_id == p.id), None)
            if row is None:
                row = InterviewPerson(interview_id=iv.id, participant_id=p.id, role=CITIZEN_ROLE)
                s.add(row)
                rows.append(row)
            row.speaker = label
        elif role in CITIZEN_WORDS:
            if len(unlabelled) == 1:
                unlabelled.pop().speaker = label
        else:
            row = InterviewPerson(interview_id=iv.id, speaker=label, role=role)
            s.add(row)
            rows.append(row)
    s.flush()


def turn_roles(s: Session, iv: Interview) -> dict[str | None, TurnRole]:
    """Speaker label -> role for every speaker of the interview (None: unknown speakers)."""
    cids = dict(
        s.execute(
            select(Participant.id, Participant.citizen_id)
            .join(InterviewPerson, InterviewPerson.participant_id == Participant.id)
            .where(InterviewPerson.interview_id == iv.id)
        ).all()
    )
    out: dict[str | None, TurnRole] = {}
    for r in iv.people:
        if r.speaker is not None:
            pid = r.participant_id
            out[r.speaker] = TurnRole(r.role, pid, None if pid is None else cids.get(pid))
    return out


def role_of_turn(iv: Interview, roles: dict[str | None, TurnRole], speaker: str | None) -> TurnRole:
    """A turn's role: its speaker's link; else interviewer by label; else by the kind."""
    if speaker in roles:
        return roles[speaker]
    if iv.kind in WRITTEN_KINDS:
        return TurnRole(WRITTEN_ROLE[iv.kind])
    role, cid = _role_of((iv.speakers or {}).get(speaker or ""))
    if (role == INTERVIEWER) or (speaker or "").strip().lower() in INTERVIEWER_LABELS:
        return TurnRole(INTERVIEWER)
    citizens = [r for r in iv.people if r.participant_id is not None]
    if iv.kind == InterviewKind.CITIZEN.value and role in (None, *CITIZEN_WORDS):
        # A one-to-one citizen interview: the speaker who is not the interviewer is the citizen.
        if len(citizens) == 1:
            r = citizens[0]
            return TurnRole(CITIZEN_ROLE, r.participant_id, None)
        return TurnRole(CITIZEN_ROLE)
    if role and role not in CITIZEN_WORDS:
        return TurnRole(role)
    if iv.kind == InterviewKind.STAFF.value:
        return TurnRole((iv.staff_role or "medarbejder").lower())
    # Focus group or joint interview: a speaker not linked to anyone is nobody's in particular.
    return TurnRole("ukendt taler")


def set_speaker(
    ctx: Context,
    interview_id: int,
    speaker: str,
    *,
    citizen_id: str | None = None,
    role: str | None = None,
) -> TurnRole:
    """Link one speaker label to a participant (``citizen_id``) or a role (interviewer, a
    staff role). Replaces that label's earlier link; audited."""
    ctx.require("transcript.edit")
    if bool(citizen_id) == bool(role):
        raise InputError(
            f"Taler '{speaker}': angiv enten en borger (--citizen) eller en rolle (--role)."
        )

    def work(s: Session) -> TurnRole:
        iv = s.get(Interview, interview_id)
        if iv is None or iv.project_id != ctx.project_id:
            raise NotFound(f"Interview {interview_id} findes ikke i projektet.")
        labels = {seg.speaker for seg in iv.segments}
        if speaker not in labels:
            raise InputError(
                f"Interview {interview_id}: taler '{speaker}' findes ikke "
                f"(talere: {', '.join(sorted(str(x) for x in labels if x))})."
            )
        for r in list(iv.people):
            if r.speaker == speaker:
                if r.participant_id is not None and citizen_id is None:
                    r.speaker = None
                else:
                    iv.people.remove(r)
        s.flush()
        if citizen_id:
            p = s.scalar(
                select(Participant).where(
                    Participant.project_id == ctx.project_id, Participant.citizen_id == citizen_id
                )
            )
            if p is None:
                raise InputError(f"Borger '{citizen_id}' findes ikke i deltagerregistret.")
            row = next((r for r in iv.people if r.participant_id == p.id), None)
            if row is None:
                row = InterviewPerson(participant_id=p.id, role=CITIZEN_ROLE)
                iv.people.append(row)
            row.speaker = speaker
            if iv.participant_id is None:
                iv.participant_id = p.id
            result = TurnRole(CITIZEN_ROLE, p.id, citizen_id)
        else:
            role_name = str(role).strip().lower()
            iv.people.append(InterviewPerson(speaker=speaker, role=role_name))
            result = TurnRole(role_name)
        audit.record(
            s,
            ctx.actor,
            "interview.speaker",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"speaker": speaker, "citizen_id": citizen_id, "role": result.role},
        )
        return result

    return _retry.write(ctx.db, work)


def people(ctx: Context, interview_id: int) -> list[dict[str, Any]]:
    """The interview's linked people and speakers, for the app and `interviews show`."""
    ctx.require("interview.list")
    from .read_policy import require_interview

    with ctx.db.session() as s:
        iv = require_interview(s, ctx, interview_id)  # speaker labels: as the text
        cids = dict(
            s.execute(
                select(Participant.id, Participant.citizen_id).where(
                    Participant.project_id == ctx.project_id
                )
            ).all()
        )
        return [
            {
                "speaker": r.speaker,
                "role": r.role,
                "citizen_id": None if r.participant_id is None else cids.get(r.participant_id),
            }
            for r in iv.people
        ]


def speaker_role(iv: Interview, speaker: str | None) -> str | None:
    """For the quote exports: the role of a linked speaker ("borger", "interviewer", a staff
    role), the kind's label for a field note, logbook or document, else None (unknown)."""
    if iv.kind in WRITTEN_KINDS:
        return WRITTEN_ROLE[iv.kind]
    row = next((r for r in iv.people if speaker is not None and r.speaker == speaker), None)
    if row is None:
        return None
    return CITIZEN_ROLE if row.participant_id is not None else row.role


def speaker_participant(iv: Interview, speaker: str | None, default: Participant | None):
    """The participant who spoke a turn (a focus group has several); else ``default``."""
    row = next((r for r in iv.people if speaker is not None and r.speaker == speaker), None)
    if row is not None and row.participant_id is not None:
        return row.participant
    if iv.kind in (InterviewKind.FOCUS_GROUP.value, InterviewKind.JOINT.value):
        return None  # an unlinked speaker in a group is nobody's in particular
    return default


def withdrawal_scope(
    s: Session, participant: Participant
) -> tuple[list[Interview], list[Interview]]:
    """What a participant's consent withdrawal removes: (interviews deleted whole, group
    interviews kept for the others). In a focus group or joint interview with other linked
    participants, only the withdrawn person's turns (their speaker labels) are deleted here,
    with their link; if their turns cannot be told apart (no speaker linked to them), the
    whole interview goes, because their words may be anywhere in it."""
    from sqlalchemy import delete as sql_delete

    from qualkit.store.models import Segment

    ids = set(
        s.scalars(select(Interview.id).where(Interview.participant_id == participant.id))
    ) | set(
        s.scalars(
            select(InterviewPerson.interview_id).where(
                InterviewPerson.participant_id == participant.id
            )
        )
    )
    whole: list[Interview] = []
    partial: list[Interview] = []
    groups = (InterviewKind.FOCUS_GROUP.value, InterviewKind.JOINT.value)
    for iid in sorted(ids):
        iv = s.get(Interview, iid)
        if iv is None:
            # Deleted by another transaction since the selects above (PostgreSQL reads
            # committed rows): nothing of it is left to withdraw.
            continue
        mine = [r for r in iv.people if r.participant_id == participant.id]
        others = [r for r in iv.people if r.participant_id not in (None, participant.id)]
        labels = [r.speaker for r in mine if r.speaker]
        if iv.kind in groups and others and labels:
            s.execute(
                sql_delete(Segment).where(
                    Segment.interview_id == iv.id, Segment.speaker.in_(labels)
                )
            )
            for r in mine:
                iv.people.remove(r)
            if iv.participant_id == participant.id:
                iv.participant_id = others[0].participant_id
            partial.append(iv)
        else:
            whole.append(iv)
    s.flush()
    return whole, partial
