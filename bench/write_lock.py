"""How long the long imports hold the write lock, and what a staff log entry waits meanwhile.

Builds the demo project in a temporary SQLite folder (or on $QUALKIT_DATABASE_URL), then
for a register of N new citizens (one transaction, as the report and --dry-run need it
whole, but planned before it: the lock is held only for the re-read and the bulk write)
and a delivery log of N events (committed in batches of IMPORT_BATCH), runs the import in
one thread while another logs staff entries one after another; prints the import's time and
the staff entries' median and slowest wait, in milliseconds. Every entry must succeed.

    .venv/bin/python bench/write_lock.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qualkit.services import delivery, participants  # noqa: E402
from qualkit.services.context import SYSTEM, Context  # noqa: E402
from qualkit.services.demo import create_demo  # noqa: E402
from qualkit.services.users import actor_for  # noqa: E402
from qualkit.store import Database  # noqa: E402


def _during(db: Database, pid: int, run, day0: int) -> tuple[float, list[float]]:
    staff = Context(db, actor_for(db, "staff"), pid)
    waits: list[float] = []
    done = threading.Event()

    def log() -> None:
        n = day0
        while not done.is_set():
            t0 = time.perf_counter()
            delivery.log_event(staff, "B03", "jk_moede", date(2025, 1, 1) + timedelta(days=n % 600))
            waits.append(time.perf_counter() - t0)
            n += 1

    th = threading.Thread(target=log)
    th.start()
    t0 = time.perf_counter()
    run()
    took = time.perf_counter() - t0
    done.set()
    th.join()
    return took, waits


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "data", os.environ.get("QUALKIT_DATABASE_URL"))
        pid = create_demo(db).project_id
        admin = Context(db, SYSTEM, pid)
        reg = Path(tmp) / "register.csv"
        reg.write_text(
            "citizen_id;site;arm\n"
            + "".join(f"R{i:05d};Rehabilitering Nord;indsats\n" for i in range(args.rows)),
            encoding="utf-8",
        )
        log = Path(tmp) / "log.csv"
        start = date(2024, 1, 1)
        log.write_text(
            "citizen_id;date;component;minutes\n"
            + "".join(
                f"R{i % args.rows:05d};{(start + timedelta(days=i % 400)).strftime('%d-%m-%Y')};"
                f"jk_moede;{30 + i % 7}\n"
                for i in range(args.rows)
            ),
            encoding="utf-8",
        )
        for name, run, day0 in (
            ("register import", lambda: participants.import_participants(admin, reg), 0),
            ("event import", lambda: delivery.import_events(admin, str(log)), 500),
        ):
            took, waits = _during(db, pid, run, day0)
            print(
                f"{name:16s} {args.rows} rows: {took * 1000:8.0f} ms; staff entries during it: "
                f"{len(waits)}, median wait {statistics.median(waits) * 1000:.0f} ms, "
                f"slowest {max(waits) * 1000:.0f} ms"
            )
        db.close()


if __name__ == "__main__":
    main()
