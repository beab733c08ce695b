"""`qualkit users add|list`: users and roles (admin only)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import DataOpt, ProjectOpt, UserOpt, context

users_app = typer.Typer(help="Brugere og roller (kun admin).", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., metavar="USERNAME", help="Brugernavnet."),
    role: str = typer.Option(..., "--role", help="admin|evaluator|staff|writer"),
    site: str | None = typer.Option(None, "--site", help="Medarbejdere: deres sted."),
    display_name: str = typer.Option("", "--name", help="Visningsnavn."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Tilføj en bruger; den dannede adgangskode vises én gang."""
    from qualkit.services import users

    ctx = context(data, user, project)
    password = users.new_password()
    users.create_user(ctx, username, role, password, display_name=display_name, site=site)
    print(f"Bruger {username} ({role}) oprettet; adgangskode: {password}")


@users_app.command("list")
def users_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """Vis brugere og roller."""
    from qualkit.services import users

    ctx = context(data, user, project)
    for u in users.list_users(ctx):
        site = f"  sted={u.site}" if u.site else ""
        print(f"{u.username:<14} {u.role:<10} {'aktiv' if u.active else 'inaktiv'}{site}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
