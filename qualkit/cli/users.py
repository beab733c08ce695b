"""`qualkit users add|list|email`: users, roles and single sign-on addresses (admin only)."""

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
    email: str | None = typer.Option(
        None, "--email", help="E-mail til single sign-on (OpenID Connect)."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Tilføj en bruger; den dannede adgangskode vises én gang."""
    from qualkit.services import users

    ctx = context(data, user, project)
    password = users.new_password()
    users.create_user(
        ctx, username, role, password, display_name=display_name, site=site, email=email
    )
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
        email = f"  e-mail={u.email}" if u.email else ""
        print(f"{u.username:<14} {u.role:<10} {'aktiv' if u.active else 'inaktiv'}{site}{email}")


@users_app.command("email")
def users_email(
    username: str = typer.Argument(..., metavar="USERNAME", help="Brugernavnet."),
    address: str = typer.Argument(
        "", metavar="[ADRESSE]", help="E-mail til single sign-on; udelad for at fjerne den."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Sæt (eller fjern) den e-mail, single sign-on kobler til brugeren."""
    from qualkit.services import users

    ctx = context(data, user, project)
    users.set_email(ctx, username, address or None)
    print(
        f"{username}: e-mail til single sign-on {'sat til ' + address if address else 'fjernet'}."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
