"""The stored model (docs/DESIGN.md "Core entities"), one module per area."""

from .. import anchoring as _anchoring  # noqa: E402,F401  (re-anchors decisions on edits)
from .audit import AuditEvent
from .base import Base, as_utc, utcnow
from .coding import (
    FRAMEWORKS,
    Code,
    Codebook,
    CodebookVersion,
    Coding,
    ConsensusCoding,
    ExchangeSet,
)
from .delivery import EVENT_STATUSES, DeliveryEvent, Protocol
from .interviews import (
    INTERVIEW_STATUSES,
    WRITTEN_KINDS,
    EntityDecision,
    Interview,
    InterviewKind,
    InterviewPerson,
    Segment,
)
from .people import ROLES, Participant, Project, User
from .security import AuthSession, LoginThrottle, ReportLabel, VaultEntry, VaultKey
from .transcription import JOB_STATUSES, QueuedTask, SpeakerVoice, TranscriptionJob
from .workspace import MEMO_KINDS, Memo, MemoLink, UserPreference

__all__ = [
    "AuditEvent",
    "AuthSession",
    "LoginThrottle",
    "ReportLabel",
    "VaultEntry",
    "VaultKey",
    "Base",
    "Code",
    "Codebook",
    "CodebookVersion",
    "Coding",
    "ConsensusCoding",
    "DeliveryEvent",
    "EVENT_STATUSES",
    "EntityDecision",
    "ExchangeSet",
    "FRAMEWORKS",
    "INTERVIEW_STATUSES",
    "Interview",
    "InterviewKind",
    "InterviewPerson",
    "JOB_STATUSES",
    "MEMO_KINDS",
    "Memo",
    "MemoLink",
    "Participant",
    "Project",
    "Protocol",
    "QueuedTask",
    "ROLES",
    "Segment",
    "SpeakerVoice",
    "TranscriptionJob",
    "User",
    "WRITTEN_KINDS",
    "UserPreference",
    "as_utc",
    "utcnow",
]
