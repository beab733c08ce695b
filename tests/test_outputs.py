"""Output folders and files: qualkit never deletes or alters what it did not write (issue 11.1),
its temporary files live in one private place cleaned at the next start (11.7)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from qualkit import tempdir
from qualkit.cli import main
from qualkit.exports.files import MARKER

REPO = Path(__file__).resolve().parent.parent
DEMO_P = REPO / "demo" / "participants.csv"
DEMO_E = REPO / "demo" / "delivery_log.csv"
TKI2 = REPO / "codebooks" / "protocol_tki2.yaml"
FILES = {"per_citizen.csv", "summary.csv", "flow.csv", "checks.csv", "reach.csv"}


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    folder = tmp_path / "qualkit-tmp"
    monkeypatch.setenv("QUALKIT_TMPDIR", str(folder))
    return folder


def tally(out: Path, *extra: str) -> int:
    args = ["tally", "--participants", str(DEMO_P), "--events", str(DEMO_E)]
    return main([*args, "--protocol", str(TKI2), "--out", str(out), *extra])


def snapshot(folder: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every entry under folder (dirs included) with its bytes and mode."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(folder))] = (p.read_bytes() if p.is_file() else None, st.st_mode)
    out["."] = (None, folder.stat().st_mode)
    return out


def thesis_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    (folder / "thesis_chapters").mkdir(parents=True)
    (folder / "thesis_chapters" / "kapitel1.md").write_text("Kapitel 1\n")
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "noter.txt").write_text("mine")
    os.chmod(folder, 0o755)
    return folder


def test_tally_refuses_a_folder_with_other_data_and_force_touches_only_its_own(tmp_path, capsys):
    folder = thesis_folder(tmp_path)
    before = snapshot(folder)
    assert tally(folder) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "thesis_chapters" in err and "Traceback" not in err
    assert snapshot(folder) == before  # nothing deleted, nothing added, mode kept

    assert tally(folder, "--force") == 0
    after = snapshot(folder)
    for name, value in before.items():
        if name != ".":
            assert after[name] == value, name  # every foreign entry exactly as it was
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # never chmod a user's folder
    assert FILES <= {p.name for p in folder.iterdir()}
    assert {p.name for p in folder.iterdir()} == FILES | {
        MARKER,
        "thesis_chapters",
        ".git",
        "noter.txt",
    }

    # qualkit's folder now: a re-run replaces its own files without --force, keeps the rest.
    (folder / "per_citizen.csv").read_bytes()
    assert tally(folder) == 0
    assert (folder / "thesis_chapters" / "kapitel1.md").read_text() == "Kapitel 1\n"
    assert (folder / ".git" / "HEAD").exists()
    # A file the user changed is theirs: never overwritten, even with --force.
    (folder / "summary.csv").write_text("mine now")
    assert tally(folder, "--force") == 2
    assert (folder / "summary.csv").read_text() == "mine now"
    assert "summary.csv" in capsys.readouterr().err


def test_new_folder_is_made_and_a_user_file_with_our_name_is_refused(tmp_path, capsys):
    out = tmp_path / "new" / "report"
    assert tally(out) == 0
    assert {p.name for p in out.iterdir()} == FILES | {MARKER}
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    other = tmp_path / "other"
    other.mkdir()
    (other / "reach.csv").write_text("user's own")
    assert tally(other, "--force") == 2
    assert (other / "reach.csv").read_text() == "user's own"
    assert {p.name for p in other.iterdir()} == {"reach.csv"}


def _codings_csv(path: Path) -> Path:
    rows = ["document_id;segment_id;coder;code", "d1;1;a;x", "d1;1;b;x", "d1;2;a;", "d1;2;b;y"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_agreement_and_codebook_convert_follow_the_same_rule(tmp_path, capsys):
    folder = thesis_folder(tmp_path)
    before = snapshot(folder)
    codings = _codings_csv(tmp_path / "codings.csv")
    assert main(["agreement", "--codings", str(codings), "--out", str(folder)]) == 2
    assert snapshot(folder) == before
    assert main(["agreement", "--codings", str(codings), "--out", str(folder), "--force"]) == 0
    assert (folder / "agreement.csv").exists() and (folder / "noter.txt").read_text() == "mine"

    target = tmp_path / "bog.qdc"
    target.write_text("brugerens egen fil")
    src = REPO / "codebooks" / sorted(p.name for p in (REPO / "codebooks").glob("*.yaml"))[0]
    assert main(["codebook", "convert", str(src), str(target)]) == 2
    assert target.read_text() == "brugerens egen fil"
    assert "--force" in capsys.readouterr().err
    assert main(["codebook", "convert", str(src), str(target), "--force"]) == 0
    assert target.read_text().startswith("<?xml")
    # Written by qualkit now: converting again needs no --force.
    assert main(["codebook", "convert", str(src), str(target)]) == 0


def test_export_codings_never_replaces_a_users_file(demo, tmp_path, capsys):
    db, _ = demo
    out = tmp_path / "kodninger.xlsx"
    out.write_bytes(b"user data")
    data = str(db.settings.data_dir)
    if db.settings.is_sqlite:
        assert main(["export", "codings", "--data", data, "--out", str(out)]) == 2
        assert out.read_bytes() == b"user data"
        assert main(["export", "codings", "--data", data, "--out", str(out), "--force"]) == 0
        assert out.read_bytes()[:2] == b"PK"
        assert main(["export", "codings", "--data", data, "--out", str(out)]) == 0
    else:
        from qualkit.services import exports

        from .conftest import ctx_as

        pid = exports_project(db)
        ctx = ctx_as(db, pid, "writer")
        from qualkit.errors import InputError

        with pytest.raises(InputError, match="--force"):
            exports.export_codings(ctx, out)
        assert out.read_bytes() == b"user data"


def exports_project(db) -> int:
    from qualkit.services import projects

    return projects.find_project(db, None)


def test_temp_files_live_in_one_private_place_cleaned_at_the_next_start(
    tmp_path, private_tmp, capsys
):
    # A killed tally: run it in a child and kill it while it works.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    root = tempdir.root()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    debris = root / f"{dead.pid}-abc-folder"
    (debris / "out").mkdir(parents=True)
    (debris / "out" / "per_citizen.csv").write_text("B01;...")
    live = root / f"{os.getpid()}-def-work"
    live.mkdir()
    assert tally(tmp_path / "report") == 0
    assert not debris.exists()  # cleaned at this start
    assert live.exists()  # a running process's work is left alone
    live.rmdir()
    assert [p.name for p in root.iterdir() if p.name != "locks"] == []  # nothing left by us
    assert not list(tmp_path.glob(".report*"))  # nothing hidden beside the output
    with tempdir.workdir("x") as work:
        f = work / "a.csv"
        f.write_text("x")
        tempdir.private_file(f)
        assert stat.S_IMODE(work.stat().st_mode) == 0o700
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    # The output files themselves are private too.
    assert stat.S_IMODE((tmp_path / "report" / "per_citizen.csv").stat().st_mode) == 0o600
