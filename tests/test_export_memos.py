"""The quote set's appendix "Memoer" (``export quotes --memos``, issue 13 item 3): in the .docx
only when asked; grouped by code, interview and project with title, date, author as a role
label and the linked passages' references; what the user may read only (a writer never gets a
memo about an interview that is not de-identified); checked like quotes (a real name from the
key vault refuses the export, exactly as in a quote)."""

from __future__ import annotations

import io

import docx
import pytest
from sqlalchemy import select

from qualkit.cli import main
from qualkit.errors import InputError
from qualkit.services import exports, memos, users
from qualkit.services.context import Context
from qualkit.store.models import Code, Codebook, Interview, Segment


def _text(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    doc = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in doc.paragraphs), [
        (p.style.name, p.text) for p in doc.paragraphs
    ]


def _setup(db, pid: int) -> dict:
    ev2 = Context(db, users.actor_for(db, "evaluator2"), pid)
    with db.session() as s:
        ivs = s.scalars(select(Interview).where(Interview.project_id == pid)).all()
        approved = next(iv.id for iv in ivs if iv.status == "approved")
        raw = next(iv.id for iv in ivs if iv.status not in ("approved", "deidentified"))
        seg = s.scalars(
            select(Segment).where(Segment.interview_id == approved).order_by(Segment.position)
        ).all()[3]
        raw_seg = s.scalars(select(Segment).where(Segment.interview_id == raw)).first()
        code = s.scalars(
            select(Code)
            .join(Codebook)
            .where(Codebook.project_id == pid, Code.parent_id.is_not(None))
        ).first()
        ids = {"approved": approved, "raw": raw, "seg": seg.id, "raw_seg": raw_seg.id}
        ids["code"], ids["code_name"] = code.id, code.name
    memos.create_memo(
        ev2, "interview", "Om forløbet", "Borgeren beskriver ro.", interview_id=approved
    )
    memos.create_memo(ev2, "code", "Om koden", "Bruges om tryghed.", code_id=ids["code"])
    memos.create_memo(
        ev2,
        "project",
        "Tværgående mønster",
        "Første afsnit.\nAndet afsnit.",
        links=[
            memos.LinkSpec(segment_id=ids["seg"]),
            memos.LinkSpec(code_id=ids["code"]),
            memos.LinkSpec(segment_id=ids["raw_seg"]),  # into an interview not yet approved
        ],
    )
    memos.create_memo(ev2, "interview", "RÅMEMO", "RÅTEKST", interview_id=raw)
    return ids


def test_appendix_only_when_asked_grouped_and_as_the_writer_may_read(demo, tmp_path):
    db, result = demo
    ids = _setup(db, result.project_id)
    writer = Context(db, users.actor_for(db, "writer"), result.project_id)
    plain = exports.export_quotes(writer, tmp_path / "uden.docx")
    text, _ = _text(plain.data or (tmp_path / "uden.docx").read_bytes())
    assert "Memoer" not in text and "Om forløbet" not in text and "memos" not in plain.counts
    res = exports.export_quotes(writer, tmp_path / "med.docx", memos=True)
    text, paras = _text((tmp_path / "med.docx").read_bytes())
    styles = dict((t, st) for st, t in paras)
    assert styles["Memoer"] == "Heading 1"
    assert [t for st, t in paras if st == "Heading 2"][-3:] == [
        "Kodememoer",
        "Interviewmemoer",
        "Projektmemoer",
    ]
    for title in ("Om forløbet", "Om koden", "Tværgående mønster"):
        assert styles[title] == "Heading 3"
    assert "Første afsnit." in text and "Andet afsnit." in text
    assert res.counts["memos"] == 3
    # The author as a role label, never the user name; dates as Danes write them.
    assert "evaluator 1" in text and "evaluator2" not in text
    assert f"Kode: {ids['code_name']}" in text
    assert f"Henvisninger: Interview {ids['approved']}" in text and ", tur 4" in text
    assert f"kode {ids['code_name']}" in text
    # A writer never gets a memo about, or a link into, an interview not yet de-identified.
    assert "RÅMEMO" not in text and "RÅTEKST" not in text
    assert f"Interview {ids['raw']}," not in text and f"Interview {ids['raw']}\n" not in text
    # An evaluator gets the same rule in an export: what leaves is de-identified only.
    ev = Context(db, users.actor_for(db, "evaluator"), result.project_id)
    exports.export_quotes(ev, tmp_path / "ev.docx", memos=True)
    assert "RÅMEMO" not in _text((tmp_path / "ev.docx").read_bytes())[0]


def test_a_real_name_in_a_memo_refuses_the_export_like_a_quote(demo, tmp_path):
    db, result = demo
    ids = _setup(db, result.project_id)
    ev2 = Context(db, users.actor_for(db, "evaluator2"), result.project_id)
    # Camilla Vestergaard is in the demo's key vault (transcripts/roster.csv -> Borger 3).
    bad = memos.create_memo(
        ev2,
        "interview",
        "Opfølgning",
        "Camilla Vestergaard sagde det selv.",
        interview_id=ids["approved"],
    )
    writer = Context(db, users.actor_for(db, "writer"), result.project_id)
    (tmp_path / "ud").mkdir()
    with pytest.raises(InputError) as err:
        exports.export_quotes(writer, tmp_path / "ud" / "q.docx", memos=True)
    assert f"Memo {bad}" in str(err.value) and "Vestergaard" not in str(err.value)
    assert not list((tmp_path / "ud").iterdir())  # nothing written
    # Without the appendix the quotes go out as before; with the memo cleaned, both do.
    exports.export_quotes(writer, tmp_path / "ud" / "q.docx")
    memos.update_memo(ev2, bad, body="[Borger 3] sagde det selv.")
    exports.export_quotes(
        writer,
        tmp_path / "ud" / "q2.docx",
        memos=True,
    )
    assert "[Borger 3] sagde det selv." in _text((tmp_path / "ud" / "q2.docx").read_bytes())[0]


def test_cli_memos_flag(sqlite_demo, tmp_path, capsys):
    db, result = sqlite_demo
    _setup(db, result.project_id)
    data = tmp_path / "data"
    out = tmp_path / "citater.docx"
    assert main(["export", "quotes", "--data", str(data), "--out", str(out), "--memos"]) == 0
    assert "memoer 3" in capsys.readouterr().out
    text, _ = _text(out.read_bytes())
    assert "Memoer" in text and "Tværgående mønster" in text
    assert main(["export", "quotes", "--data", str(data), "--out", str(out), "--force"]) == 0
    assert "Memoer" not in _text(out.read_bytes())[0]
