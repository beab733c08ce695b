"""The evaluator's workspace services and pages (no browser): coding a selection, search and
code passages, memos (with the .qdpx notes), remembered interview, AppTest of the new pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qualkit.errors import InputError, PermissionDenied
from qualkit.services import codebooks, coding, consensus, interviews, memos, preferences, search
from qualkit.services import coding_document as cdoc
from qualkit.services.context import Context
from qualkit.services.users import actor_for
from qualkit.store import Database
from qualkit.transcripts.textformat import Turn

from .conftest import copy_sqlite_demo

PAGES = Path(__file__).resolve().parent.parent / "qualkit" / "ui" / "pages"
LONG = (
    "Altså, i starten var det meget svært for mig at finde ud af, hvad jeg skulle, og så kom "
    "jobkonsulenten og hjalp med en plan for   arbejdsprøvning på lageret 😀 sidst i forløbet."
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory, sqlite_demo_template):
    folder = tmp_path_factory.mktemp("ws") / "data"
    demo = copy_sqlite_demo(sqlite_demo_template, folder)
    db = Database.open(folder)
    ctx = {u: Context(db, actor_for(db, u), demo.project_id) for u in demo.passwords}
    ev = ctx["evaluator"]
    iv = interviews.create_interview_from_turns(
        ev, "Arbejdsprøvning", [Turn("I", "Og så?", 0.0, 2.0), Turn("B9", LONG, 2.0, 30.0)]
    )
    yield {"db": db, "ctx": ctx, "iv": iv, "folder": folder, "project": demo.project_id}
    db.close()


def _code(ctx: Context, key: str) -> int:
    return next(
        c["id"] for b in codebooks.list_codebooks(ctx) for c in b["codes"] if c["key"] == key
    )


def test_apply_selection_across_turns_stores_code_point_spans(ws):
    ev = ws["ctx"]["evaluator"]
    doc = cdoc.document(ev, ws["iv"])
    first, second = doc.segments
    assert (first.number, second.number) == (1, 2)
    code = _code(ev, "mech.tryghed")
    a = LONG.index("plan")
    b = LONG.index("😀") + 1
    ids = cdoc.apply_selection(
        ev,
        ws["iv"],
        [cdoc.SelectionPart(first.id, 0, len(first.text)), cdoc.SelectionPart(second.id, a, b)],
        code,
        memo="planen",
    )
    assert len(ids) == 2
    again = cdoc.apply_selection(ev, ws["iv"], [cdoc.SelectionPart(second.id, a, b)], code)
    assert again == ids[1:]  # the same span and code is one coding
    mine = {c.segment_id: c for c in cdoc.document(ev, ws["iv"]).codings}
    assert mine[first.id].whole and mine[first.id].end == len(first.text)
    assert (
        LONG[mine[second.id].start : mine[second.id].end]
        == "plan for   arbejdsprøvning på lageret 😀"
    )
    with pytest.raises(InputError):
        cdoc.apply_selection(ev, ws["iv"], [cdoc.SelectionPart(second.id, 5, 999)], code)
    with pytest.raises(InputError):  # a segment of another interview
        other = cdoc.document(ev, 1).segments[0].id
        cdoc.apply_selection(ev, ws["iv"], [cdoc.SelectionPart(other, 0, 3)], code)
    # Blind: evaluator2 sees none of it, and comparing needs the explicit choice first.
    ev2 = ws["ctx"]["evaluator2"]
    assert cdoc.document(ev2, ws["iv"]).codings == ()
    with pytest.raises(InputError):
        cdoc.document(ev2, ws["iv"], cdoc.DocMode.COMPARE)
    consensus.open_comparison(ev2, ws["iv"])
    cmp = cdoc.document(ev2, ws["iv"], cdoc.DocMode.COMPARE)
    assert cmp.coders == ("evaluator",) and {c.layer for c in cmp.codings} == {0}
    cdoc.change_code(ev, ids[1], _code(ev, "eff.mestring"))
    assert {c.code_id for c in cdoc.document(ev, ws["iv"]).codings} == {
        code,
        _code(ev, "eff.mestring"),
    }
    with pytest.raises(PermissionDenied):
        cdoc.apply_selection(ws["ctx"]["writer"], ws["iv"], [], code)


def test_search_all_words_anywhere_with_context_and_filters(ws):
    ev = ws["ctx"]["evaluator"]
    # Interview "Arbejdsprøvning" is not approved: not searched.
    assert search.search(ev, "lageret arbejdsprøvning").total == 0
    with ws["db"].session(write=True) as s:
        from qualkit.store.models import Interview

        s.get(Interview, ws["iv"]).status = "approved"
    res = search.search(ev, "LAGERET arbejdsprøvning")
    assert res.total == 1
    [hit] = res.hits
    assert hit.number == 2 and hit.match == "lageret"
    assert LONG[hit.start : hit.end] == "lageret"
    assert len(hit.words) == 2 and hit.before.startswith("… ")
    # A word late in a long turn of a demo transcript (beyond the first 60 characters).
    seg = next(x for x in interviews.get_transcript(ev, 1)["segments"] if len(x["text"]) > 200)
    word = seg["text"].split()[-3].strip(".,?!")
    assert any(h.segment_id == seg["id"] for h in search.search(ev, word, limit=1000).hits)
    # Not every word present: no hit.
    assert search.search(ev, "lageret zebra").total == 0
    # Filters: speaker role, wave, code.
    citizens = search.search(ev, "jeg", search.Filters(speaker_role="citizen"), limit=5000)
    assert citizens.total > 0 and all(h.role == "citizen" for h in citizens.hits)
    assert search.search(ev, "jeg", search.Filters(wave=9)).total == 0
    code = _code(ev, "mech.borgerens_behov")
    coded = search.search(ev, "jeg", search.Filters(code_id=code), limit=5000)
    passages = {p.segment_id for p in search.code_passages(ev, code)}
    assert coded.total > 0 and {h.segment_id for h in coded.hits} <= passages
    # The writer searches approved transcripts too.
    assert any(
        h.interview_id == ws["iv"] for h in search.search(ws["ctx"]["writer"], "lageret").hits
    )
    with pytest.raises(PermissionDenied):
        search.search(ws["ctx"]["staff"], "jeg")
    with pytest.raises(InputError):
        search.search(ev, "  ")


def test_parent_code_counts_include_children(ws):
    ev = ws["ctx"]["evaluator"]
    counts = search.code_counts(ev)
    parent = next(c for c in counts if c.key == "mech" and c.total > 0)
    kids = [c for c in counts if c.parent_id == parent.code_id]
    assert parent.own == 0 and len(kids) > 1
    assert parent.total == parent.own + sum(k.total for k in kids)
    assert parent.total > 0
    passages = search.code_passages(ev, parent.code_id)
    assert len(passages) == parent.total
    assert all(p.text for p in passages)


def test_memos_kinds_links_search_permissions_and_qdpx_notes(ws, tmp_path):
    ev, writer = ws["ctx"]["evaluator"], ws["ctx"]["writer"]
    seg = interviews.get_transcript(ev, 1)["segments"][3]
    code = _code(ev, "mech.tryghed")
    pid = memos.create_memo(
        ev,
        "project",
        "Tryghed som mekanisme",
        "Tryghed går igen på tværs af borgerne.",
        links=[memos.LinkSpec(segment_id=seg["id"], start=0, end=5), memos.LinkSpec(code_id=code)],
    )
    memos.create_memo(ev, "code", "Om koden", "Bruges bredt.", code_id=code)
    hidden = memos.create_memo(ev, "interview", "Ikke godkendt endnu", "Noter.", interview_id=5)
    with pytest.raises(InputError):
        memos.create_memo(ev, "interview", "Uden interview", "x")
    with pytest.raises(InputError):
        memos.create_memo(ev, "project", "  ", "x")
    with pytest.raises(PermissionDenied):
        memos.create_memo(writer, "project", "Skriver", "x")
    with pytest.raises(PermissionDenied):  # only the author (or an administrator) edits
        memos.update_memo(ws["ctx"]["evaluator2"], pid, body="ændret")
    found = memos.list_memos(ev, query="tværs borgerne")
    assert [m.id for m in found] == [pid]
    assert (
        found[0].links[0].text == seg["text"][:5] and found[0].links[1].code_key == "mech.tryghed"
    )
    assert {m.id for m in memos.list_memos(ev)} >= {pid, hidden}
    assert hidden not in {m.id for m in memos.list_memos(writer)}  # interview 5 not approved
    memos.update_memo(ev, pid, body="Tryghed går igen; også hos medarbejderne.")
    assert memos.list_memos(ev, query="medarbejderne")[0].id == pid
    # Exported with the project as REFI-QDA notes (not the unapproved interview's memo).
    from qualkit.exports.qdpx import project_xml
    from qualkit.services import exchange, exchange_memos

    with ws["db"].session() as s:
        qda, _ = exchange.build_qda_project(s, writer)
    checked = exchange_memos.memo_notes(writer, qda)
    assert any("Tryghed" in p.text for p in checked)  # memo texts pass the export check too
    xml = project_xml(qda)[0].decode("utf-8")
    assert 'name="Tryghed som mekanisme"' in xml and "også hos medarbejderne" in xml
    assert "Ikke godkendt endnu" not in xml
    memos.delete_memo(ev, hidden)
    assert hidden not in {m.id for m in memos.list_memos(ev)}


def test_remembered_interview(ws):
    ev = ws["ctx"]["evaluator"]
    assert preferences.last_interview(ev, [1, 2]) is None
    preferences.remember_interview(ev, 2)
    preferences.remember_interview(ev, 2)
    assert preferences.last_interview(ev, [1, 2]) == 2
    assert preferences.last_interview(ev, [1]) is None  # no longer one the user may open
    assert preferences.last_interview(ws["ctx"]["evaluator2"], [1, 2]) is None


@pytest.mark.parametrize("user", ["evaluator", "writer"])
def test_search_and_memo_pages_render(ws, monkeypatch, user):
    monkeypatch.setenv("QUALKIT_DATA", str(ws["folder"]))
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    at = AppTest.from_file(str(PAGES / "search.py"), default_timeout=60)
    at.session_state["actor"] = actor_for(ws["db"], user)
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="search_q").input("jobkonsulenten").run()
    assert not at.exception, at.exception
    assert any("fundet" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.button(key="search_hit_0") is not None
    at = AppTest.from_file(str(PAGES / "memos.py"), default_timeout=60)
    at.session_state["actor"] = actor_for(ws["db"], user)
    at.run()
    assert not at.exception, at.exception
    if user == "evaluator":
        at.text_input(key="memo_title").input("Fra siden")
        at.text_area(key="memo_body").input("Et memo skrevet i appen.")
        at.button(key="memo_create").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any(m.title == "Fra siden" for m in memos.list_memos(ws["ctx"]["evaluator"]))


def test_coding_page_document_view_renders_and_remembers(ws, monkeypatch):
    monkeypatch.setenv("QUALKIT_DATA", str(ws["folder"]))
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    ev2 = ws["ctx"]["evaluator2"]
    preferences.remember_interview(ev2, 3)
    at = AppTest.from_file(str(PAGES / "coding.py"), default_timeout=60)
    at.session_state["actor"] = actor_for(ws["db"], "evaluator2")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="coding_iv").value == 3  # opens on the interview last worked on
    at.radio(key="coding_mode").set_value(cdoc.DocMode.CONSENSUS).run()
    assert not at.exception, at.exception
    at.radio(key="coding_layout").set_value("Tabel").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["Nr"].iloc[0] == 1  # segments count from 1
    _ = coding


def test_staff_entry_warnings(ws):
    from datetime import date

    from qualkit.services import delivery, delivery_warnings

    ev = ws["ctx"]["evaluator"]

    def keys(cid: str, when: date, comp: str = "jk_moede") -> set[str]:
        return {w.key for w in delivery_warnings.entry_warnings(ev, cid, comp, when)}

    assert "control" in keys("B02", date(2025, 1, 10))  # control arm
    assert "before_start" in keys("B01", date(2024, 11, 1))  # before the course started
    assert "ended" in keys("B01", date(2025, 6, 1))  # after the course ended
    assert keys("B01", date(2025, 1, 10)) == set()
    delivery.log_event(ev, "B01", "jk_moede", date(2025, 1, 10), minutes=30, mode="telefon")
    assert keys("B01", date(2025, 1, 10)) == {"duplicate"}
    assert keys("B01", date(2025, 1, 10), "trepartssamtale") == set()
