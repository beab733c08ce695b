"""`qualkit backups list|create|prune` and `qualkit upgrade [--i-have-a-backup]`.

SQLite backups are online, verified copies in ``<data>/backups`` (store/backups.py);
a PostgreSQL database is backed up with ``pg_dump``, and its schema is upgraded only
after the admin says so (``--i-have-a-backup``) or ``QUALKIT_PG_DUMP_COMMAND`` is set.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualkit.errors import InputError
from qualkit.services.permissions import require

from ._common import DataOpt, UserOpt, resolve_actor

if TYPE_CHECKING:  # the store loads when a command runs, not at start-up
    from qualkit.store import Database

backups_app = typer.Typer(help="Sikkerhedskopier af projektdatabasen.", no_args_is_help=True)


def _admin_db(data: Path | None, user: str | None, upgrade: bool = False) -> Database:
    from qualkit.store import Database

    db = Database.open(data, upgrade=upgrade)
    require(resolve_actor(db, user), "backup")
    return db


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB".replace(".", ",") if n >= 100_000 else f"{n / 1e3:.0f} kB"


@backups_app.command("list")
def list_cmd(data: Path | None = DataOpt, user: str | None = UserOpt) -> None:
    """Sikkerhedskopierne i datamappen, ældste først."""
    from qualkit.store import backups

    db = _admin_db(data, user)
    try:
        found = backups.list_backups(db.settings.data_dir)
        if not db.settings.is_sqlite:
            print("PostgreSQL: sikkerhedskopier tages med pg_dump (se `qualkit upgrade --help`).")
        if not found:
            print(f"Ingen sikkerhedskopier i {db.settings.data_dir / backups.FOLDER}.")
        for b in found:
            when = b.created.astimezone().strftime("%d-%m-%Y %H:%M:%S")
            print(f"{when}  {b.reason:<22} {_size(b.size):>9}  {b.path}")
    finally:
        db.close()


@backups_app.command("create")
def create_cmd(data: Path | None = DataOpt, user: str | None = UserOpt) -> None:
    """Tag en sikkerhedskopi nu (SQLite; med appen åben)."""
    from qualkit.store import backups

    db = _admin_db(data, user, upgrade=True)
    try:
        if db.settings.sqlite_path is None:
            raise InputError("PostgreSQL: tag sikkerhedskopien med pg_dump.")
        b = backups.backup_sqlite(db.settings.sqlite_path, db.settings.data_dir, "manuel")
        print(f"Sikkerhedskopi kontrolleret og gemt: {b.path} ({_size(b.size)}).")
    finally:
        db.close()


@backups_app.command("prune")
def prune_cmd(
    older_than: int | None = typer.Option(
        None, "--older-than", help="Dage (standard: QUALKIT_BACKUP_KEEP_DAYS, ellers 90)."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
) -> None:
    """Slet sikkerhedskopier ældre end udløbsfristen (den nyeste beholdes altid)."""
    from qualkit.store import backups

    db = _admin_db(data, user)
    try:
        gone = backups.expire(db.settings.data_dir, older_than)
        print(f"{len(gone)} sikkerhedskopi(er) slettet.")
    finally:
        db.close()


def upgrade_cmd(
    i_have_a_backup: bool = typer.Option(
        False,
        "--i-have-a-backup",
        help="PostgreSQL: Jeg har taget en sikkerhedskopi af databasen med pg_dump; opgradér skemaet nu.",
    ),
    data: Path | None = DataOpt,
) -> None:
    """Opgradér databasens skema (SQLite: med kontrolleret sikkerhedskopi først)."""
    from qualkit.store import Database

    db = Database.open(data, i_have_a_backup=i_have_a_backup)
    where = f" Sikkerhedskopi: {db.backup}." if db.backup else ""
    print(f"Databasen er på nyeste skema.{where}")
    db.close()


def register(app: typer.Typer) -> None:
    app.add_typer(backups_app, name="backups")
    app.command("upgrade")(upgrade_cmd)
