"""Writing and reading the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualkit.store.models import AuditEvent

from .context import Actor, Context


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    project_id: int | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit row in the caller's transaction (so it commits with the change)."""
    event = AuditEvent(
        project_id=project_id,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
    )
    session.add(event)
    return event


def list_events(ctx: Context, limit: int = 500, action: str | None = None) -> list[dict[str, Any]]:
    ctx.require("audit.read")
    with ctx.db.session() as s:
        q = select(AuditEvent).where(  # the project's rows and those of no project (log-ins)
            or_(AuditEvent.project_id == ctx.project_id, AuditEvent.project_id.is_(None))
        )
        if action:
            q = q.where(AuditEvent.action == action)
        rows = s.scalars(q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
        return [
            {
                "at": r.at,
                "username": r.username,
                "action": r.action,
                "target_type": r.target_type,
                "target_id": r.target_id,
                "details": r.details,
            }
            for r in rows
        ]
