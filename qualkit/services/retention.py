"""Retention: audio goes when a transcript is final, on every approval path.

``audio_on_approval(s, ctx, iv)`` is called inside the approving transaction (the
transcription approval and the de-identification approval alike); it marks the audio gone
and audits it, and returns the file for the caller to unlink after the commit.
``mark_audio_deleted`` is the one way audio goes (retention, a manual delete, withdrawal):
the voice vectors made from the recording go with it, since they are as identifying as
the voice itself.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from qualkit.store.models import Interview, Project, SpeakerVoice, utcnow

from . import audit
from .context import Context
from .projects import DEFAULT_SETTINGS


def delete_on_approve(s: Session, project_id: int) -> bool:
    project = s.get(Project, project_id)
    settings = {**DEFAULT_SETTINGS, **((project.settings if project else None) or {})}
    return bool(settings.get("delete_audio_on_approve"))


def audio_path(ctx: Context, iv: Interview) -> Path | None:
    if not iv.audio_path:
        return None
    p = Path(iv.audio_path)
    return p if p.is_absolute() else ctx.db.settings.data_dir / p


def mark_audio_deleted(s: Session, ctx: Context, iv: Interview, reason: str) -> Path | None:
    """Mark the interview's audio gone, with its speakers' voice vectors (audited); returns
    the file to unlink after commit."""
    path = audio_path(ctx, iv)
    if path is None:
        return None
    iv.audio_path = None
    iv.audio_deleted_at = utcnow()
    s.execute(delete(SpeakerVoice).where(SpeakerVoice.interview_id == iv.id))
    audit.record(
        s,
        ctx.actor,
        "audio.delete",
        project_id=ctx.project_id,
        target_type="interview",
        target_id=iv.id,
        details={"reason": reason},
    )
    return path


def audio_on_approval(s: Session, ctx: Context, iv: Interview, reason: str) -> Path | None:
    """Apply the project's retention rule at an approval (inside its transaction)."""
    if not delete_on_approve(s, ctx.project_id):
        return None
    return mark_audio_deleted(s, ctx, iv, reason)


def unlink(paths: list[Path | None]) -> int:
    """Remove files after the commit that made them unreferenced; returns how many."""
    n = 0
    for p in paths:
        if p is not None and p.exists():
            p.unlink()
            n += 1
    return n
