"""`qualkit users add|list`: users and roles (admin only)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import DataOpt, ProjectOpt, UserOpt, context

users_app = typer.Typer(help="Users and roles (admin only).", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option(..., "--role", help="admin|evaluator|staff|writer"),
    site: str | None = typer.Option(None, "--site", help="Staff: their site."),
    display_name: str = typer.Option("", "--name"),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Add a user; prints the generated password once."""
    from qualkit.services import users

    ctx = context(data, user, project)
    password = users.new_password()
    users.create_user(ctx, username, role, password, display_name=display_name, site=site)
    print(f"User {username} ({role}) created; password: {password}")


@users_app.command("list")
def users_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """List users and roles."""
    from qualkit.services import users

    ctx = context(data, user, project)
    for u in users.list_users(ctx):
        site = f"  site={u.site}" if u.site else ""
        print(f"{u.username:<14} {u.role:<10} {'active' if u.active else 'inactive'}{site}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
