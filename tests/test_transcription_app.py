"""The transcript editor under Streamlit's AppTest: autosave, speakers, split, approve."""

from __future__ import annotations

import pytest

from qualkit.services import interviews, transcript_editor

from .apptest_support import login
from .conftest import REPO, ctx_as

PAGE = "qualkit/ui/pages/interviews.py"


@pytest.fixture
def editor_app(app_demo):
    db, result = app_demo.db, app_demo.result
    at = login("evaluator", result.passwords["evaluator"])
    ctx = ctx_as(db, result.project_id, "evaluator")
    iid = interviews.import_text(
        ctx, REPO / "transcripts" / "tki2_borger_b07.txt", title="B07 kopi"
    )
    at.session_state["open_interview"] = iid
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="chosen_interview").value == iid
    yield at, ctx


def _by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def test_editor_autosaves_text_and_renames_speakers(editor_app):
    at, ctx = editor_app
    iid = at.selectbox(key="chosen_interview").value
    segs = transcript_editor.editor_data(ctx, iid)["segments"]
    area = _by_label(at.text_area, "Segment 2")
    area.input(segs[1]["text"] + " [griner]").run()
    assert not at.exception, at.exception
    saved = transcript_editor.editor_data(ctx, iid)["segments"][1]
    assert saved["text"].endswith("[griner]") and saved["edited"]
    assert not any(
        s["edited"]
        for i, s in enumerate(transcript_editor.editor_data(ctx, iid)["segments"])
        if i != 1
    )
    # Rename a speaker everywhere through the form.
    old = segs[0]["speaker"]
    form_select = next(s for s in at.selectbox if s.label == "Taler" and old in s.options)
    form_select.select(old)
    _by_label(at.text_input, "Nyt navn (fx Interviewer, B03, JK1)").input("Forsker")
    next(b for b in at.button if b.label == "Omdøb overalt").click().run()
    assert not at.exception, at.exception
    after = transcript_editor.editor_data(ctx, iid)["segments"]
    assert old not in {s["speaker"] for s in after}
    assert after[0]["speaker"] == "Forsker"
    # The text widgets show the stored text after the rerun.
    assert _by_label(at.text_area, "Segment 2").value.endswith("[griner]")


def test_editor_split_and_approve_without_audio(editor_app):
    at, ctx = editor_app
    iid = at.selectbox(key="chosen_interview").value
    n = len(transcript_editor.editor_data(ctx, iid)["segments"])
    next(b for b in at.button if b.label == "Del i to").click().run()
    assert not at.exception, at.exception
    assert len(transcript_editor.editor_data(ctx, iid)["segments"]) == n + 1
    assert len([a for a in at.text_area if a.label.startswith("Segment ")]) == min(n + 1, 30)
    next(b for b in at.button if b.label == "Godkend transskription").click().run()
    assert not at.exception, at.exception
    assert transcript_editor.editor_data(ctx, iid)["transcript_approved_at"] is not None
    assert any("godkendt" in s.value for s in at.success)
    assert not [a for a in at.text_area if a.label.startswith("Segment ")]
