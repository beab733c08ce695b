"""Interview metadata (kind, wave, date, interviewer, site, linked participants) from every
entry point: services, `qualkit interviews add|import|list`, the informant-sample table."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qualkit.cli import main as cli_main
from qualkit.errors import InputError
from qualkit.services import interviews
from qualkit.services.interview_meta import parse_meta
from qualkit.store import Database
from qualkit.store.models import Interview, InterviewKind, InterviewPerson
from qualkit.transcripts.textformat import Turn

from .study_support import silent_wav, small_project

TURNS = [Turn("I", "Hvordan gik det?"), Turn("B01", "Godt."), Turn("B02", "Også godt.")]


def test_focus_group_links_every_citizen_with_wave_date_interviewer_site(db):
    ctx = small_project(db)
    meta = parse_meta(
        kind="focus_group",
        wave="2",
        interview_date="03-04-2025",
        interviewer="LH",
        citizens=["B01", "B02"],
    )
    iid = interviews.create_interview_from_turns(ctx, "Fokusgruppe 1", TURNS, meta=meta)
    row = next(r for r in interviews.list_interviews(ctx) if r["id"] == iid)
    assert row["kind"] == "focus_group" and row["wave"] == 2
    assert row["date"] == date(2025, 4, 3) and row["interviewer"] == "LH"
    assert row["citizens"] == ["B01", "B02"]
    assert row["site"] == "Ishøj"  # both citizens' site
    with db.session() as s:
        links = s.scalars(select(InterviewPerson).where(InterviewPerson.interview_id == iid)).all()
        citizens = [r for r in links if r.participant_id is not None]
        assert len(citizens) == 2 and {r.role for r in citizens} == {"borger"}
        # The speaker "I" is recognised as the interviewer, linked to nobody.
        assert [(r.speaker, r.role) for r in links if r.participant_id is None] == [
            ("I", "interviewer")
        ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "gruppe"}, "type 'gruppe' findes ikke"),
        ({"wave": "to"}, "bølge 'to' er ikke et helt tal"),
        ({"wave": "0"}, "bølge skal være 1 eller mere"),
        ({"interview_date": "31-02-2025"}, "dato '31-02-2025' er ikke en dato"),
        ({"citizens": ["B01", "B02"]}, "et borgerinterview har én borger"),
    ],
)
def test_bad_metadata_is_one_danish_line(kwargs, message):
    with pytest.raises(InputError, match=message):
        parse_meta(**kwargs)


def test_every_kind_of_the_design_is_accepted():
    for k in ("citizen", "staff", "focus_group", "joint", "fieldnote", "document"):
        assert parse_meta(kind=k).kind == InterviewKind(k)
    assert parse_meta(kind="group").kind == InterviewKind.FOCUS_GROUP  # the old name


def test_unknown_citizen_is_refused_and_nothing_stored(db):
    ctx = small_project(db)
    with pytest.raises(InputError, match="borger 'X9' findes ikke i deltagerregistret"):
        interviews.create_interview_from_turns(ctx, "t", TURNS, meta=parse_meta(citizens=["X9"]))
    assert interviews.list_interviews(ctx) == []


def _cli(*args: str) -> int:
    return cli_main(list(args))


def test_cli_add_import_list_with_metadata(tmp_path, capsys):
    folder = tmp_path / "data"
    db = Database.open(folder)
    small_project(db)
    db.close()
    d = ["--data", str(folder)]
    wav = silent_wav(tmp_path / "b03.wav")
    assert (
        _cli(
            "interviews",
            "add",
            "--title",
            "B03 bølge 3",
            "--citizen",
            "B03",
            "--kind",
            "citizen",
            "--wave",
            "3",
            "--date",
            "2025-05-01",
            "--interviewer",
            "MK",
            "--audio",
            str(wav),
            *d,
        )
        == 0
    )
    txt = tmp_path / "fg.txt"
    txt.write_text("I: Hvordan gik det?\nB01: Godt.\nB02: Også godt.\n", encoding="utf-8")
    assert (
        _cli(
            "interviews",
            "import",
            str(txt),
            "--title",
            "Fokusgruppe",
            "--citizen",
            "B01",
            "--citizen",
            "B02",
            "--kind",
            "focus_group",
            "--wave",
            "1",
            "--date",
            "02-04-2025",
            "--interviewer",
            "LH",
            *d,
        )
        == 0
    )
    note = tmp_path / "note.txt"
    note.write_text("Feltnote: teammødet handlede om visitation.\n", encoding="utf-8")
    assert _cli("interviews", "import", str(note), "--kind", "fieldnote", *d) == 0
    capsys.readouterr()
    assert _cli("interviews", "list", *d) == 0
    out = capsys.readouterr().out
    b03 = next(line for line in out.splitlines() if "B03 bølge 3" in line)
    assert "01-05-2025" in b03 and "citizen" in b03 and " 3 " in b03 and "MK" in b03
    assert "B03" in b03 and "Ishøj" in b03 and "new" in b03
    fg = next(line for line in out.splitlines() if "Fokusgruppe" in line)
    assert "focus_group" in fg and "B01,B02" in fg and "02-04-2025" in fg and "LH" in fg
    assert "fieldnote" in out
    db = Database.open(folder)
    with db.session() as s:
        iv = s.scalar(select(Interview).where(Interview.title == "B03 bølge 3"))
        assert iv.audio_path and iv.duration == pytest.approx(1.0, abs=0.05)
    db.close()


def test_cli_add_refuses_bad_audio_and_keeps_nothing(tmp_path, capsys):
    folder = tmp_path / "data"
    db = Database.open(folder)
    ctx = small_project(db)
    db.close()
    bad = tmp_path / "not_audio.wav"
    bad.write_bytes(b"this is not audio at all" * 100)
    code = _cli("interviews", "add", "--title", "x", "--audio", str(bad), "--data", str(folder))
    assert code != 0
    db = Database.open(folder)
    ctx = type(ctx)(db, ctx.actor, ctx.project_id)
    assert interviews.list_interviews(ctx) == []
    db.close()


def test_cli_bad_kind_exits_non_zero_with_one_line(tmp_path, capsys):
    folder = tmp_path / "data"
    db = Database.open(folder)
    small_project(db)
    db.close()
    code = _cli("interviews", "add", "--title", "x", "--kind", "survey", "--data", str(folder))
    err = capsys.readouterr().err
    assert code == 2 and "type 'survey' findes ikke" in err and len(err.strip().splitlines()) == 1


def test_informant_sample_by_kind_role_arm_site_wave(db, tmp_path):
    ctx = small_project(db)
    mk = interviews.create_interview_from_turns
    mk(ctx, "B01 b1", TURNS[:2], meta=parse_meta(citizens=["B01"], wave=1))
    mk(ctx, "B01 b2", TURNS[:2], meta=parse_meta(citizens=["B01"], wave=2))
    mk(ctx, "B03 b1", TURNS[:2], meta=parse_meta(citizens=["B03"], wave=1))
    mk(
        ctx,
        "Fokusgruppe",
        TURNS,
        meta=parse_meta(kind="focus_group", citizens=["B01", "B02"], wave=1),
    )
    staff = [Turn("I", "Hvordan?"), Turn("FT1", "Sådan."), Turn("FT2", "Også.")]
    mk(
        ctx,
        "Fysioterapeuter",
        staff,
        meta=parse_meta(kind="joint", site="Jobcenter", wave=1),
        speakers={"I": "interviewer", "FT1": "fysioterapeut", "FT2": "fysioterapeut"},
    )
    mk(ctx, "Feltnote", [Turn(None, "Teammøde.")], meta=parse_meta(kind="fieldnote"))
    from qualkit.services import analysis

    df = analysis.informant_sample(ctx)
    got = {
        (r.type, r.rolle, r.arm, r.sted, r.bølge): (r.personer, r.interviews)
        for r in df.itertuples()
    }
    assert got[("Borgerinterview", "borger", "indsats", "Ishøj", "1")] == (1, 1)
    assert got[("Borgerinterview", "borger", "indsats", "Ishøj", "2")] == (1, 1)
    assert got[("Borgerinterview", "borger", "kontrol", "Ishøj", "1")] == (1, 1)
    assert got[("Fokusgruppe", "borger", "indsats", "Ishøj", "1")] == (2, 1)
    # Two physiotherapists interviewed together (seed 002 line 184): two persons, one interview.
    assert got[("Fælles interview", "fysioterapeut", "(ingen)", "Jobcenter", "1")] == (2, 1)
    assert got[("Feltnote", "feltnote", "(ingen)", "(ingen)", "(ingen)")] == (0, 1)
    # B01 counted once across waves and the focus group; B02, B03, FT1, FT2: 5 persons.
    assert got[("I alt", "", "", "", "")] == (5, 6)
    out = analysis.write_sample(df, tmp_path / "informanter.csv")
    import pandas as pd

    back = pd.read_csv(out, sep=";")
    assert list(back.columns) == ["type", "rolle", "arm", "sted", "bølge", "personer", "interviews"]
    assert back["personer"].sum() == df["personer"].sum()
    x = analysis.write_sample(df, tmp_path / "informanter.xlsx")
    assert len(pd.read_excel(x)) == len(df)


def test_qdpx_import_reads_metadata_from_source_description(sqlite_db, tmp_path):
    import zipfile

    from qualkit.services import exchange
    from qualkit.services.context import SYSTEM

    qde = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Med metadata" origin="NVivo 14">
 <Sources>
  <TextSource guid="a2b94468-80a5-412f-92d6-e900d97b55a6" name="Fokusgruppe 2">
   <Description>Type: focus_group
Bølge: 2
Dato: 02-04-2025
Interviewer: LH
Sted: Ishøj
Type: ikke en type (fri tekst, ignoreres)</Description>
   <PlainTextContent>I: Hvordan gik det?
B1: Godt.</PlainTextContent>
  </TextSource>
  <TextSource guid="b2b94468-80a5-412f-92d6-e900d97b55a6" name="Uden">
   <Description>Et semistruktureret interview. Bølge: ukendt</Description>
   <PlainTextContent>En note.</PlainTextContent>
  </TextSource>
 </Sources>
</Project>"""
    path = tmp_path / "meta.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    pid = exchange.import_qdpx(sqlite_db, SYSTEM, path)
    with sqlite_db.session() as s:
        ivs = s.scalars(
            select(Interview).where(Interview.project_id == pid).order_by(Interview.id)
        ).all()
        fg, plain = ivs
        assert (fg.kind, fg.wave, fg.interview_date, fg.interviewer, fg.site) == (
            "focus_group",
            2,
            date(2025, 4, 2),
            "LH",
            "Ishøj",
        )
        assert (plain.kind, plain.wave) == ("citizen", None)
