"""Generate the demo participant register and delivery log (run once; output is committed).

Deterministic (seeded) so the demo and its tests are stable. Writes the
formats of DESIGN.md the way Danish Excel does: `;`, dd-mm-yyyy, decimal comma.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "demo"
rng = random.Random(2025)

SITES = ["Rehabilitering Nord", "Rehabilitering Syd"]
DIAG = ["hjerte", "kræft", "andet"]
# The three interviewed citizens are fixed so the transcripts match the register.
FIXED = {
    "B03": ("kvinde", 44, "kræft"),
    "B07": ("mand", 56, "hjerte"),
    "B12": ("kvinde", 34, "andet"),
}


def dk(d: date | None) -> str:
    return d.strftime("%d-%m-%Y") if d else ""


def main() -> None:
    OUT.mkdir(exist_ok=True)
    participants, events = [], []
    day0 = date(2024, 9, 2)
    arms = ["indsats", "kontrol"] * 12
    # B03, B07, B12 must be in the intervention arm: positions 2, 6, 11 (0-based) -> even index
    arms[2], arms[6] = "indsats", "indsats"
    arms[11] = "indsats"
    arms[10] = "kontrol"  # keep 12/12
    arms[3] = "kontrol"
    assert arms.count("indsats") == 12, arms.count("indsats")
    for i in range(24):
        cid = f"B{i + 1:02d}"
        sex, age, diag = FIXED.get(
            cid, (rng.choice(["kvinde", "mand"]), rng.randint(24, 63), rng.choice(DIAG))
        )
        site = SITES[i % 2]
        screened = day0 + timedelta(days=rng.randint(0, 120))
        randomised = screened + timedelta(days=rng.randint(3, 14))
        consent = randomised - timedelta(days=1)
        start = randomised + timedelta(days=rng.randint(2, 10))
        end = start + timedelta(days=rng.randint(120, 240))
        end_reason, withdrawn = "forløb afsluttet", None
        if cid in ("B05", "B18"):
            end_reason, withdrawn, end = (
                "trukket samtykke tilbage",
                start + timedelta(days=40),
                start + timedelta(days=40),
            )
        participants.append(
            {
                "citizen_id": cid,
                "arm": arms[i],
                "site": site,
                "screened_date": dk(screened),
                "eligible": "ja",
                "exclusion_reason": "",
                "randomised_date": dk(randomised),
                "consent_date": dk(consent),
                "start_date": dk(start),
                "end_date": dk(end),
                "end_reason": end_reason,
                "withdrawn_date": dk(withdrawn),
                "køn": sex,
                "alder": str(age),
                "diagnosegruppe": diag,
            }
        )
        if arms[i] != "indsats":
            continue
        jk = "JK1" if site == SITES[0] else "JK2"
        # Three-party meeting: most within 28 days, one late, one never held.
        if cid != "B21":
            offset = 45 if cid == "B09" else rng.randint(5, 25)
            events.append(
                ev(
                    cid,
                    start + timedelta(days=offset),
                    "trepartssamtale",
                    "jobkonsulent",
                    jk,
                    rng.choice([50, 60, 60, 75]),
                    "fremmøde",
                )
            )
            events.append(
                ev(
                    cid,
                    start + timedelta(days=offset),
                    "plan_dokumenteret",
                    "sygeplejerske",
                    "SP1" if site == SITES[0] else "SP2",
                    rng.choice([20, 30]),
                    "fremmøde",
                )
            )
        n_meet = {"B07": 2, "B15": 1}.get(cid, rng.randint(3, 7))
        d = start + timedelta(days=30)
        for _ in range(n_meet):
            d += timedelta(days=rng.randint(10, 24))
            events.append(
                ev(
                    cid,
                    d,
                    "jk_moede",
                    "jobkonsulent",
                    jk,
                    rng.choice([30, 40, 45, 45, 60]),
                    rng.choice(["fremmøde", "fremmøde", "telefon", "video"]),
                )
            )
        if rng.random() < 0.3:
            events.append(
                ev(
                    cid,
                    d + timedelta(days=7),
                    "jk_moede",
                    "jobkonsulent",
                    jk,
                    0,
                    "fremmøde",
                    "no_show",
                    "Borgeren mødte ikke op",
                )
            )
        if rng.random() < 0.6:
            events.append(
                ev(
                    cid,
                    d + timedelta(days=14),
                    "jobrettet_aktivitet",
                    "jobkonsulent",
                    jk,
                    rng.choice([60, 90]),
                    "fremmøde",
                    note=rng.choice(
                        ["jobafklaring", "arbejdsfastholdelse", "forløb i jobcenterregi"]
                    ),
                )
            )
    # Six screened citizens who were not randomised (for the flow diagram).
    reasons = [
        "ikke i målgruppen",
        "ikke i målgruppen",
        "for syg",
        "takket nej",
        "takket nej",
        "flyttet",
    ]
    for j, reason in enumerate(reasons):
        screened = day0 + timedelta(days=rng.randint(0, 120))
        participants.append(
            {
                "citizen_id": f"S{j + 1:02d}",
                "arm": "",
                "site": SITES[j % 2],
                "screened_date": dk(screened),
                "eligible": "nej" if reason in ("ikke i målgruppen", "for syg") else "ja",
                "exclusion_reason": reason,
                "randomised_date": "",
                "consent_date": "",
                "start_date": "",
                "end_date": "",
                "end_reason": "",
                "withdrawn_date": "",
                "køn": rng.choice(["kvinde", "mand"]),
                "alder": str(rng.randint(24, 63)),
                "diagnosegruppe": rng.choice(DIAG),
            }
        )
    write(OUT / "participants.csv", participants)
    write(
        OUT / "delivery_log.csv",
        sorted(events, key=lambda e: (e["date"][6:], e["date"][3:5], e["date"][:2])),
    )
    print(f"{len(participants)} participants, {len(events)} events -> {OUT}")


def ev(cid, d, comp, role, staff, minutes, mode, status="", note=""):
    return {
        "citizen_id": cid,
        "date": dk(d),
        "component": comp,
        "staff_role": role,
        "staff_id": staff,
        "minutes": str(minutes).replace(".", ","),
        "mode": mode,
        "status": status,
        "note": note,
    }


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
