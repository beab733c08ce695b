"""Delivery protocols: the shipped ones load, and mistakes get one clear line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualkit.delivery.protocol import load_protocol, load_protocol_text
from qualkit.errors import InputError

REPO = Path(__file__).resolve().parent.parent
BASE = """name: P
components:
  - id: a
    core: true
    within_days: 28
  - id: b
    core: true
    within_days_of: a
    within_days: 7
"""


@pytest.mark.parametrize(
    "name, ids",
    [
        (
            "protocol_tki2.yaml",
            ["trepartssamtale", "plan_dokumenteret", "jk_moede", "jobrettet_aktivitet"],
        ),
        ("protocol_backpain.yaml", ["samtale", "traening", "virksomhedsbesoeg", "raadgivning_jk"]),
        (
            "protocol_vestegn.yaml",
            [
                "laegevurdering",
                "koordinatorsamtale",
                "handleplan",
                "ugentlig_opfoelgning",
                "konference",
                "psykolog_udredning",
                "psykolog",
                "fysioterapeut",
            ],
        ),
        (
            "protocol_ishoej.yaml",
            [
                "socialmedicinsk_udredning",
                "socialfaglig_udredning",
                "faelles_udredning",
                "koordinator_samtale",
                "konference",
                "team_konference",
                "slutrapport",
            ],
        ),
    ],
)
def test_shipped_protocols_load(name, ids):
    p = load_protocol(REPO / "codebooks" / name)
    assert [c.id for c in p.components] == ids
    assert p.core_components


def test_vestegn_encodes_the_fidelity_targets():
    p = load_protocol(REPO / "codebooks" / "protocol_vestegn.yaml")
    c = {x.id: x for x in p.components}
    # The clock starts at inclusion (consent after randomisation, seed 001 lines 461-463).
    assert c["laegevurdering"].within_days == 30 and p.reference_date == "consent_date"
    assert c["laegevurdering"].planned_minutes == 120  # "op til 2 timer", line 1970
    assert (c["koordinatorsamtale"].within_days_of, c["koordinatorsamtale"].within_days) == (
        "laegevurdering",
        7,
    )
    assert c["ugentlig_opfoelgning"].every_days == 7 and p.max_days == 365
    assert c["ugentlig_opfoelgning"].over_course
    ishoej = load_protocol(REPO / "codebooks" / "protocol_ishoej.yaml")
    assert ishoej.max_days == 183  # "maksimalt 6 måneder", seed 003 line 1750


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t + "colour: red\n", "ukendt(e) nøgle(r) colour"),
        (lambda t: t.replace("  - id: b\n", "  - label: B\n"), "komponent 2: har intet 'id'"),
        (
            lambda t: t.replace(
                "    core: true\n    within_days: 28",
                "    core: true\n    within_days: 28\n    when: x",
            ),
            "komponent 1 (a): ukendt(e) nøgle(r) when",
        ),
        (
            lambda t: t.replace("within_days: 28", "within_days: -3"),
            "'within_days' skal være et helt tal",
        ),
        (lambda t: t.replace("within_days_of: a", "within_days_of: z"), "ukendt komponent 'z'"),
        (lambda t: t.replace("    within_days: 7\n", ""), "within_days_of kræver within_days"),
        (lambda t: t + "dose_bins: ['1', '4-2']\n", "dosisgruppen '4-2' går baglæns"),
        (lambda t: t + "dose_bins: ['1', 'mange']\n", "dosisgruppen 'mange'"),
        (lambda t: t + "reference_date: inclusion\n", "reference_date 'inclusion'"),
        (lambda t: t + "high_fidelity: 80\n", "high_fidelity skal være en andel"),
        (
            lambda t: t.replace(
                "core: true\n    within_days: 28", "core: yes please\n    within_days: 28"
            ),
            "'core' skal være true eller false",
        ),
        (lambda t: t + "reached_when: [a, q]\n", "reached_when nævner ukendt(e) komponent(er) q"),
        (lambda t: t + "  - id: a\n", "id 'a' bruges to gange"),
        (lambda t: t + "name: [\n", "ikke gyldig YAML"),
    ],
)
def test_bad_protocols_are_refused_with_one_line(change, message):
    with pytest.raises(InputError) as exc:
        load_protocol_text(change(BASE), "p.yaml")
    text = str(exc.value)
    assert text.startswith("p.yaml") and message in text and "\n" not in text


SHIPPED = sorted((REPO / "codebooks").glob("protocol_*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_number_in_a_shipped_protocol_has_a_source_or_an_assumption(path):
    from qualkit.delivery.protocol import protocol_number_sources

    numbers = protocol_number_sources(path)
    assert numbers, "a protocol without numbers?"
    missing = [f"{n.where}.{n.field}={n.value}" for n in numbers if not n.source]
    assert not missing, f"{path.name}: numbers without source or assumption: {missing}"
    for n in numbers:
        if not n.assumption:  # a source names the seed and the line
            assert re.search(r"seed 00[0-4] linje \d+", n.source), (path.name, n)


def test_numbers_the_issue_named_are_sourced_or_assumed():
    from qualkit.delivery.protocol import protocol_number_sources

    def status(name, where, field):
        n = next(
            x
            for x in protocol_number_sources(REPO / "codebooks" / name)
            if (x.where, x.field) == (where, field)
        )
        return "antagelse" if n.assumption else n.source

    # Invented in the first shipped protocols: now marked as assumptions the user confirms.
    assert status("protocol_tki2.yaml", "trepartssamtale", "within_days") == "antagelse"
    assert status("protocol_tki2.yaml", "plan_dokumenteret", "within_days") == "antagelse"
    assert status("protocol_tki2.yaml", "jk_moede", "min_count") == "antagelse"
    assert status("protocol_backpain.yaml", "samtale", "within_days") == "antagelse"
    assert status("protocol_backpain.yaml", "", "high_fidelity") == "antagelse"
    assert status("protocol_ishoej.yaml", "koordinator_samtale", "min_count") == "antagelse"
    # Wrong or missing before, now from the seeds.
    assert "linje 1970" in status("protocol_vestegn.yaml", "laegevurdering", "planned_minutes")
    assert "linje 1750" in status("protocol_ishoej.yaml", "", "max_days")
