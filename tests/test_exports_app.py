"""The export page under AppTest: filter, star, see the safety check, override, download."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from qualkit.services import exports
from qualkit.services.exports import QuoteFilter
from qualkit.services.users import actor_for

from .export_helpers import build_project, set_text, standin_recognisers  # noqa: F401
from .test_exports_safety import PLANTED

PAGE = str(Path(__file__).resolve().parent.parent / "qualkit" / "ui" / "pages" / "exports.py")


def test_export_page_flow(sqlite_db, monkeypatch, standin_recognisers):  # noqa: F811
    b = build_project(sqlite_db)
    seg = b.segments[("B03", 2)]
    set_text(sqlite_db, seg, PLANTED)
    monkeypatch.setenv("QUALKIT_DATA", str(sqlite_db.settings.data_dir))
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["actor"] = actor_for(sqlite_db, "writer")
    at.run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 7
    # Filter on the control arm: one quote left.
    at.multiselect(key="exp_arms").set_value(["kontrol"]).run()
    assert len(at.dataframe[0].value) == 1
    at.multiselect(key="exp_arms").set_value([]).run()
    # Star a quote that was not starred.
    ctx = b.ctx("writer")
    target = next(q for q in exports.list_quotes(ctx) if not q["starred"])
    at.selectbox(key="exp_quote").set_value(target["consensus_id"]).run()
    at.button(key="exp_star").click().run()
    starred = exports.list_quotes(ctx, QuoteFilter(starred_only=True))
    assert target["consensus_id"] in {q["consensus_id"] for q in starred}
    # Flag it as revealing: it leaves the list; undo brings it back.
    at.selectbox(key="exp_quote").set_value(target["consensus_id"]).run()
    at.button(key="exp_reveal").click().run()
    assert len(at.dataframe[0].value) == 6
    assert [q["consensus_id"] for q in exports.list_revealing(ctx)] == [target["consensus_id"]]
    at.button(key="exp_unreveal").click().run()
    assert len(at.dataframe[0].value) == 7 and not exports.list_revealing(ctx)
    # The safety check lists the planted passage; the export is refused until overridden.
    at.button(key="exp_check").click().run()
    assert at.warning and f"exp_ovr_{seg}" in [c.key for c in at.checkbox]
    at.button(key="exp_make_docx").click().run()
    assert any(f"segment {seg}" in e.value for e in at.error)
    assert not at.get("download_button")
    at.checkbox(key=f"exp_ovr_{seg}").check().run()
    at.button(key="exp_make_docx").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["exp_file_docx"][:2] == b"PK"
