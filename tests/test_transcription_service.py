"""Transcription jobs, edit protection, retention and the editor, on SQLite and PostgreSQL,
with the real offline model and real espeak-ng speech."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualkit.errors import InputError, PermissionDenied
from qualkit.services import audit, interviews, projects, transcript_editor, transcription
from qualkit.services.context import Context
from qualkit.store.models import AuditEvent, Interview

from .conftest import REPO, ctx_as


def _with_audio(ctx: Context, clip, title: str = "Lydinterview") -> int:
    iid = transcription.new_interview(ctx, title)
    transcription.attach_audio(ctx, iid, clip.name, clip.read_bytes())
    return iid


def _imported(ctx: Context) -> int:
    """A fresh, editable interview imported from a demo transcript (demo interviews may be
    de-identified and locked)."""
    return interviews.import_text(
        ctx, REPO / "transcripts" / "tki2_borger_b03.txt", title="Importeret B03"
    )


def _actions(ctx: Context, iid: int) -> list[str]:
    with ctx.db.session() as s:
        return list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.target_id == str(iid))
                .order_by(AuditEvent.id)
            )
        )


@pytest.mark.slow
def test_background_job_stores_segments_once(demo, stereo_clip, offline_model):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "evaluator")
    iid = _with_audio(ctx, stereo_clip)
    job_id = transcription.start_transcription(ctx, iid)
    transcription.wait_for(db, job_id, 120)
    job = transcription.latest_job(ctx, iid)
    assert job["id"] == job_id and job["status"] == "done", job
    assert job["progress"] == 1.0 and job["seconds_done"] == pytest.approx(job["seconds_total"])
    data = transcript_editor.editor_data(ctx, iid)
    assert data["status"] == "transcribed" and data["audio"] == "present"
    assert len(data["segments"]) == job["segments"] > 0
    assert {s["speaker"] for s in data["segments"]} == {"Kanal 1", "Kanal 2"}
    assert set(data["speakers"]) == {"Kanal 1", "Kanal 2"}
    assert _actions(ctx, iid)[-3:] == ["audio.upload", "transcription.start", "transcription.done"]


@pytest.mark.slow
def test_cancelled_job_leaves_interview_unchanged_and_restarts(
    sqlite_demo, mono_clip, offline_model
):
    sqlite_db, result = sqlite_demo
    pid = result.project_id
    ctx = ctx_as(sqlite_db, pid, "evaluator")
    iid = _with_audio(ctx, mono_clip)
    job_id = transcription.start_transcription(ctx, iid)
    transcription.request_stop(ctx, job_id)
    transcription.wait_for(sqlite_db, job_id, 120)
    job = transcription.latest_job(ctx, iid)
    assert job["status"] == "cancelled"
    data = transcript_editor.editor_data(ctx, iid)
    assert data["segments"] == [] and data["status"] == "new"
    again = transcription.start_transcription(ctx, iid, wait=True)
    latest = transcription.latest_job(ctx, iid)
    assert latest["id"] == again and latest["status"] == "done"
    assert transcript_editor.editor_data(ctx, iid)["segments"]


@pytest.mark.slow
def test_edited_text_is_not_overwritten_without_confirmation(sqlite_demo, mono_clip, offline_model):
    sqlite_db, result = sqlite_demo
    pid = result.project_id
    ctx = ctx_as(sqlite_db, pid, "evaluator")
    iid = _with_audio(ctx, mono_clip)
    transcription.start_transcription(ctx, iid, wait=True)
    seg = transcript_editor.editor_data(ctx, iid)["segments"][0]
    assert transcript_editor.save_text(ctx, seg["id"], "Rettet tekst [pause]")
    assert not transcript_editor.save_text(ctx, seg["id"], "Rettet tekst [pause]")
    with pytest.raises(transcription.EditedTranscript, match="rettet i hånden"):
        transcription.start_transcription(ctx, iid, wait=True)
    after = transcript_editor.editor_data(ctx, iid)["segments"]
    assert after[0]["text"] == "Rettet tekst [pause]" and after[0]["edited"]
    transcription.start_transcription(ctx, iid, wait=True, overwrite_edited=True)
    replaced = transcript_editor.editor_data(ctx, iid)["segments"]
    assert replaced[0]["text"] != "Rettet tekst [pause]" and not any(s["edited"] for s in replaced)


def test_bad_upload_names_file_and_stores_nothing(demo, tmp_path):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "evaluator")
    iid = transcription.new_interview(ctx, "Tomt")
    for name, data, phrase in [
        ("optagelse.m4a", b"not audio at all" * 50, "ikke en lydfil"),
        ("tom.wav", b"", "længden er nul"),
    ]:
        with pytest.raises(InputError, match=phrase) as err:
            transcription.attach_audio(ctx, iid, name, data)
        assert name in str(err.value) and "upload-" not in str(err.value)
    assert list(db.settings.audio_dir.iterdir()) == []
    with db.session() as s:
        assert s.get(Interview, iid).audio_path is None
    with pytest.raises(InputError, match="ingen lyd"):
        transcription.start_transcription(ctx, iid)


def test_roles_staff_and_writer_cannot_transcribe(demo, mono_clip):
    db, result = demo
    for user in ("staff", "writer"):
        ctx = ctx_as(db, result.project_id, user)
        with pytest.raises(PermissionDenied):
            transcription.new_interview(ctx, "x")
    with pytest.raises(PermissionDenied):
        transcription.approve_transcript(ctx_as(db, result.project_id, "writer"), 1)


@pytest.mark.parametrize("delete_on_approve", [True, False])
def test_retention_on_approve(sqlite_demo, mono_clip, delete_on_approve):
    sqlite_db, result = sqlite_demo
    pid = result.project_id
    admin = ctx_as(sqlite_db, pid, "admin")
    projects.update_settings(admin, delete_audio_on_approve=delete_on_approve)
    ctx = ctx_as(sqlite_db, pid, "evaluator")
    iid = _imported(ctx)
    transcription.attach_audio(ctx, iid, "b03.wav", mono_clip.read_bytes())
    with sqlite_db.session() as s:
        stored = transcription.audio_file(sqlite_db, s.get(Interview, iid).audio_path)
    assert stored.exists()
    assert transcription.approve_transcript(ctx, iid)["audio_deleted"] is delete_on_approve
    assert stored.exists() is not delete_on_approve
    row = next(r for r in interviews.list_interviews(ctx) if r["id"] == iid)
    assert row["status"] == "transcribed"  # "approved" is the de-identification review's
    assert row["audio"] == ("slettet" if delete_on_approve else "ja")
    data = transcript_editor.editor_data(ctx, iid)
    assert data["transcript_approved_at"] is not None and data["locked"]
    assert data["audio"] == ("deleted" if delete_on_approve else "present")
    events = audit.list_events(admin, action="audio.delete")
    assert len(events) == (1 if delete_on_approve else 0)
    with pytest.raises(InputError, match="godkendt"):
        transcript_editor.save_text(ctx, data["segments"][0]["id"], "ny tekst")


def test_editor_split_merge_markers_speakers(demo):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "evaluator")
    iid = _imported(ctx)
    before = transcript_editor.editor_data(ctx, iid)["segments"]
    long_seg = max(before, key=lambda s: len(s["text"]))
    new_id = transcript_editor.split_segment(ctx, long_seg["id"])
    after = transcript_editor.editor_data(ctx, iid)["segments"]
    assert len(after) == len(before) + 1
    i = [s["id"] for s in after].index(long_seg["id"])
    assert after[i + 1]["id"] == new_id
    assert f"{after[i]['text']} {after[i + 1]['text']}" == long_seg["text"]
    assert [s["number"] for s in after] == list(range(1, len(after) + 1))
    transcript_editor.merge_with_next(ctx, long_seg["id"])
    merged = transcript_editor.editor_data(ctx, iid)["segments"]
    assert [s["text"] for s in merged] == [s["text"] for s in before]
    transcript_editor.insert_marker(ctx, merged[0]["id"], "[uforståeligt]")
    with pytest.raises(InputError):
        transcript_editor.insert_marker(ctx, merged[0]["id"], "[hoster]")
    assert transcript_editor.assign_speaker(ctx, iid, 2, 3, "JK1") == 2
    with pytest.raises(InputError, match="mellem 1 og"):
        transcript_editor.assign_speaker(ctx, iid, 3, len(merged) + 1, "JK1")
    old = merged[0]["speaker"]
    count = sum(s["speaker"] == old for s in transcript_editor.editor_data(ctx, iid)["segments"])
    assert transcript_editor.rename_speaker(ctx, iid, old, "Interviewer") == count
    final = transcript_editor.editor_data(ctx, iid)
    assert final["segments"][0]["text"].endswith("[uforståeligt]")
    assert [s["speaker"] for s in final["segments"][1:3]] == ["JK1", "JK1"]
    assert (
        old not in {s["speaker"] for s in final["segments"]} and "Interviewer" in final["speakers"]
    )
    # Every edit is audited, and no audit row carries transcript text.
    actions = _actions(ctx, iid)
    for a in (
        "segment.split",
        "segment.merge",
        "segment.marker",
        "segment.speaker",
        "speaker.rename",
    ):
        assert a in actions
    with db.session() as s:
        details = [
            str(d)
            for d in s.scalars(select(AuditEvent.details).where(AuditEvent.target_id == str(iid)))
        ]
    assert not any(long_seg["text"][:20] in d for d in details)


def test_import_txt_and_docx_with_field_labels(sqlite_demo, tmp_path):
    from docx import Document

    sqlite_db, result = sqlite_demo
    pid = result.project_id
    ctx = ctx_as(sqlite_db, pid, "evaluator")
    lines = [
        "Interviewer: Hvordan gik det?",
        "B 14: Det gik fint [griner].",
        "I: Og jobkonsulenten?",
        "JK3: Vi mødtes tre gange.",
        "Borger3: Det hjalp mig.",
    ]
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(tmp_path / "fokus.docx")
    (tmp_path / "fokus.txt").write_text("\n\n".join(lines), encoding="utf-8-sig")
    for name in ("fokus.docx", "fokus.txt"):
        iid = interviews.import_text(ctx, tmp_path / name, title=name)
        segs = interviews.get_transcript(ctx, iid)["segments"]
        assert [s["speaker"] for s in segs] == ["Interviewer", "B 14", "I", "JK3", "Borger3"]
        assert segs[1]["text"] == "Det gik fint [griner]."
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    n = len(interviews.list_interviews(ctx))
    with pytest.raises(InputError, match="broken.docx"):
        interviews.import_text(ctx, tmp_path / "broken.docx")
    assert len(interviews.list_interviews(ctx)) == n


def test_codings_are_not_lost_to_retranscription_without_confirmation(sqlite_demo, mono_clip):
    from qualkit.store.models import Code, Coding, Segment, User

    sqlite_db, result = sqlite_demo
    pid = result.project_id
    ctx = ctx_as(sqlite_db, pid, "evaluator")
    iid = _imported(ctx)
    transcription.attach_audio(ctx, iid, "b03.wav", mono_clip.read_bytes())
    with sqlite_db.session(write=True) as s:
        seg = s.scalars(select(Segment).where(Segment.interview_id == iid)).first()
        code = s.scalars(select(Code)).first()
        coder = s.scalars(select(User).where(User.username == "evaluator")).one()
        s.add(Coding(segment_id=seg.id, code_id=code.id, coder_id=coder.id))
    with pytest.raises(transcription.EditedTranscript, match="1 kodning"):
        transcription.start_transcription(ctx, iid)
    assert transcription.latest_job(ctx, iid) is None
