"""`qualkit deid` as DESIGN.md fixes it: redacted text, JSONL spans, clear errors, no half-writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qualkit.cli import main

REPO = Path(__file__).resolve().parent.parent
TEXT = (
    "[00:00:05] I: Hvordan var det at møde Sanne?\n"
    "[00:00:09] B03: Jo, Sanne var sød. Sannes kollega Rasmus Holt ringede på 22 33 44 55.\n"
    "[00:00:20] B03: Jeg bor på Skovvej 3, 1. tv., 8200 Aarhus N. Per uge træner jeg to gange.\n"
)
ROSTER = (
    "name;role;pseudonym\nSanne Kjærgaard;jobkonsulent;Jobkonsulent 1\nRasmus Holt;fysioterapeut;\n"
)


@pytest.fixture
def files(tmp_path):
    src = tmp_path / "b03.txt"
    src.write_text(TEXT, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return tmp_path, src, roster


def test_outputs_follow_the_contract(files):
    tmp, src, roster = files
    out, spans_out = tmp / "out" / "red.txt", tmp / "spans.jsonl"
    assert (
        main(
            [
                "deid",
                str(src),
                "--roster",
                str(roster),
                "--out",
                str(out),
                "--spans-out",
                str(spans_out),
            ]
        )
        == 0
    )
    rows = [json.loads(line) for line in spans_out.read_text("utf-8").splitlines()]
    assert rows and all(
        list(r) == ["start", "end", "label", "text", "source", "replacement"] for r in rows
    )
    for r in rows:
        assert TEXT[r["start"] : r["end"]] == r["text"]
    by_text = {}
    for r in rows:
        by_text.setdefault(r["text"], set()).add(r["replacement"])
    assert all(len(v) == 1 for v in by_text.values())
    assert by_text["Sanne"] == {"[Jobkonsulent 1]"} and by_text["Sannes"] == {"[Jobkonsulent 1]s"}
    assert by_text["Rasmus Holt"] == {"[Fysioterapeut 1]"}
    assert {r["label"] for r in rows} >= {"PERSON", "PHONE", "ADDRESS"}
    red = out.read_text("utf-8")
    for secret in ("Sanne", "Rasmus", "Holt", "22 33 44 55", "Skovvej"):
        assert secret not in red
    assert "Per uge træner jeg" in red and red.count("\n") == TEXT.count("\n")


def test_stdout_and_latin1_input(tmp_path):
    src = tmp_path / "old.txt"
    src.write_bytes(
        "I: Hvordan går det, Søren?\nB: Godt. Jørgen fra Århus ringede.\n".encode("cp1252")
    )
    proc = subprocess.run(
        [sys.executable, "-m", "qualkit", "deid", str(src)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Søren" not in proc.stdout and "Jørgen" not in proc.stdout
    assert "Hvordan går det" in proc.stdout


@pytest.mark.parametrize("kind", ["empty", "binary", "roster"])
def test_bad_input_is_one_clear_line_and_writes_nothing(files, kind, capsys):
    tmp, src, roster = files
    if kind == "empty":
        src.write_text("  \n", encoding="utf-8")
    elif kind == "binary":
        src.write_bytes(b"PK\x03\x04\x00\x00binary\x00stuff")
    else:
        roster.write_text("navnet;rolle\nSanne;jk\n", encoding="utf-8")
    out, spans_out = tmp / "red.txt", tmp / "spans.jsonl"
    code = main(
        [
            "deid",
            str(src),
            "--roster",
            str(roster),
            "--out",
            str(out),
            "--spans-out",
            str(spans_out),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert len(err.splitlines()) == 1
    assert (str(roster) if kind == "roster" else str(src)) in err
    assert {"empty": "tom", "binary": "binær", "roster": "name"}[kind] in err
    assert not out.exists() and not spans_out.exists()
    assert not list(tmp.glob(".*.tmp"))
