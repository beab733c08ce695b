"""The stored model (docs/DESIGN.md "Core entities"), one module per area."""

from .audit import AuditEvent
from .base import Base, utcnow
from .coding import FRAMEWORKS, Code, Codebook, CodebookVersion, Coding, ConsensusCoding
from .delivery import EVENT_STATUSES, DeliveryEvent, Protocol
from .interviews import INTERVIEW_STATUSES, EntityDecision, Interview, Segment
from .people import ROLES, Participant, Project, User
from .transcription import JOB_STATUSES, QueuedTask, SpeakerVoice, TranscriptionJob

__all__ = [
    "AuditEvent",
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
    "QueuedTask",
    "ROLES",
    "Segment",
    "SpeakerVoice",
    "TranscriptionJob",
    "User",
    "utcnow",
]
