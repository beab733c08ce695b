"""Coding tables: a row per coding (individual and consensus), the codes x participants
matrix, Danish CSV; and the CLI contract of the export commands."""

from __future__ import annotations

import csv

import openpyxl
from sqlalchemy import select

from qualkit.cli import main
from qualkit.exports.tables import COLUMNS
from qualkit.services import exports
from qualkit.store.models import Coding, ConsensusCoding, User

from .export_helpers import CODINGS, build_project, standin_recognisers  # noqa: F401


def test_codings_xlsx_and_csv(db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(db)
    with db.session(write=True) as s:  # two evaluators' own codings beside the consensus
        ev = s.scalar(select(User.id).where(User.username == "evaluator"))
        first = s.get(ConsensusCoding, b.consensus[0])
        s.add(Coding(segment_id=first.segment_id, code_id=first.code_id, coder_id=ev))
        s.add(
            Coding(
                segment_id=first.segment_id,
                code_id=first.code_id,
                coder_id=ev,
                start_char=0,
                end_char=6,
            )
        )
    # A writer exports the consensus only; the coder exports their own codings beside it.
    result = exports.export_codings(b.ctx("writer"), tmp_path / "kodninger.xlsx")
    assert result.counts == {"codings": 0, "consensus": len(CODINGS), "tally_sheets": 0}
    result = exports.export_codings(b.ctx("evaluator"), tmp_path / "kodninger.xlsx")
    assert result.counts == {"codings": 2, "consensus": len(CODINGS), "tally_sheets": 0}
    wb = openpyxl.load_workbook(tmp_path / "kodninger.xlsx")
    assert wb.sheetnames[:2] == ["Kodninger", "Koder x deltagere"]
    rows = list(wb["Kodninger"].iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS.values())
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(body) == len(CODINGS) + 2
    assert sum(r["konsensus"] == "ja" for r in body) == len(CODINGS)
    part = next(r for r in body if r["konsensus"] == "nej" and r["tekst"] == "Det va")
    assert part["koder"] == "evaluator" and part["tid"] == "00:01:20" and part["taler"] == "B03"
    matrix = list(wb["Koder x deltagere"].iter_rows(values_only=True))
    header = list(matrix[0])
    assert header[0] == "kode" and set(header[1:]) == {"B03", "B07", "B12"}
    cell = {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in matrix[1:]}
    assert cell["Mestring og energi"] == {"B03": 1, "B07": 0, "B12": 1}
    assert cell["Trepartssamtalen"]["B07"] == 1

    exports.export_codings(b.ctx("evaluator"), tmp_path / "kodninger.csv")
    raw = (tmp_path / "kodninger.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Danish Excel opens it right
    with open(tmp_path / "kodninger.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh, delimiter=";"))
    assert len(table) == len(CODINGS) + 2 and table[0]["dokument"] == "Borgerinterview B03"


def test_cli_exports(sqlite_db, tmp_path, standin_recognisers, capsys):  # noqa: F811
    b = build_project(sqlite_db)
    data = str(sqlite_db.settings.data_dir)
    out = tmp_path / "q.docx"
    assert (
        main(
            [
                "export",
                "quotes",
                "--data",
                data,
                "--out",
                str(out),
                "--group-by",
                "framework",
                "--arm",
                "indsats",
                "--starred-only",
                "--describe",
                "label,køn,alder",
                "--user",
                "writer",
            ]
        )
        == 0
    )
    assert out.exists() and "Skrev citatsamlingen" in capsys.readouterr().out
    assert main(["export", "qdpx", "--data", data, "--out", str(tmp_path / "p.qdpx")]) == 0
    assert main(["export", "codings", "--data", data, "--out", str(tmp_path / "c.xlsx")]) == 0
    # Bad arguments: one line, non-zero, nothing written.
    assert (
        main(
            [
                "export",
                "quotes",
                "--data",
                data,
                "--out",
                str(tmp_path / "x.docx"),
                "--group-by",
                "tema",
            ]
        )
        == 2
    )
    assert main(["export", "codings", "--data", data, "--out", str(tmp_path / "x.txt")]) == 2
    assert (
        main(
            [
                "export",
                "quotes",
                "--data",
                data,
                "--out",
                str(tmp_path / "x.docx"),
                "--user",
                "staff",
            ]
        )
        == 4
    )
    err = capsys.readouterr().err
    assert "--group-by" in err and "x.txt" in err and "Adgang nægtet" in err
    assert not list(tmp_path.glob("x.*")) and not list(tmp_path.glob(".x.*"))
    # Import into a new project from the file just written.
    assert (
        main(
            [
                "import",
                "qdpx",
                str(tmp_path / "p.qdpx"),
                "--data",
                data,
                "--project",
                "Kopi",
                "--deidentified",
            ]
        )
        == 0
    )
    assert (
        main(["import", "qdpx", str(tmp_path / "p.qdpx"), "--data", data, "--project", "Kopi"]) == 2
    )
    assert "findes allerede" in capsys.readouterr().err
    assert b.project_id


def test_tally_sheets_when_the_tally_feature_is_there(demo_folder, tmp_path, standin_recognisers):  # noqa: F811
    """The demo has a protocol, a register and a delivery log: the workbook carries the
    per-citizen, summary and flow tallies (issue 6) beside the codings."""
    from qualkit.services import projects
    from qualkit.store import Database

    from .conftest import ctx_as

    folder, _ = demo_folder
    db = Database.open(folder)
    try:
        ctx = ctx_as(db, projects.find_project(db), "writer")
        result = exports.export_codings(ctx, tmp_path / "k.xlsx")
    finally:
        db.close()
    assert result.counts["tally_sheets"] == 3
    wb = openpyxl.load_workbook(tmp_path / "k.xlsx")
    assert {"Tally per_citizen", "Tally summary", "Tally flow"} <= set(wb.sheetnames)
    per_citizen = list(wb["Tally per_citizen"].iter_rows(values_only=True))
    assert "citizen_id" in per_citizen[0] and len(per_citizen) == 31  # 30 demo citizens
