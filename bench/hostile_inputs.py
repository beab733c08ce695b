"""Hostile inputs (issue 11): how fast and how lean every reader refuses a broken or hostile file.

Runs each file of the corpus in tests/hostile/ through its reader functions REPEAT times
(after one untimed warm-up), and prints
per reader the number of inputs, the median and the worst refusal time, and the largest
Python-level memory peak (tracemalloc); with --cli each file once more through the command
line in a fresh process (start-up included); then the same for a batch of generated inputs (the
Hypothesis strategies of tests/test_hostile_corpus.py drawn without shrinking).

    python bench/hostile_inputs.py [--repeat 5] [--generated 300] [--cli]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qualkit.errors import QualkitError  # noqa: E402
from tests.test_hostile_corpus import CORPUS, HOSTILE, commands, readers  # noqa: E402


def timed(fn) -> tuple[float, int, bool]:
    tracemalloc.start()
    t0 = time.perf_counter()
    refused = False
    try:
        fn()
    except QualkitError:
        refused = True
    took = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return took, peak, refused


def readers_bench(repeat: int) -> int:
    stats: dict[str, list[tuple[float, int]]] = defaultdict(list)
    accepted = []
    for path in CORPUS:
        for read in readers(path.parent.name, path):
            timed(read)  # warm-up: imports are not what is measured
            for _ in range(repeat):
                took, peak, refused = timed(read)
                stats[path.parent.name].append((took, peak))
                if not refused:
                    accepted.append(path)
    print(f"{'reader':<12} {'runs':>5} {'median ms':>10} {'max ms':>8} {'peak MiB':>9}")
    total = 0
    for kind, runs in sorted(stats.items()):
        times = [t for t, _ in runs]
        total += len(runs)
        print(
            f"{kind:<12} {len(runs):>5} {statistics.median(times) * 1000:>10.2f} "
            f"{max(times) * 1000:>8.1f} {max(p for _, p in runs) / 2**20:>9.1f}"
        )
    if accepted:
        print(f"NOT REFUSED: {sorted({str(p) for p in accepted})}")
    return total


def cli_bench() -> int:
    """Each corpus file through the command line in a fresh process (start-up included)."""
    times: dict[str, list[float]] = defaultdict(list)
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        from qualkit.services import participants, projects
        from qualkit.services.context import SYSTEM, Context
        from qualkit.store import Database

        db = Database.open(data)
        ctx = Context(db, SYSTEM, projects.create_project(db, SYSTEM, "Bench", ""))
        participants.import_participants(ctx, REPO / "demo" / "participants.csv")
        db.close()
        for path in CORPUS:
            for args in commands(path.parent.name, path, data, Path(tmp) / "out"):
                t0 = time.perf_counter()
                done = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import sys; from qualkit.cli import main; sys.exit(main(sys.argv[1:]))",
                        *args,
                    ],
                    capture_output=True,
                    text=True,
                    env={
                        "QUALKIT_TMPDIR": str(Path(tmp) / "t"),
                        "PATH": "/usr/bin:/bin",
                        "HOME": tmp,
                    },
                )
                times[path.parent.name].append(time.perf_counter() - t0)
                if done.returncode == 0 or "Traceback" in done.stderr:
                    bad.append(
                        (str(path.relative_to(HOSTILE)), done.returncode, done.stderr[-200:])
                    )
    print(f"\n{'command line':<12} {'runs':>5} {'median s':>10} {'max s':>8}")
    n = 0
    for kind, ts in sorted(times.items()):
        n += len(ts)
        print(f"{kind:<12} {len(ts):>5} {statistics.median(ts):>10.2f} {max(ts):>8.2f}")
    for b in bad:
        print("NOT REFUSED CLEANLY:", b)
    return n


def generated_bench(n: int) -> int:
    from hypothesis import strategies as st  # noqa: F401

    from qualkit.delivery import frames
    from qualkit.delivery.events import read_events
    from qualkit.delivery.register import read_participants
    from tests.test_hostile_corpus import csv_texts

    strategy = csv_texts()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.csv"
        for _ in range(n):
            path.write_text(strategy.example(), encoding="utf-8")
            for reader in (
                read_participants,
                read_events,
                frames.read_participants_frame,
                frames.read_events_frame,
            ):
                took, _, _ = timed(lambda reader=reader: reader(path))
                times.append(took)
    print(
        f"\ngenerated tables: {n} inputs x 4 readers, median {statistics.median(times) * 1000:.2f} "
        f"ms, max {max(times) * 1000:.1f} ms"
    )
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--generated", type=int, default=300)
    ap.add_argument("--cli", action="store_true", help="also each file through the CLI (slow)")
    a = ap.parse_args()
    import warnings

    warnings.filterwarnings("ignore")
    total = readers_bench(a.repeat)
    cli = cli_bench() if a.cli else 0
    gen = generated_bench(a.generated) if a.generated else 0
    print(
        f"\ninputs tried: {len(CORPUS)} corpus files ({total} reader runs, {cli} command runs), "
        f"{gen} generated tables"
    )


if __name__ == "__main__":
    main()
