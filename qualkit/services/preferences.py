"""Per-user remembered choices (the interview last worked on), one row per name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.store.models import UserPreference

from . import _retry
from .context import Context


def get(ctx: Context, name: str) -> str | None:
    if ctx.actor.user_id is None:
        return None
    with ctx.db.session() as s:
        return s.scalar(
            select(UserPreference.value).where(
                UserPreference.user_id == ctx.actor.user_id,
                UserPreference.project_id == ctx.project_id,
                UserPreference.name == name,
            )
        )


def put(ctx: Context, name: str, value: str) -> None:
    if ctx.actor.user_id is None:
        return

    def work(s: Session) -> None:
        row = s.scalar(
            select(UserPreference).where(
                UserPreference.user_id == ctx.actor.user_id,
                UserPreference.project_id == ctx.project_id,
                UserPreference.name == name,
            )
        )
        if row is None:
            s.add(
                UserPreference(
                    user_id=ctx.actor.user_id, project_id=ctx.project_id, name=name, value=value
                )
            )
        elif row.value != value:
            row.value = value

    _retry.write(ctx.db, work)


def last_interview(ctx: Context, allowed_ids: list[int]) -> int | None:
    """The interview the user last worked on, if it is still one they may open here."""
    raw = get(ctx, "last_interview")
    try:
        iv = int(raw) if raw else None
    except ValueError:
        return None
    return iv if iv in allowed_ids else None


def remember_interview(ctx: Context, interview_id: int) -> None:
    if get(ctx, "last_interview") != str(interview_id):
        put(ctx, "last_interview", str(interview_id))
