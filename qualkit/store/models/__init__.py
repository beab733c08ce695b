"""The stored model (docs/DESIGN.md "Core entities"), one module per area."""

from .. import anchoring as _anchoring  # noqa: E402,F401  (re-anchors decisions on edits)
from .audit import AuditEvent
from .base import Base, utcnow
from .coding import FRAMEWORKS, Code, Codebook, CodebookVersion, Coding, ConsensusCoding
from .delivery import EVENT_STATUSES, DeliveryEvent, Protocol
from .interviews import INTERVIEW_STATUSES, EntityDecision, Interview, Segment
from .people import ROLES, Participant, Project, User
from .security import AuthSession, LoginThrottle, ReportLabel, VaultEntry, VaultKey
from .transcription import JOB_STATUSES, TranscriptionJob

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
    "FRAMEWORKS",
    "INTERVIEW_STATUSES",
    "Interview",
    "JOB_STATUSES",
    "Participant",
    "Project",
    "Protocol",
    "ROLES",
    "Segment",
    "TranscriptionJob",
    "User",
    "utcnow",
]
