"""The one read policy: who may read which text of which interview, in which state.

Every service that returns transcript text, interview titles, memos or codings asks here
(``tests/test_read_policy.py`` enumerates every public service function x every role and
fails on a function the table does not classify):

| what                          | admin  | evaluator                    | writer                  | staff |
|-------------------------------|--------|------------------------------|-------------------------|-------|
| text and title of interviews  | all    | all (they de-identify)       | de-identified only      | none  |
| consensus codings, their memos| all    | all                          | of de-identified only   | none  |
| own codings and memos         | all    | own                          | none (codes nothing)    | none  |
| other coders' codings, memos  | all    | after the audited compare    | never                   | never |

"De-identified" means the interview's status is ``deidentified`` or ``approved`` and its
participant has not withdrawn. The audited compare is the ``coding.compare`` audit row that
``consensus.open_comparison`` writes for that user and interview. Capabilities
(``permissions.py``) still decide who may *call* a use case; this module decides what the
call may *return*.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from qualkit.errors import NotFound, PermissionDenied
from qualkit.store.models import AuditEvent, Coding, Interview, Participant, Segment

from .context import Context
from .permissions import ADMIN, EVALUATOR, STAFF, WRITER

DEIDENTIFIED_STATUSES = ("deidentified", "approved")


class Read(StrEnum):
    TEXT = "text"  # segment text and interview titles
    CONSENSUS = "consensus"  # consensus codings and their memos
    OWN_CODINGS = "own_codings"
    OTHERS_CODINGS = "others_codings"


class Rule(StrEnum):
    ALL = "all"
    DEIDENTIFIED = "deidentified"  # only interviews that are de-identified, not withdrawn
    OWN = "own"
    AFTER_COMPARE = "after_compare"
    NONE = "none"


POLICY: dict[str, dict[Read, Rule]] = {
    ADMIN: {
        Read.TEXT: Rule.ALL,
        Read.CONSENSUS: Rule.ALL,
        Read.OWN_CODINGS: Rule.ALL,
        Read.OTHERS_CODINGS: Rule.ALL,
    },
    EVALUATOR: {
        Read.TEXT: Rule.ALL,
        Read.CONSENSUS: Rule.ALL,
        Read.OWN_CODINGS: Rule.OWN,
        Read.OTHERS_CODINGS: Rule.AFTER_COMPARE,
    },
    WRITER: {
        Read.TEXT: Rule.DEIDENTIFIED,
        Read.CONSENSUS: Rule.DEIDENTIFIED,
        Read.OWN_CODINGS: Rule.NONE,
        Read.OTHERS_CODINGS: Rule.NONE,
    },
    STAFF: {
        Read.TEXT: Rule.NONE,
        Read.CONSENSUS: Rule.NONE,
        Read.OWN_CODINGS: Rule.NONE,
        Read.OTHERS_CODINGS: Rule.NONE,
    },
}


def rule(ctx: Context, what: Read) -> Rule:
    return POLICY.get(ctx.actor.role, POLICY[STAFF])[what]


def _not_withdrawn() -> ColumnElement[bool]:
    return or_(
        Interview.participant_id.is_(None),
        Interview.participant_id.in_(
            select(Participant.id).where(Participant.withdrawn_date.is_(None))
        ),
    )


def _deidentified() -> ColumnElement[bool]:
    return Interview.status.in_(DEIDENTIFIED_STATUSES) & _not_withdrawn()


def interviews(ctx: Context, what: Read = Read.TEXT) -> ColumnElement[bool]:
    """SQL condition on ``Interview``: the interviews whose text (and title), or whose
    consensus codings, the acting user may read. Always within the context's project."""
    r = rule(ctx, what)
    mine = Interview.project_id == ctx.project_id
    if r is Rule.ALL:
        return mine
    if r is Rule.DEIDENTIFIED:
        return mine & _deidentified()
    return false()


def interview_readable(s: Session, ctx: Context, iv: Interview, what: Read = Read.TEXT) -> bool:
    return (
        s.scalar(select(Interview.id).where(Interview.id == iv.id, interviews(ctx, what)))
        is not None
    )


def require_interview(
    s: Session, ctx: Context, interview_id: int, what: Read = Read.TEXT
) -> Interview:
    """The interview, if the acting user may read it; else NotFound / PermissionDenied."""
    iv = s.get(Interview, interview_id)
    if iv is None or iv.project_id != ctx.project_id:
        raise NotFound(f"Interview {interview_id} findes ikke i dette projekt.")
    if not interview_readable(s, ctx, iv, what):
        if rule(ctx, what) is Rule.NONE:
            raise PermissionDenied(
                f"{ctx.actor.username} ({ctx.actor.role}) må ikke læse interviews."
            )
        raise PermissionDenied(
            f"Interview {interview_id} er endnu ikke pseudonymiseret; "
            "skribenter læser kun pseudonymiserede interviews."
        )
    return iv


def compared(s: Session, ctx: Context) -> set[int]:
    """Interviews for which the acting user made the audited choice to compare."""
    rows = s.scalars(
        select(AuditEvent.target_id).where(
            AuditEvent.project_id == ctx.project_id,
            AuditEvent.user_id == ctx.actor.user_id,
            AuditEvent.action == "coding.compare",
            AuditEvent.target_type == "interview",
        )
    ).all()
    return {int(t) for t in rows if t is not None and str(t).isdigit()}


def others_visible(s: Session, ctx: Context, interview_id: int) -> bool:
    """May the acting user see the other coders' codings of this interview?"""
    r = rule(ctx, Read.OTHERS_CODINGS)
    if r is Rule.ALL:
        return True
    if r is Rule.AFTER_COMPARE:
        return ctx.actor.user_id is not None and interview_id in compared(s, ctx)
    return False


def codings(s: Session, ctx: Context) -> ColumnElement[bool]:
    """SQL condition on ``Coding`` (joined to ``Segment``): the individual codings the
    acting user may read: their own, plus others' where they chose to compare."""
    others = rule(ctx, Read.OTHERS_CODINGS)
    own = rule(ctx, Read.OWN_CODINGS)
    if others is Rule.ALL:
        return true()
    parts: list[ColumnElement[bool]] = []
    if own in (Rule.OWN, Rule.ALL) and ctx.actor.user_id is not None:
        parts.append(Coding.coder_id == ctx.actor.user_id)
    if others is Rule.AFTER_COMPARE:
        ids = compared(s, ctx)
        if ids:
            parts.append(Segment.interview_id.in_(sorted(ids)))
    return or_(*parts) if parts else false()
