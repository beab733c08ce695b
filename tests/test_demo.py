"""The demo project: content, idempotence, and the CLI that makes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from qualkit.services.demo import create_demo
from qualkit.store import Database
from qualkit.store.models import Code, DeliveryEvent, Interview, Participant, Project, Segment, User


def test_demo_content(demo):
    db, result = demo
    assert result.created
    with db.session() as s:
        assert s.scalar(select(func.count(Project.id))) == 1
        randomised = s.scalars(select(Participant).where(Participant.arm.is_not(None))).all()
        assert len(randomised) == 24
        assert {p.arm for p in randomised} == {"indsats", "kontrol"}
        assert len({p.site for p in randomised}) == 2
        assert s.scalar(select(func.count(DeliveryEvent.id))) > 50
        ivs = s.scalars(select(Interview)).all()
        assert 4 <= len(ivs) <= 6
        for iv in ivs:
            n = s.scalar(select(func.count(Segment.id)).where(Segment.interview_id == iv.id))
            assert 40 <= n <= 80, (iv.title, n)
        assert s.scalar(select(func.count(Code.id))) > 30
        assert {u.role for u in s.scalars(select(User))} == {
            "admin",
            "evaluator",
            "staff",
            "writer",
        }


def test_demo_twice_leaves_one_project(demo):
    db, first = demo
    second = create_demo(db)
    assert not second.created and second.project_id == first.project_id and not second.passwords
    with db.session() as s:
        assert s.scalar(select(func.count(Project.id))) == 1
        assert s.scalar(select(func.count(Participant.id))) == 30


def test_cli_demo_no_serve_twice(tmp_path):
    data = tmp_path / "d"
    cmd = [sys.executable, "-m", "qualkit", "demo", "--data", str(data), "--no-serve"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "Demoprojektet er oprettet" in first.stdout
    assert "evaluator" in first.stdout and "writer" in first.stdout
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "findes allerede" in second.stdout
    db = Database.open(data)
    with db.session() as s:
        assert s.scalar(select(func.count(Project.id))) == 1
    db.close()


def test_cli_bad_data_folder_is_one_line(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    r = subprocess.run(
        [sys.executable, "-m", "qualkit", "demo", "--data", str(blocker / "x"), "--no-serve"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "kan ikke oprettes" in lines[0]


def test_cli_corrupt_database_is_one_line(tmp_path):
    (tmp_path / "qualkit.sqlite3").write_bytes(b"garbage" * 50)
    r = subprocess.run(
        [sys.executable, "-m", "qualkit", "demo", "--data", str(tmp_path), "--no-serve"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1
    assert (tmp_path / "qualkit.sqlite3").read_bytes() == b"garbage" * 50


def test_cli_unreachable_database_is_one_line(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "qualkit", "demo", "--data", str(tmp_path), "--no-serve"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QUALKIT_DATABASE_URL": "postgresql://u:p@127.0.0.1:1/x"},
    )
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1 and "kan ikke nås" in r.stderr


def test_demo_files_exist():
    root = Path(__file__).resolve().parent.parent
    for rel in [
        "demo/participants.csv",
        "demo/delivery_log.csv",
        "codebooks/protocol_tki2.yaml",
        "codebooks/reaim.yaml",
        "codebooks/tki2_fidelity.yaml",
        "transcripts/manifest.yaml",
    ]:
        assert (root / rel).exists(), rel
