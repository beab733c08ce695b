"""REFI-QDA import and export time: the MAXQDA file of ../shared/data/refi (10 sources, 307
codes, 1,471 lines) and a synthetic project of 100 sources and 20,000 codings by two coders.

Each is imported (attested as de-identified) into a fresh SQLite folder, or
$QUALKIT_DATABASE_URL, and exported again as the system administrator (every coder's codings
and the consensus layer). Prints one line per case: wall-clock and CPU seconds (the CPU figure is the steadier one
on a shared machine).

    .venv/bin/python bench/refi_exchange.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qualkit.exports.qdpx import (  # noqa: E402
    QdaCode,
    QdaCoding,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    guid_for,
    write_qdpx,
)
from qualkit.services import exchange  # noqa: E402
from qualkit.services.context import SYSTEM, Context  # noqa: E402
from qualkit.store import Database  # noqa: E402

MAXQDA = REPO.parent / "shared" / "data" / "refi" / "paper_themes-ICLS_just10-maxqda24.qdpx"
WORDS = "jeg og det var at så en til med jobkonsulenten borgeren planen møde arbejde 😀".split()


def synthetic(path: Path, sources: int = 100, codings: int = 20_000) -> Path:
    rng = random.Random(15)
    users = [QdaUser(guid_for("bench-user", n), n) for n in ("koder1", "koder2")]
    codes = [QdaCode(guid_for("bench-code", i), f"Kode {i}") for i in range(40)]
    project = QdaProject("Syntetisk", users, codes, origin="bench; positions=utf16")
    per = codings // sources
    for i in range(sources):
        lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))) for _ in range(300)]
        text = "\n".join(lines) + "\n"
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        src = QdaSource(guid_for("bench-source", i), f"Kilde {i}", text)
        for j in range(per):
            a = rng.randrange(len(lines) - 2)
            b = a + rng.randint(0, 2)
            src.selections.append(
                QdaSelection(
                    guid_for("bench-sel", i, j),
                    starts[a],
                    starts[b] + len(lines[b]),
                    [QdaCoding(rng.choice(codes).guid, users[j % 2].guid)],
                    users[j % 2].guid,
                )
            )
        project.sources.append(src)
    write_qdpx(project, path)
    return path


def run(label: str, path: Path, folder: Path) -> None:
    db = Database.open(folder, os.environ.get("QUALKIT_DATABASE_URL") or None)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        result = exchange.import_qdpx(db, SYSTEM, path, deidentified=True)
        t1, c1 = time.perf_counter(), time.process_time()
        out = exchange.export_qdpx(Context(db, SYSTEM, result.project_id), folder / "out.qdpx")
        t2, c2 = time.perf_counter(), time.process_time()
    finally:
        db.close()
    c = result.counts
    print(
        f"{label}: import {t1 - t0:.2f} s (CPU {c1 - c0:.2f} s; {c['sources']} sources, "
        f"{c['segments']} segments, {c['codings']} codings), export {t2 - t1:.2f} s "
        f"(CPU {c2 - c1:.2f} s; {out.counts['codings']} selections)"
    )


def main() -> None:
    from qualkit.exports import safety

    safety._detector()  # load the recognisers once, outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if MAXQDA.exists():
            run("MAXQDA 24 file", MAXQDA, root / "maxqda")
        else:
            print(f"MAXQDA file: skipped ({MAXQDA} is absent)")
        run("synthetic 100 sources / 20,000 codings", synthetic(root / "syn.qdpx"), root / "syn")


if __name__ == "__main__":
    main()
