"""`qualkit tally` on logs built to match the published reports: the tool reproduces their
tables from the log, computes what they got wrong, and lists their inconsistencies in checks.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualkit.cli import main

from .delivery_builders import ISHOEJ_EXCLUSIONS, backpain, ishoej, write_csv

REPO = Path(__file__).resolve().parent.parent
BACKPAIN = REPO / "codebooks" / "protocol_backpain.yaml"
ISHOEJ = REPO / "codebooks" / "protocol_ishoej.yaml"
VESTEGN = REPO / "codebooks" / "protocol_vestegn.yaml"


def run_tally(
    tmp_path: Path, participants: Path, events: Path, protocol: Path
) -> dict[str, pd.DataFrame]:
    out = tmp_path / "out"
    rc = main(
        [
            "tally",
            "--participants",
            str(participants),
            "--events",
            str(events),
            "--protocol",
            str(protocol),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    return {
        name: pd.read_csv(
            out / f"{name}.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        for name in ("per_citizen", "summary", "flow", "checks", "reach")
    }


def measure(
    summary: pd.DataFrame, name: str, arm="alle", site="alle", subgroup="alle", category="i alt"
):
    rows = summary[
        (summary.arm == arm)
        & (summary.site == site)
        & (summary.measure == name)
        & (summary.subgroup == subgroup)
        & (summary.category == category)
    ]
    assert len(rows) == 1, (name, subgroup, category, rows)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def backpain_out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backpain")
    return run_tally(folder, *backpain(folder), BACKPAIN)


def test_backpain_delivery_table_is_reproduced(backpain_out):
    s = backpain_out["summary"]
    # 69 of 132 reached, written the Danish way and rounded right (the report said 51 %).
    assert measure(s, "reached").value == "69 (52,3 %)"
    assert measure(s, "events:samtale").n == "148"
    assert measure(s, "events:virksomhedsbesoeg").n == "16"
    combos = {
        r.category: int(r.n)
        for r in s[
            (s.arm == "alle") & (s.site == "alle") & (s.measure == "combination")
        ].itertuples()
    }
    assert combos["samtale"] == 55
    assert combos["samtale+virksomhedsbesoeg"] == 11
    assert combos["samtale+traening+virksomhedsbesoeg"] == 1
    # The combinations add up to the reached, so the table's 55 + 11 + 1 = 67 cannot recur.
    assert sum(combos.values()) == 69
    only_conv = {
        b: int(measure(s, "dose:samtale", subgroup="samtale", category=b).n)
        for b in ("1", "2-4", "5+")
    }
    assert only_conv == {"1": 27, "2-4": 23, "5+": 5}
    pc = backpain_out["per_citizen"]
    assert len(pc) == 132 and (pc.reached == "ja").sum() == 69
    assert pc["n_samtale"].astype(int).sum() == 148
    # Decimal comma in the CSV: 3 x 60 + 45,5 + 90 minutes for the one citizen with all three.
    full = pc[pc.components == "samtale+traening+virksomhedsbesoeg"]
    assert full.minutes_delivered.tolist() == ["315,5"]


def test_backpain_inconsistency_is_in_checks(backpain_out):
    """The two reached citizens the report's table leaves out are named in checks.csv."""
    c = backpain_out["checks"]
    pre = c[c.check == "event.before_prerequisite"]
    assert len(pre) == 2
    pc = backpain_out["per_citizen"].set_index("citizen_id")
    assert set(pc.loc[pre.citizen_id, "components"]) == {"virksomhedsbesoeg"}
    assert all("aldrig leveret" in m for m in pre.message)
    assert all(r.isdigit() for r in pre.row)


