"""The Streamlit app under AppTest: log in as each role, see exactly the pages the role may."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qualkit.services.users import actor_for
from qualkit.store import Database
from qualkit.ui.navigation import PAGES, pages_for

from .apptest_support import login

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
EXPECTED = {
    "admin": {
        "interviews",
        "deid",
        "coding",
        "search",
        "memos",
        "codebook",
        "agreement",
        "analysis",
        "participants",
        "delivery_log",
        "tallies",
        "exports",
        "admin",
    },
    "evaluator": {
        "interviews",
        "deid",
        "coding",
        "search",
        "memos",
        "codebook",
        "agreement",
        "analysis",
        "participants",
        "delivery_log",
        "tallies",
        "exports",
    },
    "staff": {"participants", "delivery_log"},
    "writer": {
        "interviews",
        "search",
        "memos",
        "codebook",
        "analysis",
        "participants",
        "tallies",
        "exports",
    },
}
USERS = {"admin": "admin", "evaluator": "evaluator", "staff": "staff", "writer": "writer"}


def _page_rel(key: str) -> str:
    return str(next(p.script for p in PAGES if p.key == key).relative_to(REPO))


@pytest.fixture
def app_env(demo_folder, monkeypatch):
    folder, passwords = demo_folder
    monkeypatch.setenv("QUALKIT_DATA", str(folder))
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    return folder, passwords


def _login(username: str, password: str) -> AppTest:
    return login(username, password)


def test_wrong_password_is_refused(app_env):
    _, passwords = app_env
    at = _login("evaluator", "not-the-password")
    assert any("Forkert brugernavn" in e.value for e in at.error)
    assert "actor" not in at.session_state


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_sees_its_pages_and_is_refused_the_others(app_env, role):
    _, passwords = app_env
    assert {p.key for p in pages_for(role)} == EXPECTED[role]
    at = _login(USERS[role], passwords[USERS[role]])
    assert at.session_state["visible_pages"] == [p.key for p in PAGES if p.key in EXPECTED[role]]
    for spec in PAGES:
        if spec.key in EXPECTED[role]:
            at.switch_page(_page_rel(spec.key)).run()
            assert not at.exception, (spec.key, at.exception)
            assert not at.error, (spec.key, [e.value for e in at.error])
            assert [h.value for h in at.header] == [spec.title]
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(_page_rel(spec.key))


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_page_scripts_refuse_roles_directly(app_env, role):
    """Opening a page script without its capability shows a refusal and no data."""
    folder, _ = app_env
    db = Database.open(folder)
    actor = actor_for(db, USERS[role])
    db.close()
    for spec in PAGES:
        if spec.key in EXPECTED[role]:
            continue
        at = AppTest.from_file(str(spec.script), default_timeout=60)
        at.session_state["actor"] = actor
        at.run()
        assert any("Adgang nægtet" in e.value for e in at.error), spec.key
        assert len(at.dataframe) == 0


def test_pages_show_store_content(app_env):
    _, passwords = app_env
    at = _login("evaluator", passwords["evaluator"])
    at.switch_page(_page_rel("interviews")).run()
    titles = at.dataframe[0].value["Titel"].tolist()
    assert len(titles) >= 4
    assert at.selectbox[0].options  # a transcript can be chosen
    # The chosen transcript's turns are shown (editable segments, or text once approved).
    assert len(at.markdown) + len([a for a in at.text_area if a.label.startswith("Segment ")]) > 25
    at.switch_page(_page_rel("participants")).run()
    assert len(at.dataframe[0].value) == 30
    at.switch_page(_page_rel("delivery_log")).run()
    assert len(at.dataframe[0].value) > 50


def test_staff_delivery_log_is_site_limited(app_env):
    _, passwords = app_env
    at = _login("staff", passwords["staff"])
    at.switch_page(_page_rel("delivery_log")).run()
    assert set(at.dataframe[0].value["Sted"]) == {"Rehabilitering Nord"}


def test_admin_page_lists_users(app_env):
    _, passwords = app_env
    at = _login("admin", passwords["admin"])
    at.switch_page(_page_rel("admin")).run()
    assert {"admin", "evaluator", "staff", "writer"} <= set(at.dataframe[0].value["Brugernavn"])
