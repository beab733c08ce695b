"""`qualkit participants ...`: the participant register."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import DataOpt, ProjectOpt, UserOpt, context

participants_app = typer.Typer(help="The participant register.", no_args_is_help=True)


@participants_app.command("import")
def participants_import(
    path: Path,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Import or update the participant register (CSV or .xlsx), validated in full first."""
    from qualkit.services import participants

    ctx = context(data, user, project)
    r = participants.import_participants(ctx, path)
    print(f"{path}: {r['created']} participants added, {r['updated']} updated.")


@participants_app.command("list")
def participants_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """List the participant register."""
    from qualkit.services import participants
    from qualkit.tabular import format_date_dk

    ctx = context(data, user, project)
    for p in participants.list_participants(ctx):
        print(
            f"{p['citizen_id']:<10} {p['arm'] or '-':<10} {p['site'] or '-':<22} "
            f"start {format_date_dk(p['start_date'])}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(participants_app, name="participants")
