"""Retention on every approval path and withdrawal of consent (issue 10, item 10):
audio, text, codings, quotes, vault entries and report label go, also from backups."""

from __future__ import annotations

import io
import os
import sqlite3
import time
import wave
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualkit.cli import main
from qualkit.services import deid, labels, projects, transcription
from qualkit.services import vault as vault_store
from qualkit.store.models import (
    AuditEvent,
    Coding,
    ConsensusCoding,
    Interview,
    Participant,
    ReportLabel,
    Segment,
)

from .conftest import ctx_as


def _wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 16000)
    return buf.getvalue()


def _open_interview(db) -> int:
    with db.session() as s:
        return s.scalar(select(Interview.id).where(Interview.status != "approved"))


def test_deidentification_approval_applies_retention(demo):
    """Approving on the Pseudonymisering page left the audio despite delete_audio_on_approve."""
    db, result = demo
    evaluator = ctx_as(db, result.project_id, "evaluator")
    iid = _open_interview(db)
    transcription.attach_audio(evaluator, iid, "samtale.wav", _wav())
    with db.session() as s:
        path = db.settings.data_dir / s.get(Interview, iid).audio_path
    assert path.exists()
    deid.approve(evaluator, iid, accept_pending=True)
    assert not path.exists()
    with db.session() as s:
        iv = s.get(Interview, iid)
        assert iv.audio_path is None and iv.audio_deleted_at is not None
        ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "audio.delete"))
        assert ev.target_id == str(iid) and "de-identification" in ev.details["reason"]


def test_retention_off_keeps_the_audio(demo):
    db, result = demo
    admin = ctx_as(db, result.project_id, "admin")
    projects.update_settings(admin, delete_audio_on_approve=False)
    iid = _open_interview(db)
    transcription.attach_audio(admin, iid, "samtale.wav", _wav())
    deid.approve(admin, iid, accept_pending=True)
    with db.session() as s:
        assert (db.settings.data_dir / s.get(Interview, iid).audio_path).exists()


def _b03(db, pid: int) -> tuple[int, list[str]]:
    with db.session() as s:
        p = s.scalar(select(Participant).where(Participant.citizen_id == "B03"))
        iv = s.scalar(select(Interview).where(Interview.participant_id == p.id))
        texts = [g.text for g in iv.segments if len(g.text) > 40]
        return iv.id, texts


def _backup(db, stamp: str | None = None) -> Path:
    """A backup as qualkit makes one (store.backups: SQLite's backup API), dated ``stamp``."""
    from qualkit.store import backups

    path = backups.backup_sqlite(db.settings.sqlite_path, db.settings.data_dir, "manuel").path
    if stamp is None:
        return path
    old = path.with_name(f"qualkit-{stamp}Z-manuel.sqlite3")
    path.rename(old)
    return old


