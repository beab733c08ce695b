"""Hostile and broken files (issue 11.5): one Danish message naming file, row and column,
a non-zero exit, nothing written, within seconds and bounded memory, on both databases."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualkit.cli import main
from qualkit.errors import InputError
from qualkit.services import delivery, participants, projects
from qualkit.services.context import SYSTEM, Context
from qualkit.store.models import DeliveryEvent, Participant

REPO = Path(__file__).resolve().parent.parent
TKI2 = REPO / "codebooks" / "protocol_tki2.yaml"
HEAD = "citizen_id;arm;site;start_date;journal_nr\n"
GOOD = "B01;indsats;Nord;01-02-2024;0070412345\n"


@pytest.fixture
def ctx(db):
    pid = projects.create_project(db, SYSTEM, "Fjendtlig", "")
    c = Context(db, SYSTEM, pid)
    delivery.save_protocol(c, TKI2.read_text(encoding="utf-8"), str(TKI2))
    return c


def counts(ctx) -> tuple[int, int]:
    with ctx.db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Participant)),
            s.scalar(select(func.count()).select_from(DeliveryEvent)),
        )


def refused(ctx, path: Path, *pieces: str, events: bool = False) -> str:
    before = counts(ctx)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as err:
        if events:
            delivery.import_events(ctx, path)
        else:
            participants.import_participants(ctx, path)
    assert time.perf_counter() - t0 < 10
    assert counts(ctx) == before  # nothing written
    msg = str(err.value)
    for piece in pieces:
        assert piece in msg, (piece, msg)
    return msg


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def test_register_cells_refused_the_same_on_both_databases(ctx, tmp_path):
    participants.import_participants(ctx, write(tmp_path, "ok.csv", HEAD + GOOD))
    big = HEAD + GOOD + "B02;indsats;" + "x" * (200 * 1024) + ";01-02-2024;1\n"
    refused(ctx, write(tmp_path, "big.csv", big), "big.csv, række 3, kolonne 'site'", "KiB")
    unterminated = HEAD + GOOD + 'B02;"indsats;Nord;01-02-2024;1\nB03;indsats;Nord;;\n'
    refused(ctx, write(tmp_path, "q.csv", unterminated), "q.csv, række 3", "anførselstegn")
    swallow = HEAD + GOOD + 'B02;"indsats;Nord;01-02-2024;1\nB03;indsats;Nord;;\nB04;x";S;;\n'
    refused(ctx, write(tmp_path, "s.csv", swallow), "s.csv, række 3, kolonne 'arm'", "rækkerne")
    nul = HEAD + GOOD * 0 + "".join(f"C{i:03d};indsats;Nord;;\n" for i in range(300))
    nul += "C999;ind\x00sats;Nord;;\n"
    refused(ctx, write(tmp_path, "nul.csv", nul), "nul.csv, række 302, kolonne 'arm'", "NUL")
    long_id = HEAD + "B" * 93 + ";indsats;Nord;;\n"
    refused(ctx, write(tmp_path, "id.csv", long_id), "id.csv, række 2, kolonne 'citizen_id'", "80")
    # Leading zeros are kept as the text the user wrote.
    people = {p["citizen_id"]: p for p in participants.list_participants(ctx)}
    assert people["B01"]["attributes"]["journal_nr"] == "0070412345"


@pytest.mark.parametrize("minutes", ["nan", "inf", "-inf", "1e400", "NaN"])
def test_minutes_must_be_finite(ctx, tmp_path, minutes):
    participants.import_participants(ctx, write(tmp_path, "ok.csv", HEAD + GOOD))
    log = f"citizen_id;date;component;minutes\nB01;02-02-2024;jk_moede;{minutes}\n"
    refused(ctx, write(tmp_path, "e.csv", log), "e.csv, række 2, kolonne 'minutes'", events=True)


def test_delivery_in_the_far_future_is_refused(ctx, tmp_path):
    participants.import_participants(ctx, write(tmp_path, "ok.csv", HEAD + GOOD))
    log = "citizen_id;date;component;minutes\nB01;02-02-2024;jk_moede;45\nB01;01-01-2099;jk_moede;45\n"
    refused(
        ctx,
        write(tmp_path, "e.csv", log),
        "e.csv, række 3, kolonne 'date'",
        "fremtiden",
        events=True,
    )


def test_guard_holds_for_every_write_path(ctx):
    """Outside the readers too: a too long or NUL text never reaches either database."""
    with pytest.raises(InputError, match="participant.citizen_id"):
        with ctx.db.session(write=True) as s:
            s.add(Participant(project_id=ctx.project_id, citizen_id="x" * 81))
    with pytest.raises(InputError, match="NUL"):
        with ctx.db.session(write=True) as s:
            s.add(Participant(project_id=ctx.project_id, citizen_id="B9", site="a\x00b"))
    with pytest.raises(InputError, match="NUL"):
        with ctx.db.session(write=True) as s:
            s.add(Participant(project_id=ctx.project_id, citizen_id="B9", attributes={"k": "\x00"}))
    assert counts(ctx)[0] == 0


def run_cli(capsys, *args: str) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    code = main(list(args))
    return code, capsys.readouterr().err, time.perf_counter() - t0


def tally_args(tmp_path: Path, p: Path, e: Path, proto: Path = TKI2) -> list[str]:
    return [
        "tally",
        "--participants",
        str(p),
        "--events",
        str(e),
        "--protocol",
        str(proto),
        "--out",
        str(tmp_path / "out"),
    ]


def test_tally_reader_refuses_the_same_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QUALKIT_TMPDIR", str(tmp_path / "tmp"))
    reg = write(tmp_path, "p.csv", HEAD + GOOD)
    cases = {
        "nan": ("citizen_id;date;component;minutes\nB01;02-02-2024;jk_moede;nan\n", "minutes"),
        "future": ("citizen_id;date;component;minutes\nB01;02-02-2099;jk_moede;4\n", "fremtiden"),
        "quote": (
            'citizen_id;date;component;minutes\nB01;"02-02-2024;jk_moede;4\nB01;x;y;1\n',
            "række 2",
        ),
        "nul": (
            "citizen_id;date;component;minutes\n"
            + "B01;02-02-2024;jk_moede;4\n" * 400
            + "B01;02-02-2024;jk\x00;4\n",
            "række 402",
        ),
        "big": (
            "citizen_id;date;component;minutes;note\nB01;02-02-2024;jk_moede;4;"
            + "n" * 140_000
            + "\n",
            "kolonne 'note'",
        ),
    }
    for name, (text, piece) in cases.items():
        e = write(tmp_path, f"{name}.csv", text)
        code, err, took = run_cli(capsys, *tally_args(tmp_path, reg, e))
        assert code == 2 and piece in err and "Traceback" not in err, (name, err)
        assert took < 10 and not (tmp_path / "out").exists()


BOMB = """codebook: bombe
codes:
  - id: a
    name: &a ["x","x","x","x","x","x","x","x","x"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def deep(levels: int) -> str:
    return "codebook: dyb\ncodes:\n  - id: a\n    name: " + "[" * levels + "]" * levels + "\n"


@pytest.mark.parametrize(
    "text", [BOMB, deep(1000), deep(5000)], ids=["aliases", "deep1000", "deep5000"]
)
def test_yaml_bombs_are_refused_fast(tmp_path, capsys, text):
    book = write(tmp_path, "bog.yaml", text)
    code, err, took = run_cli(capsys, "codebook", "convert", str(book), str(tmp_path / "x.qdc"))
    assert code == 2 and "bog.yaml" in err and took < 5, err
    assert "afvises" in err or "nesting depth" in err
    assert not (tmp_path / "x.qdc").exists()
    proto = write(tmp_path, "proto.yaml", text.replace("codebook:", "name:"))
    reg = write(tmp_path, "p.csv", HEAD + GOOD)
    log = write(tmp_path, "e.csv", "citizen_id;date;component\n")
    code, err, took = run_cli(capsys, *tally_args(tmp_path, reg, log, proto))
    assert code == 2 and "proto.yaml" in err and took < 5, err


def zip_bomb(path: Path, mb: int = 20) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("project.qde", "w") as fh:
            block = b"\x00" * (1 << 20)
            for _ in range(mb):
                fh.write(block)
    return path


def test_qdpx_zip_bomb_is_refused_before_extracting(tmp_path, capsys):
    bomb = zip_bomb(tmp_path / "bombe.qdpx")
    assert bomb.stat().st_size < 200_000
    data = tmp_path / "data"
    code, err, took = run_cli(capsys, "import", "qdpx", str(bomb), "--data", str(data))
    assert code == 2 and "bombe.qdpx" in err and "zip-bombe" in err and took < 5, err
    # The same check guards .docx transcripts and .xlsx tables (both are zip files).
    docx = zip_bomb(tmp_path / "t.docx")
    from qualkit.transcripts.docxformat import docx_text

    with pytest.raises(InputError, match="zip-bombe"):
        docx_text(docx)
    xlsx = zip_bomb(tmp_path / "r.xlsx")
    with pytest.raises(InputError, match="zip-bombe"):
        from qualkit.tabular import read_table

        read_table(xlsx)


def test_check_zip_reads_members_with_a_hard_cap():
    from qualkit import limits

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("a.txt", b"y" * 5000)
    with zipfile.ZipFile(buf) as zf:
        with pytest.raises(InputError, match="a.txt"):
            limits.read_member(zf, "a.txt", "x.qdpx", limit=4096)
