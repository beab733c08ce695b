"""Projects and their settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError, NotFound
from qualkit.store import Database
from qualkit.store.models import Project

from . import _retry, audit
from ._record import Record
from .context import Actor, Context, fetch

DEFAULT_SETTINGS: dict[str, Any] = {
    # DOMAIN.md: audio is deleted right after transcription is approved.
    "delete_audio_on_approve": True,
    # Staff may edit or delete their own delivery entries for this many hours.
    "staff_edit_window_hours": 72,
}


def create_project(db: Database, actor: Actor, name: str, description: str = "") -> int:
    if not name.strip():
        raise InputError("Et projekt skal have et navn.")

    def work(s: Session) -> int:
        if s.scalar(select(Project).where(Project.name == name)) is not None:
            raise InputError(f"Der findes allerede et projekt ved navn '{name}'.")
        project = Project(name=name, description=description, settings=dict(DEFAULT_SETTINGS))
        s.add(project)
        s.flush()
        audit.record(
            s,
            actor,
            "project.create",
            project_id=project.id,
            target_type="project",
            target_id=project.id,
            details={"name": name},
        )
        return project.id

    return _retry.write(db, work)


def find_project(db: Database, name: str | None = None) -> int:
    """The project id by name; with no name, the only (or first) project."""
    with db.session() as s:
        q = select(Project)
        if name:
            q = q.where(Project.name == name)
        project = s.scalars(q.order_by(Project.id)).first()
        if project is None:
            raise NotFound(
                f"Der er intet projekt ved navn '{name}'."
                if name
                else "Datamappen har endnu intet projekt; kør `qualkit demo`, eller opret et."
            )
        return project.id


@dataclass(frozen=True)
class ProjectInfo(Record):
    id: int
    name: str
    description: str | None
    settings: dict[str, Any]  # every known setting, defaults filled in


def project_info(ctx: Context) -> ProjectInfo:
    with ctx.db.session() as s:
        p = fetch(s, Project, ctx.project_id)
        return ProjectInfo(p.id, p.name, p.description, {**DEFAULT_SETTINGS, **(p.settings or {})})


def get_setting(ctx: Context, key: str) -> Any:
    return project_info(ctx).settings.get(key)


def update_settings(ctx: Context, **changes: Any) -> None:
    ctx.require("project.settings")
    unknown = set(changes) - set(DEFAULT_SETTINGS)
    if unknown:
        raise InputError(f"Ukendt(e) projektindstilling(er): {', '.join(sorted(unknown))}.")

    def work(s: Session) -> None:
        p = fetch(s, Project, ctx.project_id)
        p.settings = {**DEFAULT_SETTINGS, **(p.settings or {}), **changes}
        audit.record(
            s,
            ctx.actor,
            "project.settings",
            project_id=p.id,
            target_type="project",
            target_id=p.id,
            details=changes,
        )

    _retry.write(ctx.db, work)
