"""`qualkit login [--user NAME]` and `qualkit logout`: the CLI's authenticated identity.

On a shared database (``QUALKIT_DATABASE_URL``) every command acts as the user who logged
in: the password is asked for (read from stdin when it is not a terminal), a revocable,
expiring session token goes into a 0600 file under the user's config folder
(``qualkit.userconfig``), or a script passes it in ``$QUALKIT_TOKEN``.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import typer

from qualkit.errors import InputError

from ._common import DataOpt, database_key, open_db


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Adgangskode: ")
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def login(
    data: Path | None = DataOpt,
    user: str | None = typer.Option(None, "--user", help="Brugernavn (ellers $QUALKIT_USER)."),
) -> None:
    """Log ind: spørger om adgangskoden og gemmer en sessionsnøgle til de næste kommandoer."""
    from qualkit.services import auth
    from qualkit.userconfig import save_token

    username = user or os.environ.get("QUALKIT_USER")
    if not username:
        if not sys.stdin.isatty():
            raise InputError("Angiv brugeren med --user NAVN.")
        username = input("Brugernavn: ").strip()
    password = _read_password()
    db = open_db(data)
    try:
        result = auth.log_in(db, username, password, auth.SessionKind.CLI)
        path = save_token(database_key(db.settings), result.token)
    finally:
        db.close()
    until = result.expires_at.astimezone().strftime("%d-%m-%Y %H:%M")
    print(
        f"Logget ind som {result.actor.username} ({result.actor.role}) til {until}; nøgle i {path}."
    )


def logout(data: Path | None = DataOpt) -> None:
    """Log ud: tilbagekalder sessionsnøglen og glemmer den."""
    from qualkit.services import auth
    from qualkit.userconfig import save_token, saved_token

    db = open_db(data)
    try:
        key = database_key(db.settings)
        token = os.environ.get("QUALKIT_TOKEN") or saved_token(key)
        revoked = auth.log_out(db, token)
        save_token(key, None)
    finally:
        db.close()
    print("Logget ud." if revoked else "Du var ikke logget ind.")


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
