"""Start-up of the command line (issue 12): wall time of whole commands in fresh processes.

Targets on the 2-core development machine: `qualkit --help` <= 0.4 s, `qualkit deid` of one
sentence <= 1.5 s, `qualkit tally` of 10,000 citizens x 500,000 events <= 2.5 s (start-up,
read, validate, tally, write). Prints the median of --repeat runs (default 5) and the load
average, because the machine is shared and a loaded machine is slower.

    .venv/bin/python bench/cli_startup.py [--repeat 5] [--skip-tally]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

SENTENCE = "Jeg mødtes med Mette Hansen fra Jobcenter Aarhus, og hun ringede på 20 30 40 50.\n"
TARGETS = {"help": 0.4, "deid": 1.5, "tally": 2.5}


def qualkit_command() -> list[str]:
    script = Path(sys.executable).with_name("qualkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "qualkit"]


def median_wall(
    cmd: list[str] | Callable[[int], list[str]], repeat: int, warm: int = 1
) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command; the first
    ``warm`` runs fill the OS file cache and are not counted. On a machine shared with other
    work the CPU time is the better estimate of the wall time on an idle one."""
    walls, cpus = [], []
    for i in range(warm + repeat):
        args = cmd(i) if callable(cmd) else cmd
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= warm:
            walls.append(wall)
            cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-tally", action="store_true")
    args = ap.parse_args()
    qk = qualkit_command()
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results["help"] = median_wall([*qk, "--help"], args.repeat)
        text = folder / "one.txt"
        text.write_text(SENTENCE, encoding="utf-8")
        results["deid"] = median_wall([*qk, "deid", str(text)], args.repeat)
        if not args.skip_tally:
            from tally_scale import PROTOCOL, make_data

            pp, ep = make_data(folder, 10_000, 500_000)

            def tally_cmd(i: int) -> list[str]:
                return [
                    *qk,
                    "tally",
                    "--participants",
                    str(pp),
                    "--events",
                    str(ep),
                    "--protocol",
                    str(PROTOCOL),
                    "--out",
                    str(folder / f"out{i}"),
                ]

            results["tally"] = median_wall(tally_cmd, args.repeat)
    load = os.getloadavg()[0]
    for name, (wall, cpu) in results.items():
        verdict = "ok" if wall <= TARGETS[name] else "OVER"
        print(
            f"cli_startup {name:<6} wall median {wall:.2f} s, CPU median {cpu:.2f} s "
            f"(target <= {TARGETS[name]} s wall) {verdict}"
        )
    print(f"median of {args.repeat} runs each; load average {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