def test_backpain_fidelity_and_reach(backpain_out):
    pc = backpain_out["per_citizen"]
    full = pc[pc.components == "samtale+traening+virksomhedsbesoeg"].iloc[0]
    assert (full.core_met, full.core_total, full.fidelity_score) == ("3", "3", "1")
    one = pc[pc.components == "samtale"].iloc[0]
    assert (one.core_met, one.fidelity_score) == ("1", "0,333")
    s = backpain_out["summary"]
    by_site = [
        int(measure(s, "reached", site=site).n) for site in ("Jobcenter Vest", "Jobcenter Øst")
    ]
    assert sum(by_site) == 69 and measure(
        s, "reached", arm="indsats", site="Jobcenter Vest"
    ).n == str(by_site[0])
    assert measure(s, "fidelity", category="3 af 3").n == "1"
    assert measure(s, "high_fidelity", category=">= 67 %").value == "1 (0,8 %)"
    reach = backpain_out["reach"]
    assert reach.iloc[0][["participants", "non_participants"]].tolist() == ["69", "63"]
    age = reach[(reach.attribute == "alder") & (reach.test == "Mann-Whitney U")].iloc[0]
    assert age.p_value and age.participants.startswith(tuple("0123456789"))
    sex = reach[(reach.attribute == "køn") & (reach.test != "")].iloc[0]
    assert sex.test == "Fisher" and sex.p_value


def test_ishoej_old_register_without_design_reports_the_gap(tmp_path):
    """Without the design's flow section, the 37 never drawn are an unexplained gap."""
    plain = tmp_path / "plain.yaml"
    text = ISHOEJ.read_text(encoding="utf-8")
    plain.write_text(text[: text.index("\nflow:")] + "\n", encoding="utf-8")
    out = run_tally(tmp_path, *ishoej(tmp_path), plain)
    flow = out["flow"]

    def n(stage, arm="alle", category="i alt"):
        r = flow[(flow.stage == stage) & (flow.arm == arm) & (flow.category == category)]
        assert len(r) == 1, (stage, arm, category)
        return int(r.iloc[0].n)

    assert n("screened") == 152
    assert n("excluded") == 55
    assert {c: n("excluded", category=c) for c in ISHOEJ_EXCLUSIONS} == ISHOEJ_EXCLUSIONS
    assert (n("randomised", "indsats"), n("randomised", "kontrol"), n("randomised")) == (30, 30, 60)
    assert (n("completed"), n("withdrawn"), n("ongoing")) == (50, 4, 6)
    gap = out["checks"][out["checks"].check == "flow.unaccounted"]
    assert len(gap) == 1 and gap.iloc[0]["count"] == "37"
    assert "152 - 55 = 97, men 60 randomiseret" in gap.iloc[0].message
    # Delivery to the intervention arm only; reach among the 30 is complete.
    assert measure(out["summary"], "reached", arm="indsats").value == "30 (100,0 %)"


