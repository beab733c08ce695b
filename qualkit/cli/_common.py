"""Options and helpers shared by the commands: data folder, acting user, project."""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualkit.errors import InputError

if TYPE_CHECKING:  # the store and services load when a command runs, not at start-up
    from qualkit.services.context import Actor, Context
    from qualkit.store import Database

DataOpt = typer.Option(
    None, "--data", help="Data folder (else $QUALKIT_DATA, else ./qualkit-data)."
)
UserOpt = typer.Option(None, "--user", help="Act as this qualkit user (else $QUALKIT_USER).")
ProjectOpt = typer.Option(
    None, "--project", help="Project name (default: the folder's only project)."
)


def open_db(data: Path | None) -> Database:
    from qualkit.store import Database

    return Database.open(data)


def local_operator() -> Actor:
    """Whoever holds the SQLite data folder on disk can read it all anyway; they act as admin,
    audited under their OS user name. A server database (PostgreSQL) needs --user."""
    from qualkit.services.context import Actor

    try:
        name = getpass.getuser()
    except (KeyError, OSError) as exc:  # no login name and no passwd entry (a bare container)
        logging.getLogger(__name__).warning("OS user name unknown (%s)", type(exc).__name__)
        name = "unknown"
    return Actor(None, f"local:{name}", "admin")


def resolve_actor(db: Database, user: str | None) -> Actor:
    """The acting user: --user, else $QUALKIT_USER, else the local operator (SQLite only)."""
    from qualkit.services import users

    username = user or os.environ.get("QUALKIT_USER")
    if username:
        return users.actor_for(db, username)
    if db.settings.is_sqlite:
        return local_operator()
    raise InputError("A server database needs --user NAME (or $QUALKIT_USER) to act as.")


def context(data: Path | None, user: str | None, project: str | None = None) -> Context:
    from qualkit.services import projects
    from qualkit.services.context import Context

    db = open_db(data)
    return Context(db, resolve_actor(db, user), projects.find_project(db, project))
