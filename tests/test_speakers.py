"""Speakers linked to people: in a focus group each citizen's turns are theirs, an interviewer's
turn never counts as a citizen's, and field notes or documents are never quoted as "Borger"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualkit.codebooks.model import parse_codebook
from qualkit.errors import InputError
from qualkit.services import analysis, codebooks, exports, interviews, speakers
from qualkit.services.interview_meta import parse_meta
from qualkit.store.models import Code, ConsensusCoding, Interview
from qualkit.transcripts.textformat import Turn

from .study_support import small_project

BOOK = {"codebook": "T", "codes": [{"id": "tema", "name": "Tema", "framework": "theme"}]}


def _code_all(db, iid: int) -> None:
    """De-identified, and every turn consensus-coded with 'tema'."""
    with db.session(write=True) as s:
        iv = s.get(Interview, iid)
        iv.status = "deidentified"
        code = s.scalar(select(Code).where(Code.key == "tema"))
        for seg in iv.segments:
            seg.deidentified = True
            s.add(ConsensusCoding(segment_id=seg.id, code_id=code.id, origin="new"))


@pytest.fixture
def study(db):
    ctx = small_project(db)
    codebooks.import_codebook(ctx, parse_codebook(BOOK))
    fg = interviews.create_interview_from_turns(
        ctx,
        "Fokusgruppe",
        [
            Turn("I", "Hvad betød teamet for jer?"),
            Turn("Deltager A", "Jeg fik en fast koordinator."),
            Turn("Deltager B", "Jeg ventede længe."),
            Turn("Deltager A", "Og lægen lyttede."),
        ],
        meta=parse_meta(kind="focus_group", citizens=["B01", "B03"], wave=2),
        speakers={"I": "interviewer"},
    )
    speakers.set_speaker(ctx, fg, "Deltager A", citizen_id="B01")
    speakers.set_speaker(ctx, fg, "Deltager B", citizen_id="B03")
    note = interviews.create_interview_from_turns(
        ctx,
        "Feltnote fra teammøde",
        [Turn(None, "Koordinatoren fremlagde tre sager på konferencen.")],
        meta=parse_meta(kind="fieldnote"),
    )
    one = interviews.create_interview_from_turns(
        ctx,
        "B02 alene",
        [Turn("I", "Hvordan gik det?"), Turn("B02", "Fint.")],
        meta=parse_meta(citizens=["B02"]),
        speakers={"I": "interviewer", "B02": "citizen"},
    )
    for iid in (fg, note, one):
        _code_all(db, iid)
    return ctx, fg, note, one


def test_each_turn_takes_its_role_and_citizen_from_the_speaker(study):
    ctx, fg, note, one = study
    df = analysis.coded_segments(ctx).fillna("-")
    got = sorted((r.document, r.role, r.citizen_id, r.arm) for r in df.itertuples())
    assert got == [
        ("B02 alene", "borger", "B02", "indsats"),
        ("B02 alene", "interviewer", "-", "-"),
        ("Feltnote fra teammøde", "feltnote", "-", "-"),
        ("Fokusgruppe", "borger", "B01", "indsats"),
        ("Fokusgruppe", "borger", "B01", "indsats"),
        ("Fokusgruppe", "borger", "B03", "kontrol"),
        ("Fokusgruppe", "interviewer", "-", "-"),
    ]
    matrix = analysis.code_participant_matrix(ctx).set_index("citizen_id")["tema"].to_dict()
    # The interviewer's coded question is nobody's; each citizen only their own turns.
    assert matrix == {"B01": 2, "B02": 1, "B03": 1}
    by_arm = analysis.frequencies(ctx, "arm").set_index("code")
    assert by_arm.loc["tema", "indsats"] == 3 and by_arm.loc["tema", "kontrol"] == 1


def test_quotes_name_each_speaker_and_never_a_field_note_as_borger(study):
    ctx, fg, note, one = study
    quotes = exports.list_quotes(ctx, descriptor_fields=["label", "arm"])
    by_text = {q["text"]: q["descriptor"] for q in quotes}
    a, b = by_text["Jeg fik en fast koordinator."], by_text["Jeg ventede længe."]
    # Each focus-group member has their own (random, per-project) report label and arm.
    assert a.startswith("Borger ") and b.startswith("Borger ") and a != b
    assert "indsats" in a and "kontrol" in b
    assert by_text["Og lægen lyttede."] == a
    note_desc = by_text["Koordinatoren fremlagde tre sager på konferencen."]
    assert "Borger" not in note_desc and note_desc.startswith("Feltnote")
    assert not by_text["Hvad betød teamet for jer?"].startswith("Borger")


def test_relinking_a_speaker_and_bad_links(study):
    ctx, fg, note, one = study
    r = speakers.set_speaker(ctx, fg, "Deltager B", role="jobkonsulent")
    assert r.role == "jobkonsulent"
    df = analysis.coded_segments(ctx)
    assert set(df.loc[df.document == "Fokusgruppe", "role"]) == {
        "borger",
        "interviewer",
        "jobkonsulent",
    }
    with pytest.raises(InputError, match="taler 'Z' findes ikke"):
        speakers.set_speaker(ctx, fg, "Z", citizen_id="B01")
    with pytest.raises(InputError, match="angiv enten en borger"):
        speakers.set_speaker(ctx, fg, "I")
    people = speakers.people(ctx, fg)
    assert {"speaker": "Deltager A", "role": "borger", "citizen_id": "B01"} in people


def test_informant_sample_counts_focus_group_members_by_arm(study):
    ctx, *_ = study
    sample = analysis.informant_sample(ctx)
    fg = sample[sample.type == "Fokusgruppe"].set_index("arm")["personer"].to_dict()
    assert fg == {"indsats": 1, "kontrol": 1}


def test_quote_as_exchange_with_descriptor_first(study, tmp_path):
    """The reports print the descriptor line first and a quote as question + answer
    (seed 002 lines 529-544)."""
    from docx import Document

    from qualkit.services.export_quotes import QuoteFilter

    ctx, fg, note, one = study
    out = tmp_path / "citater.docx"
    exports.export_quotes(
        ctx, out, QuoteFilter(roles=["borger"]), descriptor_first=True, exchange=True
    )
    paras = [p.text for p in Document(str(out)).paragraphs]
    i = paras.index("Interviewer: Hvordan gik det?")
    assert paras[i - 1].startswith("Borger ")  # the descriptor line before the exchange
    label = paras[i - 1].split(",")[0].split(" (")[0]
    assert paras[i + 1] == f"{label}: Fint."
    # In the focus group the question comes before the first answer only.
    j = paras.index("Interviewer: Hvad betød teamet for jer?")
    assert paras[j + 1].endswith(": Jeg fik en fast koordinator.")
    assert "Interviewer: Og lægen lyttede." not in paras
    # Without the options: the quote in quotation marks, then its descriptor.
    plain = tmp_path / "plain.docx"
    exports.export_quotes(ctx, plain, QuoteFilter(roles=["borger"]))
    ps = [p.text for p in Document(str(plain)).paragraphs]
    k = ps.index("\u201dFint.\u201d")
    assert ps[k + 1].startswith("Borger ") and "Interviewer: Hvordan gik det?" not in ps


def test_withdrawal_in_a_focus_group_removes_only_that_persons_turns(study):
    from qualkit.services import withdrawal
    from qualkit.store.models import Segment

    ctx, fg, note, one = study
    withdrawal.withdraw(ctx, "B03")  # "Deltager B" in the focus group
    with ctx.db.session() as s:
        iv = s.get(Interview, fg)
        assert iv is not None  # the others' words stay
        texts = [seg.text for seg in iv.segments]
        assert "Jeg ventede længe." not in texts
        assert "Jeg fik en fast koordinator." in texts and "Hvad betød teamet for jer?" in texts
        assert [r.speaker for r in iv.people if r.participant_id is not None] == ["Deltager A"]
    withdrawal.withdraw(ctx, "B02")  # alone in a one-to-one interview: it goes whole
    with ctx.db.session() as s:
        assert s.get(Interview, one) is None
        assert s.scalar(select(Segment.id).where(Segment.interview_id == one)) is None
