"""The command line for stored interviews (issue 10): interviews edit, review propose|decide|
approve, coding apply, consensus add. Roles exactly as in the app; one Danish line per error,
non-zero exit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualkit.cli import main
from qualkit.codebooks.model import parse_codebook
from qualkit.services import codebooks
from qualkit.store.models import Coding, ConsensusCoding, Interview

from .privacy_helpers import small_project

ROSTER_CSV = "name,role,pseudonym\nMette Holt,fysioterapeut,\nCamilla Vestergaard,borger,\n"


@pytest.fixture
def cli(sqlite_db, tmp_path, capsys):
    sm = small_project(sqlite_db, "CLI")
    codebooks.import_codebook(
        sm.ctx("evaluator"),
        parse_codebook(
            {"codebook": "K", "codes": [{"id": "tema.ro", "name": "Ro", "framework": "theme"}]}
        ),
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_CSV, encoding="utf-8")
    data = str(sqlite_db.settings.data_dir)

    def run(*args: str, user: str = "evaluator") -> tuple[int, str, str]:
        capsys.readouterr()
        rc = main([*args, "--data", data, "--user", user])
        out, err = capsys.readouterr()
        return rc, out, err

    run.sm, run.roster, run.db = sm, roster, sqlite_db  # type: ignore[attr-defined]
    return run


def _text(db, iid):
    with db.session() as s:
        return "\n".join(g.text for g in s.get(Interview, iid).segments)


def test_review_flow_with_an_edit_in_between(cli):
    iid = str(cli.sm.interview_id)
    rc, out, _ = cli("review", "propose", iid, "--roster", str(cli.roster))
    assert rc == 0 and "Camilla Vestergaard" in out and "   1  " in out
    numbers = [line.split()[0] for line in out.splitlines()[1:]]
    assert numbers == [str(i) for i in range(1, len(numbers) + 1)]
    rc, out, err = cli("review", "approve", iid)
    assert rc != 0 and "endnu ikke gennemgået" in err and len(err.strip().splitlines()) == 1
    rc, out, _ = cli("review", "decide", iid, "--accept", "1", "2")
    assert rc == 0 and "2 forslag afgjort" in out
    rc, out, _ = cli("review", "decide", iid, "--reject", "3")
    assert rc == 0
    rc, _, err = cli("review", "decide", iid, "--reject", "3", "--accept", "3")
    assert rc != 0 and "både" in err
    assert cli("review", "decide", iid, "--accept=3")[0] == 0  # a change of mind
    rc, out, _ = cli("review", "decide", iid, "--accept-all")
    assert rc == 0
    # An edit after the proposal run: approval names the segment and refuses.
    rc, out, _ = cli(
        "interviews", "edit", iid, "--segment", "3", "--text", "Så talte jeg med Mette Holt igen."
    )
    assert rc == 0 and "Segment 3" in out
    rc, _, err = cli("review", "approve", iid)
    assert rc != 0 and "segment 3" in err and "forslagskørsel" in err
    assert cli("review", "propose", iid, "--roster", str(cli.roster))[0] == 0
    assert cli("review", "decide", iid, "--accept-all")[0] == 0
    rc, out, _ = cli("review", "approve", iid)
    assert rc == 0 and "er godkendt" in out
    text = _text(cli.db, cli.sm.interview_id)
    assert "Holt" not in text and "Vestergaard" not in text
    # Approved text is final.
    rc, _, err = cli("interviews", "edit", iid, "--segment", "1", "--text", "x")
    assert rc != 0 and len(err.strip().splitlines()) == 1


def test_roles_and_errors(cli):
    iid = str(cli.sm.interview_id)
    for user in ("writer", "staff"):
        for args in (
            ("review", "propose", iid),
            ("review", "decide", iid, "--accept-all"),
            ("review", "approve", iid),
            ("interviews", "edit", iid, "--segment", "1", "--text", "x"),
            ("coding", "apply", iid, "--segment", "1", "--code", "tema.ro"),
            ("consensus", "add", iid, "--segment", "1", "--code", "tema.ro"),
        ):
            rc, _, err = cli(*args, user=user)
            assert rc != 0 and len(err.strip().splitlines()) == 1, (user, args, err)
    assert "Vestergaard" in _text(cli.db, cli.sm.interview_id)  # nothing changed
    rc, _, err = cli("coding", "apply", iid, "--segment", "9", "--code", "tema.ro")
    assert rc != 0 and "vælg --segment mellem 1 og 4" in err
    rc, _, err = cli("coding", "apply", iid, "--segment", "1", "--code", "findes.ikke")
    assert rc != 0 and "findes ikke" in err
    rc, _, err = cli("review", "decide", iid, "--accept", "99")
    assert rc != 0 and "nummer 99" in err
    rc, _, err = cli("review", "decide", iid)
    assert rc != 0 and "--accept-all" in err


def test_coding_apply_and_consensus_add(cli):
    iid = str(cli.sm.interview_id)
    rc, out, _ = cli(
        "coding",
        "apply",
        iid,
        "--segment",
        "2",
        "--code",
        "tema.ro",
        "--span",
        "mødte",
        "--memo",
        "ro",
    )
    assert rc == 0 and "segment 2" in out
    rc, out, _ = cli("consensus", "add", iid, "--segment", "2", "--code", "tema.ro")
    assert rc == 0
    with cli.db.session() as s:
        seg = s.get(Interview, cli.sm.interview_id).segments[1]
        (c,) = s.scalars(select(Coding).where(Coding.segment_id == seg.id)).all()
        assert seg.text[c.start_char : c.end_char] == "mødte" and c.memo == "ro"
        assert s.scalars(select(ConsensusCoding).where(ConsensusCoding.segment_id == seg.id)).all()
