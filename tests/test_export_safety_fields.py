"""Item 4: every string that leaves in any export passes the same check, in every format.

Each case plants an identifier in one field (code names and descriptions, speaker labels,
descriptor attributes, bracketed text, addresses, URLs, birth dates, CPR and phone variants,
file names) and every format that carries the field must refuse, writing nothing. The real
recognisers (qualkit.deid) run here, no stand-in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from qualkit.errors import InputError
from qualkit.exports import safety
from qualkit.services import exchange, exports, participants
from qualkit.store.models import Code, Interview, Participant, Segment

from .export_helpers import build_project, set_text

FORMATS = {
    ".docx": lambda ctx, out, **kw: exports.export_quotes(ctx, out, **kw),
    ".qdpx": lambda ctx, out, **kw: exchange.export_qdpx(ctx, out),
    ".xlsx": lambda ctx, out, **kw: exports.export_codings(ctx, out),
    ".csv": lambda ctx, out, **kw: exports.export_codings(ctx, out),
}


def _all_pass(b, folder: Path, formats=tuple(FORMATS), **kw) -> None:
    for ext in formats:
        FORMATS[ext](b.ctx("writer"), folder / f"eksport{ext}", **kw)


def _all_refuse(b, folder: Path, formats=tuple(FORMATS), **kw) -> list[str]:
    folder.mkdir(exist_ok=True)
    messages = []
    for ext in formats:
        with pytest.raises(InputError) as err:
            FORMATS[ext](b.ctx("writer"), folder / f"eksport{ext}", **kw)
        messages.append(str(err.value))
        assert not list(folder.iterdir()), (ext, list(folder.iterdir()))  # nothing written
    return messages


@pytest.fixture
def built(sqlite_db, tmp_path):
    return build_project(sqlite_db)


def test_the_clean_project_exports_in_every_format(built, tmp_path):
    _all_pass(built, tmp_path)
    assert len(list(tmp_path.glob("eksport.*"))) == len(FORMATS)


def test_code_names_and_descriptions(built, sqlite_db, tmp_path):
    with sqlite_db.session(write=True) as s:
        code = s.scalar(select(Code).where(Code.key == "tema.mestring"))
        code.name = "Camilla Vestergaard 010190-1234"
    msgs = _all_refuse(built, tmp_path / "navn")
    assert all("Eksport afvist" in m and "Vestergaard" not in m for m in msgs)
    with sqlite_db.session(write=True) as s:
        code = s.scalar(select(Code).where(Code.key == "tema.mestring"))
        code.name, code.description = "Mestring og energi", "Som Camilla Vestergaard sagde"
    _all_refuse(built, tmp_path / "beskrivelse", formats=(".qdpx",))


def test_speaker_labels(built, sqlite_db, tmp_path):
    seg = built.segments[("B03", 2)]
    with sqlite_db.session(write=True) as s:
        s.get(Segment, seg).speaker = "Kirsten Bak (sygeplejerske)"
    _all_refuse(built, tmp_path / "taler", formats=(".qdpx", ".xlsx", ".csv"))


def test_descriptor_attributes(built, sqlite_db, tmp_path):
    with sqlite_db.session(write=True) as s:
        p = s.scalar(select(Participant).where(Participant.citizen_id == "B03"))
        p.attributes = {**p.attributes, "navn": "Camilla Vestergaard"}
    _all_refuse(
        built, tmp_path / "beskriver", formats=(".docx",), descriptor_fields=["label", "navn"]
    )


@pytest.mark.parametrize(
    "planted",
    [
        "Det sagde [navn: Camilla Vestergaard] til mig.",  # brackets are no pseudonym
        "Jeg bor på Nørregade 12, 8000 Aarhus C, lige ved stationen.",
        "Du kan læse mere på www.camillas-blog.dk om det.",
        "Jeg er født 12-03-1979, så jeg er ikke så ung.",
        "Mit CPR-nummer er 01 01 90 1234, står der.",
        "Mit CPR-nummer er 010190\u20131234, står der.",
        "Ring til mig på 0045 28 14 63 90 i morgen.",
        "Ring til mig på +45 28146390 i morgen.",
    ],
)
def test_every_identifier_class_and_variant_blocks_in_every_format(
    built, sqlite_db, tmp_path, planted
):
    set_text(sqlite_db, built.segments[("B03", 2)], planted)
    msgs = _all_refuse(built, tmp_path / "plantet")
    assert all(f"segment {built.segments[('B03', 2)]}" in m for m in msgs)


def test_only_pseudonyms_the_project_issued_count():
    text = "Det sagde [Borger 3]s mor til [navn: Camilla Vestergaard]."
    report = safety.check([safety.Passage(1, text, "x")], issued={"[Borger 3]"})
    assert {f.surface for f in report.findings} == {"Camilla Vestergaard"}
    assert safety.issued_spans(text, {"[Borger 3]"}) == [(10, 21)]  # with its genitive
    assert safety.issued_spans("[Camilla] og [CPR]", set()) == [(13, 18)]  # fixed tags only


def test_file_names(built, tmp_path):
    folder = tmp_path / "filnavn"
    folder.mkdir()
    with pytest.raises(InputError, match="filnavnet"):
        exports.export_quotes(built.ctx("writer"), folder / "Camilla Vestergaard.docx")
    assert not list(folder.iterdir())


def test_titles_in_every_format_that_carries_them(built, sqlite_db, tmp_path):
    with sqlite_db.session(write=True) as s:
        s.get(Interview, built.interviews["B07"]).title = "Samtale med Camilla Vestergaard"
    _all_refuse(built, tmp_path / "titel", formats=(".qdpx", ".xlsx", ".csv"))


# --- the register: direct identifiers never enter -----------------------------------------
def _register(tmp_path: Path, header: str, rows: list[str]) -> Path:
    p = tmp_path / "register.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("header", "rows", "column"),
    [
        ("citizen_id;arm;navn", ["B90;indsats;Hanne Vestergaard"], "navn"),
        ("citizen_id;arm;CPR", ["B90;indsats;x"], "cpr"),
        (
            "citizen_id;arm;kontakt",
            ["B90;indsats;Camilla Vestergaard", "B91;kontrol;Kirsten Bak"],
            "kontakt",
        ),
        ("citizen_id;arm;nummer", ["B90;indsats;010190-1234"], "nummer"),
        ("citizen_id;arm;hvor", ["B90;indsats;Nørregade 12"], "hvor"),
        ("citizen_id;arm;info", ["B90;indsats;camilla@example.dk"], "info"),
        ("citizen_id;arm;mobilen", ["B90;indsats;28 14 63 90"], "mobilen"),
    ],
)
def test_register_refuses_identifier_columns(built, sqlite_db, tmp_path, header, rows, column):
    path = _register(tmp_path, header, rows)
    with pytest.raises(InputError, match="direkte identifikatorer") as err:
        participants.import_participants(built.ctx("evaluator"), path)
    assert column in str(err.value)
    with sqlite_db.session() as s:
        assert s.scalar(select(Participant).where(Participant.citizen_id == "B90")) is None


def test_register_with_descriptive_attributes_imports(built, tmp_path):
    path = _register(
        tmp_path,
        "citizen_id;arm;site;køn;alder;diagnosegruppe;start_date",
        ["B90;indsats;Rehabilitering Nord;kvinde;44;kræft;01-02-2025"],
    )
    participants.import_participants(built.ctx("evaluator"), path)
