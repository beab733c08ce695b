"""`qualkit participants ...`: the participant register."""

from __future__ import annotations

from pathlib import Path

import typer

from qualkit.services import participants
from qualkit.tabular import format_date_dk

from ._common import DataOpt, ProjectOpt, UserOpt, context

participants_app = typer.Typer(help="The participant register.", no_args_is_help=True)


@participants_app.command("import")
def participants_import(
    path: Path,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what the import would add and change; write nothing."
    ),
) -> None:
    """Import or update the participant register (CSV or .xlsx), validated in full first.

    Only the columns in the file are changed; an empty cell in a present column clears it."""
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
    ctx = context(data, user, project)
    for p in participants.list_participants(ctx):
        print(
            f"{p['citizen_id']:<10} {p['arm'] or '-':<10} {p['site'] or '-':<22} "
            f"start {format_date_dk(p['start_date'])}"
        )


@participants_app.command("withdraw")
def participants_withdraw(
    citizen_id: str,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Withdrawal of consent: delete the person's audio, text, codings, quotes and vault
    entries, also from the backups (admin; audited)."""
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
