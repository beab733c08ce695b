"""Project-level commands: demo, serve, users, participants, interviews."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from qualkit.services import delivery, interviews, participants, users
from qualkit.services.demo import create_demo
from qualkit.tabular import format_date_dk

from ._common import DataOpt, ProjectOpt, UserOpt, context, open_db

APP_FILE = Path(__file__).resolve().parents[1] / "ui" / "entry.py"


def serve_app(data_dir: Path, port: int = 8501, address: str = "localhost") -> int:
    """Start the Streamlit app on this data folder (blocks until it stops)."""
    env = {**os.environ, "QUALKIT_DATA": str(data_dir)}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_FILE),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    print(f"qualkit app on http://{address}:{port}  (Ctrl+C stops it)", flush=True)
    return subprocess.call(cmd, env=env)


def demo(
    data: Path | None = DataOpt,
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Create the project, do not start the app."
    ),
    port: int = typer.Option(8501, "--port", help="Port for the app."),
) -> None:
    """Create the demo project (idempotent) and start the app."""
    db = open_db(data)
    result = create_demo(db)
    where = db.settings.database_url if not db.settings.is_sqlite else str(db.settings.data_dir)
    if result.created:
        c = result.counts
        print(
            f"Demo project created in {where}: {c['participants']} participants, {c['events']} "
            f"delivery events, {c['interviews']} interviews, {c['codebooks']} codebooks."
        )
        print("Demo users (passwords are shown only now; write them down):")
        for name, password in result.passwords.items():
            print(f"  {name:<11} {password}")
        if result.vault_passphrase:
            print(f"Key vault passphrase (admin; shown only now): {result.vault_passphrase}")
    else:
        print(f"The demo project already exists in {where}; nothing was changed.")
    if not no_serve:
        db.close()
        raise typer.Exit(serve_app(db.settings.data_dir, port))


def serve(
    data: Path | None = DataOpt,
    port: int = typer.Option(8501, "--port"),
    address: str = typer.Option("localhost", "--address"),
) -> None:
    """Start the app on an existing data folder."""
    db = open_db(data)
    db.close()
    raise typer.Exit(serve_app(db.settings.data_dir, port, address))


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
    ctx = context(data, user, project)
    password = users.new_password()
    users.create_user(ctx, username, role, password, display_name=display_name, site=site)
    print(f"User {username} ({role}) created; password: {password}")


@users_app.command("list")
def users_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """List users and roles."""
    ctx = context(data, user, project)
    for u in users.list_users(ctx):
        site = f"  site={u['site']}" if u["site"] else ""
        print(
            f"{u['username']:<14} {u['role']:<10} {'active' if u['active'] else 'inactive'}{site}"
        )


interviews_app = typer.Typer(help="Interviews and transcripts.", no_args_is_help=True)


@interviews_app.command("list")
def interviews_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """List the project's interviews."""
    ctx = context(data, user, project)
    for iv in interviews.list_interviews(ctx):
        print(
            f"{iv['id']:>4}  {format_date_dk(iv['date']):<10}  {iv['status']:<12} "
            f"{iv['segments']:>4} segm.  {iv['title']}"
        )


@interviews_app.command("show")
def interviews_show(
    interview_id: int,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Print one transcript in the transcript text format."""
    from qualkit.transcripts.textformat import Turn, format_transcript

    ctx = context(data, user, project)
    t = interviews.get_transcript(ctx, interview_id)
    turns = [Turn(s["speaker"], s["text"], s["start"]) for s in t["segments"]]
    sys.stdout.write(format_transcript(turns))


@interviews_app.command("import")
def interviews_import(
    path: Path,
    title: str | None = typer.Option(None, "--title"),
    citizen_id: str | None = typer.Option(None, "--citizen"),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Import a transcript made elsewhere (.txt or .docx in the transcript format)."""
    ctx = context(data, user, project)
    iid = interviews.import_text(ctx, path, title=title or path.stem, citizen_id=citizen_id)
    print(f"Imported {path} as interview {iid}.")


participants_app = typer.Typer(help="The participant register.", no_args_is_help=True)


@participants_app.command("import")
def participants_import(
    path: Path,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Import or update the participant register (CSV or .xlsx), validated in full first."""
    ctx = context(data, user, project)
    r = participants.import_participants(ctx, path)
    print(f"{path}: {r['created']} participants added, {r['updated']} updated.")


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


events_app = typer.Typer(help="The delivery log.", no_args_is_help=True)


@events_app.command("import")
def events_import(
    path: Path,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Import delivery events (CSV or .xlsx), validated in full first."""
    ctx = context(data, user, project)
    n = delivery.import_events(ctx, path)
    print(f"{path}: {n} delivery events added.")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(interviews_app, name="interviews")
    app.add_typer(participants_app, name="participants")
    app.add_typer(events_app, name="events")
