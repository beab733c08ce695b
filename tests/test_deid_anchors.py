"""Item 1: de-identification decisions are anchored to the text they were made on.

The attack: propose, edit a segment in the transcript editor, approve: the old offsets landed
in the new text ("Jeg he[Fysioterapeut 1] Holt"). Now every edit re-anchors or stales the
decisions, approval refuses until a new proposal run, and no approved text keeps a name a
reviewer accepted for replacement.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualkit.deid.anchors import (
    Anchor,
    SegmentState,
    not_ready,
    numbers_text,
    reanchor,
    residual,
)
from qualkit.errors import InputError
from qualkit.services import deid, transcript_editor
from qualkit.store.models import EntityDecision, Interview, Segment

from .privacy_helpers import ROSTER, small_project


# --- pure anchor logic -------------------------------------------------------------------
def test_reanchor_follows_words_through_an_insert_before_them():
    old = "Jeg mødte Mette Holt i går."
    new = "Jeg hedder Per, og jeg mødte Mette Holt i går."
    b = old.index("Mette Holt")
    hit = reanchor(old, new, b, b + len("Mette Holt"))
    assert hit is not None and new[hit[0] : hit[1]] == "Mette Holt"


def test_reanchor_is_stale_when_the_words_are_gone_or_changed():
    old = "Jeg mødte Mette Holt i går."
    b = old.index("Mette Holt")
    assert reanchor(old, "Jeg mødte hende i går.", b, b + 10) is None
    assert reanchor(old, "Jeg mødte Mette Holtby i går.", b, b + 10) is None  # not word-bounded
    assert reanchor(old, old, 5, 99) is None  # offsets outside the old text


def test_reanchor_picks_a_free_occurrence_never_a_taken_one():
    old = "Mette og Mette"
    new = "Nu Mette og Mette"
    first = reanchor(old, new, 0, 5)
    second = reanchor(old, new, 9, 14, taken=[first])
    assert first == (3, 8) and second == (12, 17)


def test_segment_state_and_numbers():
    fresh = SegmentState(1, 2, 2, (Anchor(0, 3, 2, False),))
    edited = SegmentState(2, 3, 2, ())
    stale = SegmentState(3, 1, 1, (Anchor(0, 3, 1, True),))
    never = SegmentState(4, 0, None, ())
    behind = SegmentState(5, 2, 2, (Anchor(0, 3, 1, False),))
    assert not_ready([fresh, edited, stale, never, behind]) == [2, 3, 4, 5]
    assert numbers_text([2, 3, 4]) == "2, 3 og 4" and numbers_text([7]) == "7"


def test_a_decision_with_a_start_but_no_end_blocks_like_a_stale_one():
    half = SegmentState(1, 2, 2, (Anchor(0, None, 2, False),))
    speaker = SegmentState(2, 2, 2, (Anchor(None, None, None, False),))  # not anchored at all
    assert not_ready([half, speaker]) == [1]


def test_residual_finds_accepted_surfaces_outside_cleared_spans():
    texts = ["Jeg he[Fysioterapeut 1] Holt", "Per uge", "[Navn 1] kom"]
    found = residual(texts, {"Holt", "Per"}, [[], [(0, 3)], []])
    assert found == [(0, "Holt")]


# --- the services: every edit path, approval refuses, nothing leaks ----------------------
def _segment_ids(db, iid):
    with db.session() as s:
        return [g.id for g in s.get(Interview, iid).segments]


def _text(db, iid):
    with db.session() as s:
        return "\n".join(g.text for g in s.get(Interview, iid).segments)


def test_edit_after_proposals_blocks_approval_then_reproposal_leaks_nothing(db):
    sm = small_project(db)
    ev = sm.ctx("evaluator")
    iid = sm.interview_id
    deid.propose(ev, iid, ROSTER)
    deid.accept_pending(ev, iid)
    segs = _segment_ids(db, iid)
    # The transcript editor (not the review page) inserts words before the names.
    transcript_editor.save_text(
        ev, segs[1], "Altså, jeg hedder Camilla Vestergaard, og jeg mødte Mette Holt i går."
    )
    with db.session() as s:
        rows = s.scalars(select(EntityDecision).where(EntityDecision.segment_id == segs[1])).all()
        seg = s.get(Segment, segs[1])
        assert seg.text_version == 1 and seg.proposed_version == 0
        # The decisions moved with their words.
        assert {seg.text[r.start : r.end] for r in rows} >= {"Camilla Vestergaard", "Mette Holt"}
        assert all(not r.stale and r.text_version == 1 for r in rows)
    with pytest.raises(InputError, match=r"kan ikke godkendes: segment 2 er ændret"):
        deid.approve(ev, iid, accept_pending=True)
    assert "Mette Holt" in _text(db, iid)  # nothing was written
    deid.propose(ev, iid, ROSTER)
    res = deid.approve(ev, iid, accept_pending=True)
    assert res.replaced >= 3
    text = _text(db, iid)
    for part in ("Camilla", "Vestergaard", "Mette", "Holt"):
        assert part not in text, text
    assert "Altså, jeg hedder [" in text


def test_an_edit_that_removes_the_words_marks_decisions_stale(db):
    sm = small_project(db)
    ev = sm.ctx("evaluator")
    iid = sm.interview_id
    deid.propose(ev, iid, ROSTER)
    segs = _segment_ids(db, iid)
    # Split and merge change texts too; a rewrite removes the name from segment 3.
    transcript_editor.save_text(ev, segs[2], "Bagefter talte jeg med hende igen.")
    with db.session() as s:
        rows = s.scalars(select(EntityDecision).where(EntityDecision.segment_id == segs[2])).all()
        assert rows and all(r.stale for r in rows)
    listed = [x for x in deid.list_spans(ev, iid) if x["segment_id"] == segs[2]]
    assert listed and all(x["stale"] and x["text"] == "" for x in listed)
    with pytest.raises(InputError, match=r"segment 3 "):
        deid.approve(ev, iid, accept_pending=True)
    deid.propose(ev, iid, ROSTER)
    with db.session() as s:
        assert not s.scalars(
            select(EntityDecision).where(
                EntityDecision.segment_id == segs[2], EntityDecision.stale.is_(True)
            )
        ).all()
    deid.approve(ev, iid, accept_pending=True)
    assert "Holt" not in _text(db, iid)


def test_split_and_merge_need_a_new_proposal_run(db):
    sm = small_project(db)
    ev = sm.ctx("evaluator")
    iid = sm.interview_id
    deid.propose(ev, iid, ROSTER)
    segs = _segment_ids(db, iid)
    transcript_editor.split_segment(ev, segs[1], at=len("Jeg hedder Camilla Vestergaard,"))
    with pytest.raises(InputError, match=r"segment 2 og 3 er ændret"):
        deid.approve(ev, iid, accept_pending=True)
    deid.propose(ev, iid, ROSTER)
    transcript_editor.merge_with_next(ev, _segment_ids(db, iid)[0])
    with pytest.raises(InputError, match=r"segment 1 er ændret"):
        deid.approve(ev, iid, accept_pending=True)
    deid.propose(ev, iid, ROSTER)
    deid.approve(ev, iid, accept_pending=True)
    assert "Holt" not in _text(db, iid) and "Vestergaard" not in _text(db, iid)


def test_review_page_edit_reruns_proposals_and_keeps_manual_spans(db):
    sm = small_project(db)
    ev = sm.ctx("evaluator")
    iid = sm.interview_id
    deid.propose(ev, iid, ROSTER)
    segs = _segment_ids(db, iid)
    deid.add_span_text(ev, segs[2], "træningen", "PLACE")
    deid.edit_segment(ev, segs[2], "Senere: Bagefter talte jeg med Mette Holt igen om træningen.")
    mine = [x for x in deid.list_spans(ev, iid) if x["segment_id"] == segs[2]]
    assert any(x["text"] == "træningen" and x["decision"] == "accepted" for x in mine)
    assert any(x["text"] == "Mette Holt" for x in mine)
    deid.approve(ev, iid, accept_pending=True)  # the edit ran the proposals itself
    text = _text(db, iid)
    assert "træningen" not in text and "Holt" not in text


def test_a_name_accepted_elsewhere_still_in_the_text_refuses_approval(db):
    """Accepted in one segment, undetected in another (no roster on the second run): the
    name may not survive approval."""
    sm = small_project(db)
    ev = sm.ctx("evaluator")
    iid = sm.interview_id
    segs = _segment_ids(db, iid)
    deid.propose(ev, iid, ROSTER)
    deid.accept_pending(ev, iid)
    with db.session(write=True) as s:  # a recogniser that missed the second mention of the name
        for r in s.scalars(select(EntityDecision).where(EntityDecision.segment_id == segs[2])):
            s.delete(r)
    with pytest.raises(InputError, match=r"står stadig i segment 3"):
        deid.approve(ev, iid)
    assert "Mette Holt" in _text(db, iid)


def test_a_decision_without_an_end_refuses_approval_until_a_proposal_run_reanchors_it(db):
    """Only a direct database write leaves a start without an end; approval must not skip
    (or crash on) such an accepted name, and the next proposal run finds its words again."""
    sm = small_project(db)
    ev = sm.ctx("evaluator")
    iid = sm.interview_id
    segs = _segment_ids(db, iid)
    deid.propose(ev, iid, ROSTER)
    deid.accept_pending(ev, iid)
    with db.session(write=True) as s:
        rows = s.scalars(select(EntityDecision).where(EntityDecision.segment_id == segs[2])).all()
        assert rows
        for r in rows:
            r.end = None
    with pytest.raises(InputError, match=r"kan ikke godkendes: segment 3 "):
        deid.approve(ev, iid)
    assert "Mette Holt" in _text(db, iid)  # nothing was written
    deid.propose(ev, iid, ROSTER)
    with db.session() as s:
        seg = s.get(Segment, segs[2])
        rows = s.scalars(select(EntityDecision).where(EntityDecision.segment_id == segs[2])).all()
        assert rows and all(r.end is not None for r in rows)
        assert "Mette Holt" in {seg.text[r.start : r.end] for r in rows}
    deid.approve(ev, iid, accept_pending=True)
    assert "Holt" not in _text(db, iid)