def test_withdraw_command_removes_the_person_everywhere(sqlite_demo, monkeypatch, capsys):
    db, result = sqlite_demo  # a copy of the demo template
    pid = result.project_id
    iid, texts = _b03(db, pid)
    assert texts
    with db.session(write=True) as s:
        labels.report_label(s, db, pid, "B03")
        iv = s.get(Interview, iid)
        audio = db.settings.audio_dir / f"interview-{iid}-kept.wav"
        audio.parent.mkdir(parents=True, exist_ok=True)
        audio.write_bytes(_wav())
        iv.audio_path = str(audio.relative_to(db.settings.data_dir))  # kept: retention was off
        seg_ids = [g.id for g in iv.segments]
        assert s.scalar(
            select(func.count()).select_from(Coding).where(Coding.segment_id.in_(seg_ids))
        )
    tag = vault_store.open_vault(db).tag(pid, "participant", "B03")
    assert vault_store.count(db, tag) > 0
    old = _backup(db, "20200101T120000000000")  # past QUALKIT_BACKUP_KEEP_DAYS (90)
    legacy = db.settings.sqlite_path.with_name("qualkit.sqlite3.0003_deid.20200101-120000.bak")
    legacy.write_bytes(old.read_bytes())  # the copy an earlier qualkit left beside the file
    os.utime(legacy, (time.time() - 400 * 86400,) * 2)
    fresh = _backup(db)
    assert texts[0].encode() in fresh.read_bytes()
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    data = ["--data", str(db.settings.data_dir)]
    # Only an admin may withdraw (the local folder's owner acts as admin).
    assert main(["participants", "withdraw", "B03", "--user", "evaluator", *data]) != 0
    assert main(["participants", "withdraw", "B03", *data]) == 0
    out = capsys.readouterr().out
    assert "B03 er trukket ud" in out and "1 sikkerhedskopi(er) renset" in out
    assert not audio.exists()
    with db.session() as s:
        assert s.get(Interview, iid) is None
        for model in (Segment, Coding, ConsensusCoding):
            col = model.interview_id if model is Segment else model.segment_id
            ref = iid if model is Segment else seg_ids
            q = select(func.count()).select_from(model)
            q = q.where(col == ref) if model is Segment else q.where(col.in_(ref))
            assert s.scalar(q) == 0, model
        assert s.scalar(select(Participant).where(Participant.citizen_id == "B03")).withdrawn_date
        assert (
            s.scalar(
                select(func.count())
                .select_from(ReportLabel)
                .where(ReportLabel.citizen_hash == labels.citizen_hash(db, pid, "B03"))
            )
            == 0
        )
        ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "participant.withdraw"))
        assert ev.target_id == "B03" and ev.username.startswith("local:")
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "backup.scrub"))
    assert vault_store.count(db, tag) == 0
    live = b"".join(p.read_bytes() for p in db.settings.data_dir.glob("qualkit.sqlite3*"))
    assert all(t.encode() not in live for t in texts)  # secure_delete + WAL checkpoint
    # The backup that remains no longer holds the person's text, not even in free pages.
    assert not old.exists() and not legacy.exists()
    raw = fresh.read_bytes()
    assert all(t.encode() not in raw for t in texts)
    con = sqlite3.connect(fresh)
    try:
        assert con.execute("SELECT count(*) FROM interview WHERE id=?", (iid,)).fetchone()[0] == 0
        assert (
            con.execute("SELECT count(*) FROM vault_entry WHERE tag=?", (tag,)).fetchone()[0] == 0
        )
    finally:
        con.close()


def _voices(db, iid: int) -> int:
    from qualkit.store.models import SpeakerVoice

    with db.session() as s:
        return s.scalar(select(func.count(SpeakerVoice.id)).where(SpeakerVoice.interview_id == iid))


def _with_voices(db, pid: int, iid: int) -> None:
    """Two speakers' voice vectors, as a diarized transcription leaves them."""
    from qualkit.store.models import SpeakerVoice

    with db.session(write=True) as s:
        for label in ("SPEAKER_1", "SPEAKER_2"):
            s.add(SpeakerVoice(project_id=pid, interview_id=iid, label=label, vector=b"\0" * 1024))
    assert _voices(db, iid) == 2


@pytest.mark.parametrize("path", ["deid_approval", "transcript_approval", "manual_delete"])
def test_voice_vectors_go_with_the_audio_on_every_path(demo, path):
    """The voice vectors are as identifying as the recording: retention at a de-identification
    approval left them (only the transcription page's paths deleted them)."""
    db, result = demo
    evaluator = ctx_as(db, result.project_id, "evaluator")
    iid = _open_interview(db)
    transcription.attach_audio(evaluator, iid, "samtale.wav", _wav())
    _with_voices(db, result.project_id, iid)
    if path == "deid_approval":
        deid.approve(evaluator, iid, accept_pending=True)
    elif path == "transcript_approval":
        transcription.approve_transcript(evaluator, iid)
    else:
        transcription.delete_audio(evaluator, iid)
    assert _voices(db, iid) == 0
    with db.session() as s:
        assert s.get(Interview, iid).audio_path is None
