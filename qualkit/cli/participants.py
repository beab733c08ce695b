"""`qualkit participants ...`: the participant register."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import DataOpt, ProjectOpt, UserOpt, context

participants_app = typer.Typer(help="Deltagerregistret.", no_args_is_help=True)


@participants_app.command("import")
def participants_import(
    path: Path = typer.Argument(..., metavar="FILE", help="Deltagerregistret (CSV eller .xlsx)."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Vis, hvad importen ville tilføje og ændre; intet skrives."
    ),
) -> None:
    """Importér eller opdatér deltagerregistret (CSV eller .xlsx); hele filen valideres først.

    Kun filens kolonner ændres; en tom celle i en kolonne, der er med, rydder feltet."""
    from qualkit.services import participants

    ctx = context(data, user, project)
    r = participants.import_participants(ctx, path, dry_run=dry_run)
    print(r.summary_da())
    for change in r.changed[:50]:
        print(f"  {change.citizen_id}: {', '.join(change.fields)}")
    if len(r.changed) > 50:
        print(f"  ... og {len(r.changed) - 50} flere")


@participants_app.command("list")
def participants_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """Vis deltagerregistret."""
    from qualkit.services import participants
    from qualkit.tabular import format_date_dk

    ctx = context(data, user, project)
    for p in participants.list_participants(ctx):
        print(
            f"{p['citizen_id']:<10} {p['arm'] or '-':<10} {p['site'] or '-':<22} "
            f"start {format_date_dk(p['start_date'])}"
        )


@participants_app.command("withdraw")
def participants_withdraw(
    citizen_id: str = typer.Argument(..., metavar="CITIZEN_ID", help="Deltagerens projekt-ID."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Tilbagetrukket samtykke: slet personens lyd, tekst, kodninger, citater og nøgler i
    nøgleboksen, også i sikkerhedskopierne (admin; logføres)."""
    from qualkit.services.withdrawal import withdraw

    ctx = context(data, user, project)
    r = withdraw(ctx, citizen_id)
    print(
        f"{citizen_id} er trukket ud: {r.interviews} interview(s), {r.audio_files} lydfil(er) og "
        f"{r.vault_entries} nøgle(r) slettet; {r.backups_scrubbed} sikkerhedskopi(er) renset, "
        f"{r.backups_deleted} udløbet og slettet."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(participants_app, name="participants")
