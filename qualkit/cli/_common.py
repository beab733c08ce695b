"""Options and helpers shared by the commands: data folder, acting user, project."""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualkit.errors import PermissionDenied

if TYPE_CHECKING:  # the store and services load when a command runs, not at start-up
    from qualkit.config import Settings
    from qualkit.services.context import Actor, Context
    from qualkit.store import Database

DataOpt = typer.Option(
    None, "--data", help="Datamappe (ellers $QUALKIT_DATA, ellers ./qualkit-data)."
)
UserOpt = typer.Option(
    None, "--user", help="Handl som denne qualkit-bruger (ellers $QUALKIT_USER)."
)
ForceOpt = typer.Option(
    False,
    "--force",
    help="Skriv, selv om outputmappen rummer andre filer (kun qualkits egne filer skrives; "
    "intet andet røres), eller erstat en eksisterende outputfil.",
)
InterviewArg = typer.Argument(..., metavar="ID", help="Interviewets nummer (se interviews list).")
ProjectOpt = typer.Option(
    None, "--project", help="Projektets navn (standard: mappens eneste projekt)."
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


def database_key(settings: Settings) -> str:
    """Which database a saved token belongs to (its URL without password, hashed)."""
    import hashlib

    from sqlalchemy.engine import make_url

    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:32]


def resolve_actor(db: Database, user: str | None) -> Actor:
    """The acting user. A session token ($QUALKIT_TOKEN, else the one `qualkit login` saved)
    names the user; on a shared database nothing else does (--user alone is refused). The
    local SQLite folder's owner may act without one: as --user/$QUALKIT_USER, else as
    themselves (admin, audited under their OS name)."""
    from qualkit.services import auth, users
    from qualkit.userconfig import saved_token

    username = user or os.environ.get("QUALKIT_USER")
    token = os.environ.get("QUALKIT_TOKEN") or saved_token(database_key(db.settings))
    if token:
        actor = auth.resolve(db, token, auth.SessionKind.CLI)
        if actor is None:
            raise PermissionDenied(
                "Din log-ind er udløbet eller tilbagekaldt; log ind igen med 'qualkit login'."
            )
        if username and username != actor.username:
            raise PermissionDenied(
                f"Du er logget ind som {actor.username}, ikke {username}; "
                f"skift med 'qualkit login --user {username}'."
            )
        return actor
    if db.settings.is_sqlite:
        if username:
            return users.actor_for(db, username)
        return local_operator()
    if username:
        raise PermissionDenied(
            "På en delt database er --user ikke nok: log ind med "
            f"'qualkit login --user {username}' (adgangskoden spørges om), eller sæt QUALKIT_TOKEN."
        )
    raise PermissionDenied(
        "På en delt database skal du logge ind først: 'qualkit login --user NAVN'."
    )


def context(data: Path | None, user: str | None, project: str | None = None) -> Context:
    from qualkit.services import projects
    from qualkit.services.context import Context

    db = open_db(data)
    return Context(db, resolve_actor(db, user), projects.find_project(db, project))
