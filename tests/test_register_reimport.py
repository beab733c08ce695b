"""Re-importing a register changes only the columns in the file, reports what it did, and
can be previewed (issue 11.2); attribute values stay the text the user wrote (11.5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualkit.cli import main
from qualkit.delivery.register import ParticipantRecord
from qualkit.errors import InputError
from qualkit.services import participants, projects, users
from qualkit.services.context import SYSTEM, Context

from .conftest import ctx_as

FULL = (
    "citizen_id;arm;site;start_date;journal_nr;køn\n"
    "B01;indsats;Nord;01-02-2024;0070412345;k\n"
    "B02;indsats;Syd;02-02-2024;0042;m\n"
    "B03;kontrol;Nord;03-02-2024;7;k\n"
)


@pytest.fixture
def project(db):
    pid = projects.create_project(db, SYSTEM, "Register", "")
    ctx = Context(db, SYSTEM, pid)
    users.create_user(ctx, "nord", "staff", users.new_password(), site="Nord")
    return ctx


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def people(ctx) -> dict[str, dict]:
    return {p["citizen_id"]: p for p in participants.list_participants(ctx)}


def test_reimport_with_fewer_columns_keeps_the_rest(project, tmp_path):
    ctx = project
    first = participants.import_participants(ctx, write(tmp_path, "r.csv", FULL))
    assert (len(first.added), len(first.changed), first.untouched) == (3, 0, 0)
    before = people(ctx)
    assert before["B01"]["attributes"]["journal_nr"] == "0070412345"  # leading zero kept
    assert before["B02"]["attributes"]["journal_nr"] == "0042"

    # Only arm in the file: B02's arm changes; site, dates and attributes are kept.
    fewer = write(tmp_path, "arm.csv", "citizen_id;arm\nB01;indsats\nB02;kontrol\nB03;kontrol\n")
    preview = participants.import_participants(ctx, fewer, dry_run=True)
    assert people(ctx) == before  # the preview wrote nothing
    r = participants.import_participants(ctx, fewer)
    assert r.added == () and r.untouched == 2
    assert [(c.citizen_id, c.fields) for c in r.changed] == [("B02", ("arm",))]
    assert (preview.added, preview.changed, preview.untouched) == (r.added, r.changed, r.untouched)
    assert preview.dry_run and not r.dry_run
    after = people(ctx)
    assert after["B02"]["arm"] == "kontrol"
    for cid in ("B01", "B02", "B03"):
        assert after[cid]["site"] == before[cid]["site"]
        assert after[cid]["start_date"] == before[cid]["start_date"]
        assert after[cid]["attributes"] == before[cid]["attributes"]
    # Staff of Nord still see (and so can log for) their citizens.
    nord = ctx_as(ctx.db, ctx.project_id, "nord")
    assert set(people(nord)) == {"B01", "B03"}

    # Clearing needs an explicit empty cell in a present column.
    clear = write(tmp_path, "clear.csv", "citizen_id;site;køn\nB03;;k\n")
    r = participants.import_participants(ctx, clear)
    assert [(c.citizen_id, c.fields) for c in r.changed] == [("B03", ("site",))]
    after = people(ctx)
    assert after["B03"]["site"] is None and after["B03"]["attributes"]["køn"] == "k"
    assert after["B03"]["attributes"]["journal_nr"] == "7"  # column absent: kept
    assert after["B01"]["site"] == "Nord"  # not in the file: untouched
    r = participants.import_participants(ctx, write(tmp_path, "k.csv", "citizen_id;køn\nB01;\n"))
    assert r.changed[0].fields == ("køn",) and "køn" not in people(ctx)["B01"]["attributes"]
    assert "1 blev ændret (køn)" in r.summary_da()


def test_cli_dry_run_previews_without_writing(tmp_path, capsys):
    data = tmp_path / "data"
    from qualkit.store import Database

    db = Database.open(data)
    projects.create_project(db, SYSTEM, "Register", "")
    db.close()
    reg = write(tmp_path, "r.csv", FULL)
    assert main(["participants", "import", str(reg), "--data", str(data)]) == 0
    capsys.readouterr()
    raw = (data / "qualkit.sqlite3").read_bytes()
    fewer = write(tmp_path, "f.csv", "citizen_id;site\nB01;Syd\nB04;Nord\n")
    assert main(["participants", "import", str(fewer), "--data", str(data), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Prøvekørsel" in out and "1 borgere ville blive tilføjet" in out
    assert "1 ville blive ændret (site)" in out and "B01: site" in out and "2 uændrede" in out
    db = Database.open(data)
    ctx = Context(db, SYSTEM, projects.find_project(db))
    assert people(ctx)["B01"]["site"] == "Nord" and "B04" not in people(ctx)
    db.close()
    assert main(["participants", "import", str(fewer), "--data", str(data)]) == 0
    assert "1 borgere blev tilføjet, 1 blev ændret (site)" in capsys.readouterr().out
    assert raw  # the preview did not lock or damage the file


def test_app_upload_preview_writes_nothing(project):
    """The app's preview button calls import_upload(dry_run=True): same report, nothing stored."""
    ctx = project
    participants.import_upload(ctx, "r.csv", FULL.encode("utf-8"))
    before = people(ctx)
    data = b"citizen_id;site\nB01;Syd\nB09;Nord\n"
    preview = participants.import_upload(ctx, "r.csv", data, dry_run=True)
    assert people(ctx) == before
    assert preview.added == ("B09",) and preview.changed[0].fields == ("site",)
    assert preview.summary_da().startswith("Prøvekørsel, intet gemt: r.csv")