def test_per_citizen_rules_and_event_checks(tmp_path):
    """Vestegn rules (within 30 days, within 7 days of another component, weekly) and each check."""
    people = [
        {
            "citizen_id": "V1",
            "arm": "indsats",
            "site": "A",
            "randomised_date": "01-02-2020",
            "consent_date": "01-02-2020",
            "start_date": "03-02-2020",
            "end_date": "01-12-2020",
        },
        {
            "citizen_id": "V2",
            "arm": "indsats",
            "site": "B",
            "randomised_date": "01-02-2020",
            "consent_date": "01-02-2020",
            "start_date": "03-02-2020",
            "end_date": "01-04-2021",
        },
        {
            "citizen_id": "V3",
            "arm": "kontrol",
            "site": "A",
            "randomised_date": "01-02-2020",
            "consent_date": "01-02-2020",
            "start_date": "10-02-2020",
            "end_date": "01-02-2020",
        },
    ]
    ev = [
        # V1: all on time, weekly follow-up every 7 days.
        {
            "citizen_id": "V1",
            "date": "20-02-2020",
            "component": "laegevurdering",
            "minutes": "60",
            "mode": "fremmøde",
        },
        {
            "citizen_id": "V1",
            "date": "24-02-2020",
            "component": "koordinatorsamtale",
            "minutes": "45",
        },
        *[
            {
                "citizen_id": "V1",
                "date": f"{2 + 7 * k:02d}-03-2020",
                "component": "ugentlig_opfoelgning",
                "minutes": "30",
            }
            for k in range(4)
        ],
        # V2: assessment late (day 40), coordinator 10 days after it, a 3-week gap.
        {
            "citizen_id": "V2",
            "date": "11-03-2020",
            "component": "laegevurdering",
            "mode": "fremmøde",
        },
        {"citizen_id": "V2", "date": "21-03-2020", "component": "koordinatorsamtale"},
        *[
            {"citizen_id": "V2", "date": d, "component": "ugentlig_opfoelgning"}
            for d in ("01-04-2020", "08-04-2020", "29-04-2020", "06-05-2020")
        ],
        {
            "citizen_id": "V2",
            "date": "13-05-2020",
            "component": "ugentlig_opfoelgning",
            "status": "udeblevet",
        },
        # Problems: unknown citizen, unknown component, duplicate, before start, after end, control.
        {"citizen_id": "X9", "date": "01-03-2020", "component": "laegevurdering"},
        {"citizen_id": "V1", "date": "05-03-2020", "component": "yoga"},
        {
            "citizen_id": "V1",
            "date": "20-02-2020",
            "component": "laegevurdering",
            "minutes": "60",
            "mode": "fremmøde",
        },
        {"citizen_id": "V1", "date": "01-01-2020", "component": "psykolog"},
        {"citizen_id": "V1", "date": "02-12-2020", "component": "psykolog"},
        {"citizen_id": "V3", "date": "12-02-2020", "component": "psykolog"},
    ]
    P = write_csv(
        tmp_path / "p.csv",
        ["citizen_id", "arm", "site", "randomised_date", "consent_date", "start_date", "end_date"],
        people,
    )
    E = write_csv(
        tmp_path / "e.csv", ["citizen_id", "date", "component", "minutes", "mode", "status"], ev
    )
    out = run_tally(tmp_path, P, E, VESTEGN)
    pc = out["per_citizen"].set_index("citizen_id")
    # Four weekly calls in March and then nothing until December is no weekly follow-up
    # across the course (seed 001 line 252): the old rule scored it as met.
    assert pc.loc[
        "V1", ["met_laegevurdering", "met_koordinatorsamtale", "met_ugentlig_opfoelgning"]
    ].tolist() == ["ja", "ja", "nej"]
    assert (
        pc.loc["V1", "days_to_laegevurdering"] == "19"
        and pc.loc["V1", "days_to_koordinatorsamtale"] == "4"
    )
    assert pc.loc[
        "V2", ["met_laegevurdering", "met_koordinatorsamtale", "met_ugentlig_opfoelgning"]
    ].tolist() == ["nej", "nej", "nej"]
    # From the last call (06-05-2020) to the course end (01-04-2021).
    assert pc.loc["V2", "max_gap_ugentlig_opfoelgning"] == "330"
    assert pc.loc["V2", "events_no_show"] == "1" and pc.loc["V2", "n_ugentlig_opfoelgning"] == "4"
    # The duplicate is counted once; the unknown component not at all.
    assert pc.loc["V1", "n_laegevurdering"] == "1" and pc.loc["V1", "events_delivered"] == "8"
    assert pc.loc["V1", "minutes_delivered"] == "225"
    assert pc.loc["V2", "within_max_days"] == "nej" and pc.loc["V1", "within_max_days"] == "ja"
    c = out["checks"]
    found = {(r.check, r.citizen_id) for r in c.itertuples()}
    assert {
        ("event.unknown_citizen", "X9"),
        ("event.unknown_component", "V1"),
        ("event.duplicate", "V1"),
        ("event.before_start", "V1"),
        ("event.after_end", "V1"),
        ("event.control_arm", "V3"),
        ("event.after_end", "V3"),
        ("dates.out_of_order", "V3"),
    } <= found
    dup = c[c.check == "event.duplicate"].iloc[0]
    assert dup.row == "17" and "række 2" in dup.message
    assert "X9" not in set(pc.index)
