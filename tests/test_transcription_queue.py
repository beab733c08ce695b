"""The job queue: SQLite with its in-process worker, PostgreSQL (procrastinate) with two
worker processes; jobs spread, a killed worker's job retried, nothing half-written,
progress visible, cancel, priorities. Real offline model, real espeak-ng speech."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select

from qualkit.services import transcription
from qualkit.services import transcription_queue as queue
from qualkit.store import Database
from qualkit.store.models import QueuedTask, Segment, TranscriptionJob

from .conftest import copy_pg_demo, ctx_as


def _interview(ctx, clip, title: str) -> int:
    iid = transcription.new_interview(ctx, title)
    transcription.attach_audio(ctx, iid, clip.name, clip.read_bytes())
    return iid


def _jobs(db: Database) -> list[TranscriptionJob]:
    with db.session() as s:
        rows = list(s.scalars(select(TranscriptionJob).order_by(TranscriptionJob.id)))
        s.expunge_all()
        return rows


def _wait(db: Database, job_ids: list[int], timeout: float) -> list[TranscriptionJob]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = [j for j in _jobs(db) if j.id in job_ids]
        if all(j.status in transcription.DONE for j in jobs):
            return jobs
        time.sleep(1)
    raise AssertionError(f"jobs not done in {timeout} s: {[(j.id, j.status) for j in jobs]}")


def _segments(db: Database, iid: int) -> int:
    with db.session() as s:
        return len(s.scalars(select(Segment.id).where(Segment.interview_id == iid)).all())


def _worker(folder, url: str | None) -> subprocess.Popen:
    env = {**os.environ}
    if url:
        env["QUALKIT_DATABASE_URL"] = url
    return subprocess.Popen(
        [sys.executable, "-m", "qualkit", "worker", "--data", str(folder), "--concurrency", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.slow
def test_sqlite_worker_priorities_cancel_and_a_killed_task(sqlite_demo, mono_clip, offline_model):
    db, result = sqlite_demo
    pid = result.project_id
    ctx = ctx_as(db, pid, "evaluator")
    batch = [_interview(ctx, mono_clip, f"Batch {i}") for i in range(2)]
    queued = transcription.transcribe_all_pending(ctx, speakers=1)
    assert [q.interview_id for q in queued] == batch
    rerun = _interview(ctx, mono_clip, "Efter rettelse")
    urgent = transcription.start_transcription(ctx, rerun, speakers=1, priority=0)
    # Cancel before it starts: it never runs and the interview stays empty.
    transcription.cancel(ctx, queued[1].job_id)
    # A task whose worker died (running, heartbeat long ago) goes back to the queue.
    with db.session(write=True) as s:
        t = s.scalars(select(QueuedTask).where(QueuedTask.ref_id == queued[0].job_id)).one()
        t.status, t.locked_by, t.attempts = "running", "gone:1", 1
        t.heartbeat_at = t.created_at.replace(year=2020)
    stop = threading.Event()
    worker = threading.Thread(
        target=queue.run_worker, args=(db, ["transcription"], 1), kwargs={"stop": stop}
    )
    worker.start()
    try:
        jobs = {j.id: j for j in _wait(db, [urgent, queued[0].job_id, queued[1].job_id], 300)}
    finally:
        stop.set()
        worker.join(30)
    assert jobs[urgent].status == "done" and jobs[queued[0].job_id].status == "done"
    assert jobs[queued[1].job_id].status == "cancelled" and _segments(db, batch[1]) == 0
    # Priority: the re-run (0) started before the batch job (10).
    assert jobs[urgent].started_at <= jobs[queued[0].job_id].started_at
    assert jobs[queued[0].job_id].attempts == 1  # the dead worker's try was never a job run
    assert _segments(db, rerun) > 0 and _segments(db, batch[0]) > 0
    assert queue.queue_counts(db) == {"done": 3}


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_two_workers_share_jobs_and_a_killed_one_is_retried(
    tmp_path, pg_admin_url, pg_demo_template, mono_clip, offline_model
):
    folder = tmp_path / "data"
    db, url, result = copy_pg_demo(pg_demo_template, pg_admin_url, folder)
    pid = result.project_id
    ctx = ctx_as(db, pid, "evaluator")
    ids = [_interview(ctx, mono_clip, f"Interview {i}") for i in range(4)]
    jobs = [transcription.start_transcription(ctx, iid, speakers=1) for iid in ids]
    assert queue.queue_counts(db) == {"todo": 4}
    workers = [_worker(folder, url), _worker(folder, url)]
    try:
        # Kill the first worker that has a job running: that job must be retried elsewhere.
        deadline, killed = time.monotonic() + 240, None
        while time.monotonic() < deadline and killed is None:
            for j in _jobs(db):
                if j.status == "running" and j.worker and j.seconds_total:
                    victim = next((w for w in workers if j.worker.endswith(f":{w.pid}")), None)
                    if victim is not None:
                        os.killpg(victim.pid, signal.SIGKILL)
                        victim.wait(10)
                        killed = (j.id, j.interview_id, victim.pid)
                        break
            time.sleep(0.2)
        assert killed is not None, "no job started running"
        # Nothing half-written: the killed job's interview has no segments yet.
        assert _segments(db, killed[1]) == 0
        workers.append(_worker(folder, url))  # a replacement, as an operator would start
        done = {j.id: j for j in _wait(db, jobs, 420)}
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
                w.wait(30)
    assert all(j.status == "done" for j in done.values()), [
        (j.id, j.status, j.error) for j in done.values()
    ]
    assert done[killed[0]].attempts >= 2 and not done[killed[0]].worker.endswith(f":{killed[2]}")
    assert len({j.worker.split(":")[1] for j in done.values()}) >= 2  # the load was shared
    assert all(_segments(db, iid) > 0 for iid in ids)
    db.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_progress_visible_and_cancel_stops_a_running_job(
    tmp_path, pg_admin_url, pg_demo_template, speech_dir, offline_model
):
    from qualkit.transcription.engines import BATCH_SIZE

    from .speech import CONVERSATION, conversation

    folder = tmp_path / "data"
    db, url, result = copy_pg_demo(pg_demo_template, pg_admin_url, folder)
    pid = result.project_id
    ctx = ctx_as(db, pid, "evaluator")
    # Progress rises per batch of VAD windows (up to 30 s each): the recording needs more than
    # one batch for a share between 0 and 1 to be seen while the job runs.
    wav, ref = conversation(speech_dir, turns=CONVERSATION * 13, name="progress.wav")
    assert ref[-1][1] > BATCH_SIZE * 30 + 10
    iid = _interview(ctx, wav, "Lang")
    job = transcription.start_transcription(ctx, iid, speakers=1)
    worker = _worker(folder, url)
    try:
        seen = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            info = transcription.get_job(ctx, job)
            if info["status"] == "running" and info["progress"] > 0:
                seen.append(info["progress"])
                if info["progress"] < 1.0:
                    transcription.cancel(ctx, job)
                    break
            if info["status"] in transcription.DONE:
                break
            time.sleep(0.2)
        final = _wait(db, [job], 240)[0]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    assert seen and 0 < seen[0] < 1.0
    assert final.status == "cancelled" and _segments(db, iid) == 0
    db.close()
