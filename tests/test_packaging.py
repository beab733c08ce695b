"""The installable package and a light command line (issue 12, items 2 and 3).

The wheel built by ``python -m build`` goes into a fresh virtual environment outside the
checkout (its dependencies come from this .venv's site-packages through a .pth line, so the
test needs no network); from a folder outside the checkout it runs the demo, a tally on a
shipped protocol and de-identification.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import REPO

HEAVY = ("spacy", "pandas", "scipy", "faster_whisper", "docx", "streamlit", "sqlalchemy")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    return {m.split(".")[0] for m in json.loads(out.strip().splitlines()[-1])}


def test_cli_import_and_help_load_no_heavy_package():
    loaded = _modules_after("import qualkit.cli")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    help_run = (
        "import contextlib, io\nfrom qualkit.cli import main\n"
        "for args in (['--help'], ['export', '--help'], ['interviews', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        assert main(args) == 0, args"
    )
    loaded = _modules_after(help_run)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "rich" not in loaded  # plain help text: rich costs half a second


def test_shipped_data_is_found_through_the_package():
    from qualkit import shipped

    root = shipped.data_root()
    assert (root / "codebooks" / "protocol_tki2.yaml").is_file()
    assert (root / "transcripts" / "manifest.yaml").is_file()
    assert (root / "demo" / "participants.csv").is_file()
    assert set(shipped.protocols()) >= {"tki2", "backpain", "vestegn", "ishoej"}
    assert shipped.resolve_protocol(Path("tki2")) == shipped.protocols()["tki2"]
    assert shipped.resolve_protocol(Path("protocol_tki2.yaml")).is_file()
    # A path to a file that does not exist stays as given (the tally then names it).
    assert shipped.resolve_protocol(Path("nowhere/tki2")) == Path("nowhere/tki2")


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next(dist.glob("qualkit-*.whl"))
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies, not qualkit: a .pth line appends .venv's site-packages (whose own
    # .pth files, among them the editable install of this checkout, are not processed).
    Path(site, "qualkit-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index"]
        + ["--quiet", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUALKIT_")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    qualkit = str(venv / "bin" / "qualkit")

    def run(*args: str) -> str:
        res = subprocess.run(
            [qualkit, *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert res.returncode == 0, res.stderr
        return res.stdout

    where = subprocess.run(
        [str(py), "-c", "import qualkit.shipped as s; print(s.__file__); print(s.data_root())"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where  # not the checkout
    data_root = Path(where[1])
    assert not data_root.joinpath("codebooks").is_symlink()  # copies, not links

    out = run("demo", "--no-serve", "--data", str(work / "data"))
    assert "Demoprojektet er oprettet" in out and "interviews" in out
    run(
        "tally",
        "--participants",
        str(data_root / "demo" / "participants.csv"),
        "--events",
        str(data_root / "demo" / "delivery_log.csv"),
        "--protocol",
        "tki2",
        "--out",
        str(work / "report"),
    )
    assert (work / "report" / "per_citizen.csv").is_file()
    (work / "one.txt").write_text("Jeg talte med Mette Hansen i Aarhus.\n", encoding="utf-8")
    redacted = run("deid", str(work / "one.txt"))
    assert "Mette" not in redacted and "[" in redacted
