"""`qualkit interviews add --audio`, `interviews transcribe [--all-pending] --wait`, `worker`
options and `models prepare NAME | list`, through the real command line."""

from __future__ import annotations

import pytest

from qualkit.cli import main
from qualkit.store import Database

from .conftest import copy_sqlite_demo


@pytest.fixture
def folder(tmp_path, monkeypatch, sqlite_demo_template):
    data = tmp_path / "data"
    copy_sqlite_demo(sqlite_demo_template, data)
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    monkeypatch.delenv("QUALKIT_USER", raising=False)
    return data


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _count(capsys, folder) -> int:
    code, out, _ = _run(capsys, "interviews", "list", "--data", str(folder))
    assert code == 0
    return len(out.strip().splitlines())


def test_add_refuses_unusable_audio_and_creates_nothing(capsys, folder, tmp_path):
    before = _count(capsys, folder)
    bad = tmp_path / "optagelse.m4a"
    bad.write_bytes(b"no audio here" * 100)
    code, out, err = _run(
        capsys, "interviews", "add", "--title", "B12", "--audio", str(bad), "--data", str(folder)
    )
    assert code != 0 and "optagelse.m4a" in err and len(err.strip().splitlines()) == 1
    assert _count(capsys, folder) == before
    code, _, err = _run(capsys, "interviews", "transcribe", "--data", str(folder))
    assert code != 0 and "--all-pending" in err


@pytest.mark.slow
def test_add_transcribe_wait_and_all_pending(capsys, folder, mono_clip, offline_model):
    ids = []
    for title in ("B12, 1. interview", "B13, 1. interview", "B14, 1. interview"):
        code, out, err = _run(
            capsys,
            "interviews", "add", "--title", title, "--audio", str(mono_clip),
            "--data", str(folder),
        )  # fmt: skip
        assert code == 0, err
        ids.append(int(out.split()[1]))
    code, out, err = _run(
        capsys, "interviews", "transcribe", str(ids[0]), "--speakers", "1", "--wait",
        "--data", str(folder),
    )  # fmt: skip
    assert code == 0, err
    assert f"Interview {ids[0]}: færdig" in out
    code, out, err = _run(capsys, "interviews", "show", str(ids[0]), "--data", str(folder))
    assert code == 0 and out.strip()
    # A damaged recording: the job fails, and --wait says so with a non-zero exit.
    audio = sorted((folder / "audio").glob(f"interview-{ids[1]}-*"))[0]
    audio.write_bytes(b"\x00" * 5000)
    code, out, err = _run(
        capsys, "interviews", "transcribe", "--all-pending", "--speakers", "1", "--wait",
        "--data", str(folder),
    )  # fmt: skip
    assert "2 interview(s) sat i kø" in out
    assert code != 0 and f"interview {ids[1]}: mislykkedes" in err, (out, err)
    assert f"Interview {ids[2]}: færdig" in out


def test_models_prepare_named_model_offline_says_so_and_leaves_nothing(
    capsys, tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    monkeypatch.setenv("QUALKIT_MODEL_CACHE", str(cache))
    code, _, err = _run(capsys, "models", "prepare", "large-v3-turbo")
    assert code != 0 and "large-v3-turbo" in err and "offline" in err
    assert len(err.strip().splitlines()) == 1
    assert not cache.exists() or not any(p.name != ".locks" for p in cache.iterdir())
    code, _, err = _run(capsys, "models", "prepare", "no-such-model")
    assert code != 0 and "Ukendt model" in err


def test_models_list_shows_size_and_speed(capsys):
    code, out, _ = _run(capsys, "models", "list")
    assert code == 0
    lines = out.splitlines()
    assert (
        lines[0].startswith("base-offline") and "145 MB" in lines[0] and "min pr. times" in lines[0]
    )
    turbo = next(line for line in lines if line.startswith("large-v3-turbo"))
    assert "MB" in turbo and "models prepare" in turbo


def test_worker_refuses_unknown_queue(capsys, folder):
    code, _, err = _run(capsys, "worker", "--queues", "nope", "--data", str(folder))
    assert code != 0 and "nope" in err


def test_local_worker_beside_the_app_runs_at_lower_cpu_priority(tmp_path):
    """The worker `qualkit serve` starts on a SQLite folder yields the cores to the app."""
    import os

    from qualkit.services import transcription_queue as queue

    db = Database.open(tmp_path / "data")
    try:
        proc = queue.start_local_worker(db, idle_exit=30)
        assert proc is not None and queue.local_worker_running(db)
        try:
            mine = os.getpriority(os.PRIO_PROCESS, 0)
            assert os.getpriority(os.PRIO_PROCESS, proc.pid) == min(
                19, mine + queue.LOCAL_WORKER_NICE
            )
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        db.close()


def test_local_worker_goes_when_the_app_that_started_it_is_killed(tmp_path):
    """`qualkit serve` killed without a word (SIGKILL, a crash): its worker does not run on."""
    import os
    import signal
    import subprocess
    import sys
    import time

    Database.open(tmp_path / "data").close()
    app = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from qualkit.store import Database\n"
            "from qualkit.services import transcription_queue as q\n"
            "db = Database.open(sys.argv[1])\n"
            "proc = q.start_local_worker(db)\n"
            "print(proc.pid, flush=True)\n"
            "time.sleep(600)\n",
            str(tmp_path / "data"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None
        worker_pid = int(app.stdout.readline())
        os.kill(worker_pid, 0)  # it runs
        app.send_signal(signal.SIGKILL)
        app.wait(10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(worker_pid, 0)
            except ProcessLookupError:
                break
            # A child of a killed parent is reaped by init; until then it may show as a zombie.
            try:
                with open(f"/proc/{worker_pid}/stat") as fh:
                    if fh.read().split()[2] == "Z":
                        break
            except FileNotFoundError:
                break
            time.sleep(0.5)
        else:
            os.kill(worker_pid, signal.SIGKILL)
            raise AssertionError("the worker ran on after its app was killed")
    finally:
        if app.poll() is None:
            app.kill()
