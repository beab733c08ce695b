"""The Ishøj chart (seed 003) and the back-pain table (seed 002) as `qualkit tally` prints them,
from the test builders whose every invented number is named (tests/delivery_builders.py):
flow.csv, checks.csv and the head of summary.csv, to set beside the seeds' own numbers.

    .venv/bin/python bench/seed_charts.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qualkit.cli import main as qualkit  # noqa: E402
from tests.delivery_builders import (  # noqa: E402
    BACKPAIN_REPORTED,
    ISHOEJ_REPORTED,
    backpain,
    ishoej_full,
    with_reported,
)

AS_OF = {
    "follow_up: {from: randomised_date, days: 548}": (
        "follow_up: {from: randomised_date, days: 548, as_of: 2019-06-01}"
    )
}


def main() -> None:
    cases = (
        ("ishoej", ishoej_full, "protocol_ishoej.yaml", ISHOEJ_REPORTED, AS_OF),
        ("backpain", backpain, "protocol_backpain.yaml", BACKPAIN_REPORTED, {}),
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, build, protocol, reported, extra in cases:
            folder = Path(tmp) / name
            folder.mkdir()
            participants, events = build(folder)
            proto = with_reported(REPO / "codebooks" / protocol, reported, folder, **extra)
            out = folder / "out"
            args = ["tally", "--participants", str(participants), "--events", str(events)]
            qualkit([*args, "--protocol", str(proto), "--out", str(out)])
            for part in ("flow.csv", "checks.csv"):
                print(f"===== {name}: {part}")
                print((out / part).read_text(encoding="utf-8-sig"))
            if name == "backpain":
                print("===== backpain: summary.csv (first 40 lines)")
                print("\n".join((out / "summary.csv").read_text().splitlines()[:40]))


if __name__ == "__main__":
    main()
