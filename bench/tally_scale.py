"""Scale of `qualkit tally`: 10,000 citizens and 500,000 events (issue 6: < 5 s, < 1 GB).

Writes a synthetic register and log (Danish CSV) to a temp folder, then runs the whole
command (read, validate, tally, write) three times in a fresh process each, and prints the
median wall time and the peak resident memory of those processes.

    python bench/tally_scale.py [--citizens 10000] [--events 500000]
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
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
PROTOCOL = REPO / "codebooks" / "protocol_tki2.yaml"


def make_data(folder: Path, n_citizens: int, n_events: int, seed: int = 6) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:06d}" for i in range(n_citizens)])
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n_citizens), unit="D")
    eligible = rng.random(n_citizens) > 0.1
    randomised = eligible & (rng.random(n_citizens) > 0.2)
    arm = np.where(randomised, np.where(rng.random(n_citizens) < 0.5, "indsats", "kontrol"), "")
    p = pd.DataFrame(
        {
            "citizen_id": ids,
            "arm": arm,
            "site": rng.choice(["Nord", "Syd", "Øst", "Vest"], n_citizens),
            "screened_date": (start - pd.Timedelta(days=14)).strftime("%d-%m-%Y"),
            "eligible": np.where(eligible, "ja", "nej"),
            "exclusion_reason": np.where(
                eligible, "", rng.choice(["for syg", "flyttet"], n_citizens)
            ),
            "randomised_date": np.where(
                randomised, (start - pd.Timedelta(days=5)).strftime("%d-%m-%Y"), ""
            ),
            "start_date": np.where(randomised, start.strftime("%d-%m-%Y"), ""),
            "end_date": np.where(
                randomised, (start + pd.Timedelta(days=300)).strftime("%d-%m-%Y"), ""
            ),
            "køn": rng.choice(["kvinde", "mand"], n_citizens),
            "alder": rng.integers(20, 65, n_citizens),
        }
    )
    # Deliveries go to the intervention arm (a few strays are left for the checks to find).
    treated = np.flatnonzero(arm == "indsats")
    who = treated[rng.integers(0, len(treated), n_events)]
    stray = rng.random(n_events) < 0.001
    who[stray] = rng.integers(0, n_citizens, int(stray.sum()))
    when = start[who] + pd.to_timedelta(rng.integers(-5, 320, n_events), unit="D")
    comps = ["trepartssamtale", "plan_dokumenteret", "jk_moede", "jobrettet_aktivitet", "ukendt"]
    e = pd.DataFrame(
        {
            "citizen_id": ids[who],
            "date": when.strftime("%d-%m-%Y"),
            "component": rng.choice(comps, n_events, p=[0.1, 0.1, 0.6, 0.1995, 0.0005]),
            "staff_role": "jobkonsulent",
            "staff_id": rng.choice([f"JK{i}" for i in range(40)], n_events),
            "minutes": rng.integers(10, 120, n_events).astype(str).astype(object),
            "mode": rng.choice(["fremmøde", "telefon", "video"], n_events),
            "status": rng.choice(["", "udeblevet", "aflyst"], n_events, p=[0.9, 0.06, 0.04]),
            "note": "",
        }
    )
    e.loc[e.index[::997], "minutes"] = "45,5"
    pp, ep = folder / "participants.csv", folder / "events.csv"
    p.to_csv(pp, sep=";", index=False, encoding="utf-8-sig")
    e.to_csv(ep, sep=";", index=False, encoding="utf-8-sig")
    return pp, ep


def run_once(pp: Path, ep: Path, out: Path) -> tuple[float, float]:
    code = (
        "import sys, resource; from qualkit.cli import main; rc = main(sys.argv[1:]); "
        "print('RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "tally",
            "--participants",
            str(pp),
            "--events",
            str(ep),
            "--protocol",
            str(PROTOCOL),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss_kb = int(
        next(line.split()[1] for line in res.stdout.splitlines() if line.startswith("RSS_KB"))
    )
    return wall, cpu, rss_kb / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--citizens", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pp, ep = make_data(folder, args.citizens, args.events)
        print(
            f"data: {args.citizens} citizens, {args.events} events "
            f"({ep.stat().st_size / 1e6:.1f} MB log)"
        )
        walls, cpus, rss = [], [], []
        for i in range(args.repeat):
            w, c, r = run_once(pp, ep, folder / f"out{i}")
            walls.append(w)
            cpus.append(c)
            rss.append(r)
            print(f"  run {i + 1}: wall {w:.2f} s, CPU {c:.2f} s, peak RSS {r:.0f} MB")
        # In-process time without interpreter start-up and imports, for reference.
        from qualkit.cli import main as qmain

        t0 = time.perf_counter()
        qmain(
            [
                "tally",
                "--participants",
                str(pp),
                "--events",
                str(ep),
                "--protocol",
                str(PROTOCOL),
                "--out",
                str(folder / "out_inproc"),
            ]
        )
        inproc = time.perf_counter() - t0
        print(
            f"tally_scale: wall median {statistics.median(walls):.2f} s, CPU median "
            f"{statistics.median(cpus):.2f} s (whole command in a fresh process: start-up, read, "
            f"validate, tally, write), peak RSS max {max(rss):.0f} MB; in-process wall "
            f"{inproc:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
