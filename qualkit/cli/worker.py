"""`qualkit worker`: run queued jobs (transcription) on this machine.

On PostgreSQL any number of workers, on any machine that reaches the database, share the
queue; on SQLite `qualkit serve`/`demo` start one beside the app, and this command runs
another on the same data folder.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import typer

from ._common import DataOpt, open_db


def worker(
    data: Path | None = DataOpt,
    concurrency: int = typer.Option(
        1, "--concurrency", min=1, max=16, help="Job, som denne worker kører ad gangen."
    ),
    queues: str = typer.Option(
        "transcription", "--queues", metavar="Q,...", help="Køer, der hentes job fra."
    ),
    idle_exit: float | None = typer.Option(
        None,
        "--idle-exit",
        metavar="SECONDS",
        help="Stop efter så mange sekunder uden noget at lave.",
    ),
    nice: int = typer.Option(
        0,
        "--nice",
        min=0,
        max=19,
        metavar="N",
        help="Lavere CPU-prioritet (0-19) til en worker ved siden af appen på samme maskine.",
    ),
    parent: int | None = typer.Option(
        None,
        "--parent",
        metavar="PID",
        hidden=True,
        help="Stop, når denne proces (appen, der startede workeren) ikke kører mere.",
    ),
) -> None:
    """Kør job i køen (transskriptioner), til den stoppes med Ctrl+C."""
    import logging
    import os

    if nice:
        # A worker on the app's machine yields the cores to the app: coders are not kept
        # waiting while a long recording is transcribed (the job takes the idle time).
        os.nice(nice)

    from qualkit.errors import InputError
    from qualkit.services import transcription  # noqa: F401  (registers the tasks)
    from qualkit.services import transcription_queue as queue

    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(names) - set(queue.QUEUES))
    if unknown:
        raise InputError(
            f"--queues: ukendt kø {', '.join(unknown)}; kendte køer: {', '.join(queue.QUEUES)}."
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    db = open_db(data)
    where = "PostgreSQL" if not db.settings.is_sqlite else str(db.settings.data_dir)
    print(
        f"qualkit worker {queue.worker_name()}: køer {', '.join(names)}, "
        f"{concurrency} ad gangen, database {where}",
        flush=True,
    )
    stop = stop_with_parent(parent) if parent else None
    try:
        queue.run_worker(db, names, concurrency, stop=stop, idle_exit=idle_exit)
    except KeyboardInterrupt:
        print("qualkit worker: stoppet", flush=True)
    finally:
        db.close()


def stop_with_parent(pid: int, every: float = 2.0) -> threading.Event:
    """An event set once process ``pid`` (the app that started this worker) is gone, even if
    it was killed without a word: a worker of a closed app must not run on by itself.
    (A job in flight finishes first; the worker then takes no new one.)"""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every):
            if os.getppid() != pid:
                logging.getLogger(__name__).info("the app (pid %s) is gone; the worker stops", pid)
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    return stop


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
