"""Who may do what: the one table of capabilities by role.

Services call ``require(actor, capability)`` before any use case; the UI only
reads ``allowed`` to decide what to show. A hidden button is never the check.
"""

from __future__ import annotations

from qualkit.errors import PermissionDenied
from qualkit.messages import label, msg

ADMIN, EVALUATOR, STAFF, WRITER = "admin", "evaluator", "staff", "writer"

CAPABILITIES: dict[str, frozenset[str]] = {
    # interviews and transcripts
    "interview.list": frozenset({ADMIN, EVALUATOR, WRITER}),
    "transcript.read": frozenset({ADMIN, EVALUATOR, WRITER}),
    "transcript.edit": frozenset({ADMIN, EVALUATOR}),
    "transcribe": frozenset({ADMIN, EVALUATOR}),
    "transcript.approve": frozenset({ADMIN, EVALUATOR}),
    "deid.review": frozenset({ADMIN, EVALUATOR}),
    "vault.read": frozenset({ADMIN}),
    # coding
    "codebook.read": frozenset({ADMIN, EVALUATOR, WRITER}),
    "codebook.edit": frozenset({ADMIN, EVALUATOR}),
    "coding.write": frozenset({ADMIN, EVALUATOR}),
    "coding.compare": frozenset({ADMIN, EVALUATOR}),
    "consensus.read": frozenset({ADMIN, EVALUATOR, WRITER}),
    "consensus.write": frozenset({ADMIN, EVALUATOR}),
    # participants, delivery log and tallies
    "participant.read": frozenset({ADMIN, EVALUATOR, STAFF, WRITER}),
    "participant.import": frozenset({ADMIN, EVALUATOR}),
    "delivery.log": frozenset({ADMIN, EVALUATOR, STAFF}),
    "delivery.read": frozenset({ADMIN, EVALUATOR, STAFF, WRITER}),
    "delivery.import": frozenset({ADMIN, EVALUATOR}),
    "tally.read": frozenset({ADMIN, EVALUATOR, WRITER}),
    # exports
    "export": frozenset({ADMIN, EVALUATOR, WRITER}),
    "quote.star": frozenset({ADMIN, EVALUATOR, WRITER}),
    # a REFI-QDA project coded elsewhere becomes a new qualkit project
    "project.import": frozenset({ADMIN, EVALUATOR}),
    # administration
    "user.manage": frozenset({ADMIN}),
    "project.settings": frozenset({ADMIN}),
    "participant.withdraw": frozenset({ADMIN}),
    "audit.read": frozenset({ADMIN}),
    "backup": frozenset({ADMIN}),
}


def allowed(role: str, capability: str) -> bool:
    try:
        return role in CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}") from None


def require(actor, capability: str) -> None:
    """Raise PermissionDenied unless the actor's role has the capability."""
    if actor is None or not allowed(actor.role, capability):
        who = (
            f"{actor.username} ({label('role', actor.role)})"
            if actor is not None
            else msg("permission.anonymous")
        )
        raise PermissionDenied(
            msg("permission.denied", who=who, what=label("capability", capability))
        )
