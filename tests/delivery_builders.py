"""Registers and delivery logs built to match the published seed reports (for the tally tests)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

PARTICIPANT_HEADER = [
    "citizen_id",
    "arm",
    "site",
    "screened_date",
    "eligible",
    "exclusion_reason",
    "randomised_date",
    "consent_date",
    "start_date",
    "end_date",
    "end_reason",
    "withdrawn_date",
    "køn",
    "alder",
]
EVENT_HEADER = [
    "citizen_id",
    "date",
    "component",
    "staff_role",
    "staff_id",
    "minutes",
    "mode",
    "status",
    "note",
]


def dk(d: date | None) -> str:
    return d.strftime("%d-%m-%Y") if d else ""


def write_csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, header, delimiter=";")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


def backpain(folder: Path) -> tuple[Path, Path]:
    """132 possible citizens; the delivery pattern of DEFACTUM's back-pain report (seed 002).

    55 only conversations (27 one, 23 two to four, 5 more than four), 11 conversations and a
    workplace visit, 1 all three: 148 conversations, 16 workplace visits. The report says 69
    took part; the two citizens the published table leaves out got a workplace visit without
    any conversation (the log shows what the table could not).
    """
    day0 = date(2017, 3, 1)
    people, events = [], []
    plan: list[tuple[int, int, int]] = (  # (conversations, training, visits) per reached citizen
        [(1, 0, 0)] * 27
        + [(3, 0, 0)] * 20
        + [(2, 0, 0)] * 3
        + [(6, 0, 0)] * 5
        + [(2, 0, 2)] * 2
        + [(2, 0, 1)] * 9
        + [(3, 1, 1)]
        + [(0, 0, 1)] * 2
    )
    assert len(plan) == 69
    for i in range(132):
        cid = f"R{i + 1:03d}"
        start = day0 + timedelta(days=i)
        people.append(
            {
                "citizen_id": cid,
                "arm": "indsats",
                "site": ["Jobcenter Vest", "Jobcenter Øst"][i % 2],
                "screened_date": dk(start - timedelta(days=7)),
                "eligible": "ja",
                "randomised_date": dk(start - timedelta(days=3)),
                "start_date": dk(start),
                "køn": ["kvinde", "mand"][i % 3 == 0],
                "alder": str(25 + (i * 7) % 38),
            }
        )
        if i >= len(plan):
            continue
        conv, train, visits = plan[i]
        for k in range(conv):
            events.append(
                {
                    "citizen_id": cid,
                    "date": dk(start + timedelta(days=5 + 14 * k)),
                    "component": "samtale",
                    "staff_role": "fysioterapeut",
                    "staff_id": f"FT{1 + i % 2}",
                    "minutes": "60",
                    "mode": "fremmøde",
                }
            )
        for k in range(train):
            events.append(
                {
                    "citizen_id": cid,
                    "date": dk(start + timedelta(days=40 + 7 * k)),
                    "component": "traening",
                    "staff_role": "fysioterapeut",
                    "staff_id": f"FT{1 + i % 2}",
                    "minutes": "45,5",
                    "mode": "fremmøde",
                }
            )
        for k in range(visits):
            events.append(
                {
                    "citizen_id": cid,
                    "date": dk(start + timedelta(days=30 + 20 * k)),
                    "component": "virksomhedsbesoeg",
                    "staff_role": "fysioterapeut",
                    "staff_id": "FT1",
                    "minutes": "90",
                    "mode": "virksomhed",
                }
            )
    return (
        write_csv(folder / "participants.csv", PARTICIPANT_HEADER, people),
        write_csv(folder / "events.csv", EVENT_HEADER, events),
    )


ISHOEJ_EXCLUSIONS = {"anden indsats": 7, "sag lukket": 27, "for syg": 10, "takket nej": 11}


def ishoej(folder: Path) -> tuple[Path, Path]:
    """The Ishøj pilot's register (seed 003): 152 screened, 55 excluded, 30 + 30 randomised.

    The published chart leaves 37 people unaccounted for (152 - 55 = 97, not 60); they are in
    the register as eligible, neither excluded nor randomised.
    """
    day0 = date(2019, 1, 7)
    people, events = [], []
    i = 0
    for reason, n in ISHOEJ_EXCLUSIONS.items():
        for _ in range(n):
            i += 1
            people.append(
                {
                    "citizen_id": f"I{i:03d}",
                    "screened_date": dk(day0 + timedelta(days=i)),
                    "eligible": "ja" if reason == "takket nej" else "nej",
                    "exclusion_reason": reason,
                    "site": "Ishøj Jobcenter",
                }
            )
    for k in range(60):
        i += 1
        arm = "indsats" if k % 2 == 0 else "kontrol"
        screened = day0 + timedelta(days=i)
        start = screened + timedelta(days=10)
        people.append(
            {
                "citizen_id": f"I{i:03d}",
                "arm": arm,
                "site": "Ishøj Jobcenter",
                "screened_date": dk(screened),
                "eligible": "ja",
                "randomised_date": dk(screened + timedelta(days=5)),
                "start_date": dk(start),
                "end_date": dk(start + timedelta(days=300)) if k < 50 else "",
                "withdrawn_date": dk(start + timedelta(days=60)) if k >= 56 else "",
            }
        )
        if arm == "indsats":
            for comp, day in (
                ("socialmedicinsk_udredning", 14),
                ("socialfaglig_udredning", 20),
                ("koordinator_samtale", 25),
                ("koordinator_samtale", 50),
            ):
                events.append(
                    {
                        "citizen_id": f"I{i:03d}",
                        "date": dk(start + timedelta(days=day)),
                        "component": comp,
                        "staff_id": "K1",
                        "minutes": "60",
                    }
                )
    for _ in range(37):
        i += 1
        people.append(
            {
                "citizen_id": f"I{i:03d}",
                "screened_date": dk(day0 + timedelta(days=i)),
                "eligible": "ja",
                "site": "Ishøj Jobcenter",
            }
        )
    assert i == 152
    return (
        write_csv(folder / "participants.csv", PARTICIPANT_HEADER, people),
        write_csv(folder / "events.csv", EVENT_HEADER, events),
    )
