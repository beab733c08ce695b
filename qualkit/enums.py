"""The fixed vocabularies of qualkit, each defined once: roles, interview and job statuses,
de-identification decision states, delivery-event statuses.

``StrEnum`` members are strings, so the values stored in the database and written to files
stay exactly these words, a member compares equal to its string ("admin" == Role.ADMIN),
and a column read back as a plain string still matches. Plain Python, no store import:
domain modules, services and the store all take them from here.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    EVALUATOR = "evaluator"
    STAFF = "staff"
    WRITER = "writer"


class InterviewStatus(StrEnum):
    """Where an interview is. A running transcription is the job's status (JobStatus), not
    the interview's: the interview stays as it was until the job's result is stored."""

    NEW = "new"
    TRANSCRIBED = "transcribed"
    DEIDENTIFIED = "deidentified"
    APPROVED = "approved"  # the de-identification review approved it


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


class DecisionState(StrEnum):
    """A reviewer's decision on a proposed identifying span."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class EventStatus(StrEnum):
    """A delivery-log entry: only delivered events count in the tallies."""

    DELIVERED = "delivered"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


ROLES: tuple[Role, ...] = tuple(Role)
INTERVIEW_STATUSES: tuple[InterviewStatus, ...] = tuple(InterviewStatus)
JOB_STATUSES: tuple[JobStatus, ...] = tuple(JobStatus)
DECISION_STATES: tuple[DecisionState, ...] = tuple(DecisionState)
EVENT_STATUSES: tuple[EventStatus, ...] = tuple(EventStatus)

# A code's framework tag (RE-AIM dimensions, fidelity, mechanism, context; else a theme), in
# the order reports list them. Codebooks, the REFI-QDA mapping and the store all use it.
FRAMEWORKS: tuple[str, ...] = (
    "reach",
    "effectiveness",
    "adoption",
    "implementation",
    "maintenance",
    "fidelity",
    "mechanism",
    "context",
    "theme",
)
