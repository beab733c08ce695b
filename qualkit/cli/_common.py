"""Options and helpers shared by the commands: data folder, acting user, project."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import typer

from qualkit.services import projects, users
from qualkit.services.context import Actor, Context
from qualkit.store import Database

DataOpt = typer.Option(None, "--data", help="Data folder (else $QUALKIT_DATA, else ./qualkit-data).")
UserOpt = typer.Option(None, "--user", help="Act as this qualkit user (else $QUALKIT_USER).")
ProjectOpt = typer.Option(None, "--project", help="Project name (default: the folder's only project).")


def open_db(data: Path | None) -> Database:
    return Database.open(data)


def local_operator() -> Actor:
    """Whoever holds the SQLite data folder on disk can read it all anyway; they act as admin,
    audited under their OS user name. A server database (PostgreSQL) needs --user."""
    try:
        name = getpass.getuser()
    except Exception:
        name = "unknown"
    return Actor(None, f"local:{name}", "admin")


def context(data: Path | None, user: str | None, project: str | None = None) -> Context:
    db = open_db(data)
    username = user or os.environ.get("QUALKIT_USER")
    if username:
        actor = users.actor_for(db, username)
    elif db.settings.is_sqlite:
        actor = local_operator()
    else:
        from qualkit.errors import InputError

        raise InputError("A server database needs --user NAME (or $QUALKIT_USER) to act as.")
    return Context(db, actor, projects.find_project(db, project))
