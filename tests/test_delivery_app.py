"""The staff logging page and the tallies page under Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qualkit.services import delivery, projects
from qualkit.store import Database

from .apptest_support import login as app_login
from .conftest import ctx_as

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
PAGE = "qualkit/ui/pages/delivery_log.py"


@pytest.fixture
def folder(app_demo):
    """A demo folder of its own: these tests write to the log."""
    return app_demo.folder, app_demo.result


def login(username: str, password: str, page: str = PAGE) -> AppTest:
    return app_login(username, password, page)


def by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def test_staff_logs_an_entry_and_uses_same_as_last_time(folder):
    data, result = folder
    at = login("staff", result.passwords["staff"])
    n_before = len(at.dataframe[0].value)
    by_label(at.text_input, "Projekt-ID").input("B01").run()
    assert any("Borger B01" in c.value for c in at.caption)
    by_label(at.selectbox, "Komponent").set_value("jk_moede")
    by_label(at.number_input, "Minutter").set_value(40.0)
    by_label(at.selectbox, "Form").set_value("telefon")
    by_label(at.text_area, "Note").input("kort opfølgning")
    by_label(at.button, "Gem registrering").click().run()
    # B01's course has ended: a warning first, saved only on "Gem alligevel".
    assert any("sluttede" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not any("Registreret" in s.value for s in at.success)
    by_label(at.button, "Gem alligevel").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Registreret" in s.value for s in at.success)
    log = at.dataframe[0].value
    assert len(log) == n_before + 1
    mine = at.dataframe[1].value
    assert mine["Projekt-ID"].tolist() == ["B01"] and mine["Minutter"].tolist() == [40.0]
    # "Som sidst" fills in the last entry for a new registration.
    by_label(at.selectbox, "Komponent").set_value("trepartssamtale")
    by_label(at.selectbox, "Form").set_value("video")
    by_label(at.button, "Som sidst").click().run()
    assert by_label(at.selectbox, "Komponent").value == "jk_moede"
    assert by_label(at.selectbox, "Form").value == "telefon"
    assert by_label(at.number_input, "Minutter").value == 40.0
    db = Database.open(data)
    ev = delivery.list_events(ctx_as(db, result.project_id, "evaluator"))
    db.close()
    new = [e for e in ev if e["staff_id"] == "staff"]
    assert len(new) == 1 and new[0]["citizen_id"] == "B01" and new[0]["mode"] == "telefon"


def test_staff_cannot_find_another_sites_citizen(folder):
    _, result = folder
    at = login("staff", result.passwords["staff"])
    assert set(at.dataframe[0].value["Sted"]) == {"Rehabilitering Nord"}
    by_label(at.text_input, "Projekt-ID").input("B02").run()  # B02 is at Rehabilitering Syd
    assert any("Ingen borger med projekt-ID 'B02'" in w.value for w in at.warning)
    assert by_label(at.button, "Gem registrering").disabled
    assert not any("Borger B02" in c.value for c in at.caption)


def test_staff_edits_within_the_window_but_not_after(folder):
    data, result = folder
    db = Database.open(data)
    staff = ctx_as(db, result.project_id, "staff")
    from datetime import date, timedelta

    eid = delivery.log_event(staff, "B03", "jk_moede", date.today() - timedelta(days=1), minutes=30)
    at = login("staff", result.passwords["staff"])
    assert by_label(at.selectbox, "Ret eller slet").value == eid
    at.number_input[-1].set_value(55.0)
    by_label(at.button, "Gem ændringer").click().run()
    assert any("rettet" in s.value for s in at.success), [e.value for e in at.error]
    assert delivery.my_events(staff)[0]["minutes"] == 55
    projects.update_settings(ctx_as(db, result.project_id, "admin"), staff_edit_window_hours=0)
    db.close()
    at = login("staff", result.passwords["staff"])
    assert not [s for s in at.selectbox if s.label == "Ret eller slet"]
    assert any("kan længere rettes" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label in ("Gem ændringer", "Slet registrering")]


def test_tallies_page_shows_flow_checks_and_joint_display(folder):
    _, result = folder
    at = login("evaluator", result.passwords["evaluator"], "qualkit/ui/pages/tallies.py")
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Nået"] == "12 (40,0 %)"
    high = metrics["Høj fidelitet blandt nåede"]
    assert high.startswith(tuple("0123456789")) and high.endswith("%)") and "/12" not in high
    summary = at.dataframe[0].value
    assert "Nået" in set(summary["Mål"]) and "Dosis: jk_moede" in set(summary["Mål"])
    subheaders = [s.value for s in at.subheader]
    for title in (
        "Studieforløb",
        "Fidelitet pr. borger",
        "Dosis",
        "Adoption",
        "Kontroller",
        "Fælles visning: levering og interviewkoder",
    ):
        assert title in subheaders
    frames = [d.value for d in at.dataframe]
    assert any("Kontrol" in f.columns and "event.after_end" in set(f["Kontrol"]) for f in frames)
    assert any("Fidelitetsscore" in f.columns and "Antal: jk_moede" in f.columns for f in frames)
    assert any(
        "consensus_codes" in f.columns and set(f["citizen_id"]) == {"B03", "B07", "B12"}
        for f in frames
    )
    by_label(at.selectbox, "Arm").set_value("indsats").run()
    assert {m.label: m.value for m in at.metric}["Nået"] == "12 (100,0 %)"


def test_tallies_page_shows_each_protocol_number_with_source_or_assumption(folder):
    _, result = folder
    at = login("evaluator", result.passwords["evaluator"], "qualkit/ui/pages/tallies.py")
    assert not at.error, [e.value for e in at.error]
    (numbers,) = [d.value for d in at.dataframe if "Kilde eller begrundelse" in d.value.columns]
    row = numbers[(numbers["Komponent"] == "trepartssamtale") & (numbers["Felt"] == "within_days")]
    assert row["Status"].tolist() == ["Antagelse - bekræft"]
    sourced = numbers[
        (numbers["Komponent"] == "trepartssamtale") & (numbers["Felt"] == "min_count")
    ]
    assert sourced["Status"].tolist() == ["Kilde"] and "seed 000 linje 56" in sourced.iloc[0, -1]
