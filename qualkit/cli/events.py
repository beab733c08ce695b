"""`qualkit events import`: the delivery log."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import DataOpt, ProjectOpt, UserOpt, context

events_app = typer.Typer(help="Leveranceloggen.", no_args_is_help=True)


@events_app.command("import")
def events_import(
    path: Path = typer.Argument(..., metavar="FILE", help="Leveranceloggen (CSV eller .xlsx)."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Importér leverancer (CSV eller .xlsx); hele filen valideres først."""
    from qualkit.services import delivery

    ctx = context(data, user, project)
    n = delivery.import_events(ctx, path)
    print(f"{path}: {n} leverancer tilføjet.")


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events")