def test_import_plans_without_the_write_lock_and_replans_on_a_concurrent_change(
    project, tmp_path, monkeypatch
):
    """The plan is made outside the write transaction (another writer gets in meanwhile), and
    a change that writer made is not lost: the import re-reads and re-plans under the lock
    (issue 11.3: a long import must not hold the app's writers off)."""
    ctx = project
    participants.import_participants(ctx, write(tmp_path, "r.csv", FULL))
    plan_all = participants._plan_all
    calls: list[bool] = []

    def meanwhile(*args, **kwargs):
        calls.append(True)
        if len(calls) == 1:
            # Another admin's import while ours plans: would wait for (and, holding the
            # lock in this thread, deadlock on) a write lock taken before planning.
            other = write(tmp_path, "site.csv", "citizen_id;site\nB01;Syd\nB03;Syd\n")
            participants.import_participants(ctx, other)  # plans (call 2) and writes
        return plan_all(*args, **kwargs)

    monkeypatch.setattr(participants, "_plan_all", meanwhile)
    ours = write(tmp_path, "arm.csv", "citizen_id;arm\nB01;kontrol\nB02;indsats\nB04;indsats\n")
    r = participants.import_participants(ctx, ours)
    # ours (outside the lock), the other import (outside; unchanged under it), ours again
    # under the lock on the fresh register
    assert len(calls) == 3
    after = people(ctx)
    assert {c: (p["arm"], p["site"]) for c, p in after.items()} == {
        "B01": ("kontrol", "Syd"),  # our arm and the other writer's site, both kept
        "B02": ("indsats", "Syd"),
        "B03": ("kontrol", "Syd"),
        "B04": ("indsats", None),
    }
    assert r.added == ("B04",) and [c.citizen_id for c in r.changed] == ["B01"]


@pytest.mark.parametrize(
    "record, column",
    [
        (ParticipantRecord("B09", site="x" * 500), "participant.site"),
        (ParticipantRecord("B09", attributes={"note": "a\x00b"}), "participant.attributes"),
        (ParticipantRecord("B01", exclusion_reason="a\x00b"), "participant.exclusion_reason"),
    ],
)
def test_bulk_writes_pass_the_store_guard(project, record, column):
    """Rows written in bulk skip the ORM flush, so they are checked as a flush would check
    them: too long or NUL byte -> one Danish message naming the column, nothing written."""
    ctx = project
    participants.upsert_participants(ctx, [ParticipantRecord("B01", site="Nord")], "a.csv")
    before = people(ctx)
    with pytest.raises(InputError, match=column):
        participants.upsert_participants(ctx, [record], "b.csv")
    assert people(ctx) == before
