"""The coding pages under AppTest: apply a code, compare, reconcile, edit the codebook, analyse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qualkit.services import codebooks, coding, consensus, interviews
from qualkit.services.users import actor_for
from qualkit.store import Database

from .conftest import ctx_as

PAGES = Path(__file__).resolve().parent.parent / "qualkit" / "ui" / "pages"


@pytest.fixture
def app_db(app_demo):
    """A fresh demo folder of its own (these tests write codings)."""
    return app_demo.db, app_demo.result.project_id


def _page(db: Database, key: str, username: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{key}.py"), default_timeout=60)
    at.session_state["actor"] = actor_for(db, username)
    at.run()
    assert not at.exception, at.exception
    return at


def _code_id(ctx, key: str) -> int:
    return next(
        c["id"] for b in codebooks.list_codebooks(ctx) for c in b["codes"] if c["key"] == key
    )


def test_apply_code_to_selected_segments(app_db):
    db, pid = app_db
    ev2 = ctx_as(db, pid, "evaluator2")
    at = _page(db, "coding", "evaluator2")
    # B12 has no demo codings: the page starts empty for this coder.
    iv_id = next(r["id"] for r in interviews.list_interviews(ev2) if "B12" in r["title"])
    at.selectbox(key="coding_iv").set_value(iv_id).run()
    at.radio(key="coding_layout").set_value("Tabel").run()  # the table view for bulk coding
    view = coding.coding_view(ev2, iv_id)
    before = sum(len(s["codings"]) for s in view["segments"])
    targets = [view["segments"][3]["id"], view["segments"][5]["id"]]
    code = _code_id(ev2, "mech.tryghed")
    at.multiselect(key="coding_segments").set_value(targets).run()
    at.selectbox(key="coding_code").set_value(code)
    at.text_area(key="coding_memo").input("tryghed i mødet")
    at.button(key="coding_apply").click().run()
    assert not at.exception, at.exception
    assert any("anvendt på 2" in s.value for s in at.success), [e.value for e in at.error]
    after = coding.coding_view(ev2, iv_id)
    got = {(s["id"], c["key"], c["memo"]) for s in after["segments"] for c in s["codings"]}
    assert {(t, "mech.tryghed", "tryghed i mødet") for t in targets} <= got
    assert sum(len(s["codings"]) for s in after["segments"]) == before + 2
    # The table now shows the code in the coder's own column.
    table = at.dataframe[0].value
    assert (table["Mine koder"].str.contains("mech.tryghed")).sum() >= 2
    # Blind: evaluator (the other coder) does not see it on their coding page.
    other = coding.coding_view(ctx_as(db, pid, "evaluator"), iv_id)
    assert not any(
        c["key"] == "mech.tryghed" and s["id"] in targets
        for s in other["segments"]
        for c in s["codings"]
    )
    # A fragment of one segment becomes a character span.
    seg = after["segments"][3]
    frag = seg["text"][5:25]
    at.multiselect(key="coding_segments").set_value([seg["id"]]).run()
    at.selectbox(key="coding_code").set_value(_code_id(ev2, "mech.justering"))
    at.text_input(key="coding_fragment").input(frag)
    at.button(key="coding_apply").click().run()
    spans = [
        c
        for s in coding.coding_view(ev2, iv_id)["segments"]
        for c in s["codings"]
        if c["key"] == "mech.justering"
    ]
    assert [(c["start_char"], c["end_char"]) for c in spans] == [
        (seg["text"].find(frag), seg["text"].find(frag) + len(frag))
    ]


def test_compare_and_reconcile(app_db):
    db, pid = app_db
    ev = ctx_as(db, pid, "evaluator")
    at = _page(db, "agreement", "evaluator")
    # Blind until the coder chooses to compare.
    assert len(at.dataframe) == 0
    at.button(key="agree_reveal").click().run()
    assert not at.exception, at.exception
    from sqlalchemy import func, select

    from qualkit.store.models import AuditEvent

    def compares() -> int:
        with db.session() as s:
            return s.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "coding.compare")
            )

    assert compares() == 1  # the explicit choice is audited once, not on every redraw
    at.run()
    assert compares() == 1
    agreement = at.dataframe[0].value
    assert "I alt" in set(agreement["Kode"])
    side = at.dataframe[1].value
    assert {"evaluator", "evaluator2"} <= set(side.columns)
    assert len(side) > 0
    iv_id = at.selectbox(key="agree_iv").value
    before = {c["id"] for c in consensus.list_consensus(ev, iv_id)}
    # Pick an unresolved disagreement and take evaluator2's coding.
    cmp = consensus.compare_document(ev, iv_id)
    idx, item = next(
        (i, d)
        for i, d in enumerate(cmp["disagreements"])
        if not d["resolved"] and "evaluator2" in d["applied_by"]
    )
    at.selectbox(key="agree_item").set_value(idx).run()
    at.radio(key="agree_decision").set_value("take_one").run()
    at.selectbox(key="agree_coder").set_value("evaluator2")
    at.button(key="agree_save").click().run()
    assert not at.exception, at.exception
    assert any("Konsensus gemt" in s.value for s in at.success), [e.value for e in at.error]
    new = [c for c in consensus.list_consensus(ev, iv_id) if c["id"] not in before]
    assert [(c["segment_id"], c["code_id"], c["origin"]) for c in new] == [
        (item["segment_id"], item["code_id"], "take_one")
    ]
    # Write a new consensus coding with another code on the same segment.
    at.selectbox(key="agree_item").set_value(idx).run()
    at.radio(key="agree_decision").set_value("new").run()
    code = _code_id(ev, "eff.mestring")
    at.selectbox(key="agree_new_code").set_value(code)
    at.button(key="agree_save").click().run()
    assert any(
        c["code_id"] == code and c["origin"] == "new" and c["segment_id"] == item["segment_id"]
        for c in consensus.list_consensus(ev, iv_id)
    )


def test_codebook_page_adds_and_lists_versions(app_db):
    db, pid = app_db
    at = _page(db, "codebook", "evaluator")
    versions_before = len(at.dataframe[1].value)
    at.text_input(key="cb_add_key").input("theme.ventetid")
    at.text_input(key="cb_add_name").input("Ventetid")
    at.button(key="cb_add").click().run()
    assert not at.exception, at.exception
    assert any("tilføjet" in s.value for s in at.success), [e.value for e in at.error]
    assert "theme.ventetid" in set(at.dataframe[0].value["ID"])
    assert len(at.dataframe[1].value) == versions_before + 1
    # Writers read the codebook but get no editing controls.
    wt = _page(db, "codebook", "writer")
    assert len(wt.tabs) == 0 and len(wt.dataframe) == 2


def test_analysis_page_tables(app_db):
    db, pid = app_db
    at = _page(db, "analysis", "writer")
    assert [r.value for r in at.radio] == ["consensus"]  # writers see the consensus only
    sample = at.dataframe[0].value  # the informant sample comes first
    assert "interviews" in sample.columns
    freq = at.dataframe[1].value
    assert "I alt" in freq.columns and freq["I alt"].sum() > 0
    matrix = at.dataframe[3].value
    assert "citizen_id" in matrix.columns and set(matrix["citizen_id"]) <= {"B03", "B07", "B12"}
