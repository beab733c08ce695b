"""Project-level commands: demo and serve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from ._common import DataOpt, open_db

# The ASGI entry (st.App): entry.py's app plus the session-cookie routes.
APP_FILE = Path(__file__).resolve().parents[1] / "ui" / "server.py"


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
    print(f"qualkit-appen kører på http://{address}:{port}  (Ctrl+C stopper den)", flush=True)
    import signal

    from qualkit.services.transcription_queue import local_worker

    # SIGTERM (a service manager, a test stopping the process group) must still stop the
    # worker beside the app: it runs in its own session and would otherwise be left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with local_worker(data_dir):  # SQLite: the job queue's worker runs beside the app
        return subprocess.call(cmd, env=env)


def demo(
    data: Path | None = DataOpt,
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Opret projektet uden at starte appen."
    ),
    port: int = typer.Option(8501, "--port", help="Appens port."),
) -> None:
    """Opret demoprojektet (kun første gang) og start appen."""
    from qualkit.services.demo import create_demo

    db = open_db(data)
    result = create_demo(db)
    where = (
        db.engine.url.render_as_string(hide_password=True)  # never a URL's password
        if not db.settings.is_sqlite
        else str(db.settings.data_dir)
    )
    if result.created:
        c = result.counts
        print(
            f"Demoprojektet er oprettet i {where}: {c['participants']} deltagere, {c['events']} "
            f"leverancer, {c['interviews']} interviews, {c['codebooks']} kodebøger."
        )
        print("Demobrugere (adgangskoderne vises kun nu; skriv dem ned):")
        for name, password in result.passwords.items():
            print(f"  {name:<11} {password}")
        if result.vault_passphrase:
            print(f"Nøgleboksens adgangsfrase (admin; vises kun nu): {result.vault_passphrase}")
    else:
        print(f"Demoprojektet findes allerede i {where}; intet er ændret.")
    if not no_serve:
        db.close()
        raise typer.Exit(serve_app(db.settings.data_dir, port))


def serve(
    data: Path | None = DataOpt,
    port: int = typer.Option(8501, "--port", help="Appens port."),
    address: str = typer.Option("localhost", "--address", help="Adressen, appen lytter på."),
) -> None:
    """Start appen på en eksisterende datamappe."""
    db = open_db(data)
    db.close()
    raise typer.Exit(serve_app(db.settings.data_dir, port, address))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("serve")(serve)
