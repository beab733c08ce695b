"""Use case: an interview's recording: upload (validated), playback, deletion, retention.

The audio lives in the data folder (paths kept relative to it) until the project's retention
rule deletes it: at approval with ``delete_audio_on_approve`` (the default), or by hand. The
speakers' voice vectors of an interview go with its audio.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.store.models import Interview, Segment, utcnow

from . import _retry, audit, participants, retention
from .context import Context

if TYPE_CHECKING:
    from qualkit.transcription.models import ModelInfo
from .transcription_common import _active_job, _interview, audio_file, is_locked

AUDIO_EXTENSIONS = (
    ".m4a",
    ".mp3",
    ".wav",
    ".ogg",
    ".oga",
    ".opus",
    ".flac",
    ".aac",
    ".wma",
    ".mp4",
    ".webm",
    ".amr",
    ".3gp",
    ".mka",
)


def new_interview(
    ctx: Context,
    title: str,
    *,
    citizen_id: str | None = None,
    kind: str = "citizen",
    interviewer: str | None = None,
    interview_date=None,
    language: str = "da",
) -> int:
    """An empty interview that audio can be uploaded to."""
    ctx.require("transcribe")
    if not title.strip():
        raise InputError("Et interview skal have en titel.")

    def work(s: Session) -> int:
        participant_id = participants.participant_id(s, ctx, citizen_id)
        iv = Interview(
            project_id=ctx.project_id,
            participant_id=participant_id,
            title=title.strip(),
            kind=kind,
            interviewer=interviewer,
            interview_date=interview_date,
            status="new",
            source="transcription",
            language=language,
            speakers={},
        )
        s.add(iv)
        s.flush()
        audit.record(
            s,
            ctx.actor,
            "interview.create",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"kind": kind},
        )
        return iv.id

    return _retry.write(ctx.db, work)


def attach_audio(ctx: Context, interview_id: int, filename: str, data: bytes) -> dict[str, Any]:
    """Store an uploaded recording with an interview after checking it decodes.

    A file that is not usable audio is refused with one line naming it, and nothing
    is kept. A previous recording of the same interview is replaced.
    """
    from qualkit.transcription.audio import probe

    ctx.require("transcribe")
    suffix = Path(filename).suffix.lower()
    if suffix not in AUDIO_EXTENSIONS:
        suffix = ".audio"
    folder = ctx.db.settings.audio_dir
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"interview-{interview_id}-{uuid.uuid4().hex[:12]}{suffix}"
    tmp = final.with_name(f".upload-{final.name}")
    tmp.write_bytes(data)
    try:
        try:
            info = probe(tmp)
        except InputError as exc:
            raise InputError(str(exc).replace(str(tmp), filename)) from None
        os.replace(tmp, final)  # before the transaction: a re-run finds the file in place

        def work(s: Session) -> Path | None:
            iv = _interview(s, ctx, interview_id)
            if is_locked(iv):
                raise InputError(
                    f"{iv.title}: transskriptionen er godkendt; der kan ikke komme ny lyd."
                )
            if _active_job(s, iv.id) is not None:
                raise InputError(
                    _msg(
                        "transcription.running", title=iv.title, then="vent på den, eller stop den"
                    )
                )
            old = audio_file(ctx.db, iv.audio_path)
            iv.audio_path = str(final.relative_to(ctx.db.settings.data_dir))
            iv.audio_deleted_at = None
            iv.duration = round(info.duration, 3)
            audit.record(
                s,
                ctx.actor,
                "audio.upload",
                project_id=ctx.project_id,
                target_type="interview",
                target_id=iv.id,
                details={
                    "seconds": round(info.duration, 1),
                    "channels": info.channels,
                    "codec": info.codec,
                },
            )
            return old

        old = _retry.write(ctx.db, work)
        if old is not None and old != final and old.exists():
            old.unlink()
        return {"duration": info.duration, "channels": info.channels, "codec": info.codec}
    except BaseException:
        for p in (tmp, final):  # refused or failed: neither copy is kept
            if p.exists():
                p.unlink()
        raise


def audio_for_playback(ctx: Context, interview_id: int) -> tuple[str, str] | None:
    """The recording's file and MIME type for the editor's player (None once deleted)."""
    ctx.require("transcribe")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        path = audio_file(ctx.db, iv.audio_path)
    if path is None or not path.exists():
        return None
    mime = {
        ".mp3": "audio/mpeg",
        ".m4a": "audio/mp4",
        ".mp4": "audio/mp4",
        ".ogg": "audio/ogg",
        ".oga": "audio/ogg",
        ".opus": "audio/ogg",
        ".flac": "audio/flac",
        ".webm": "audio/webm",
    }.get(path.suffix.lower(), "audio/wav")
    return str(path), mime


def model_choices(ctx: Context) -> list[ModelInfo]:
    """Models the app can offer: the offline base model first, then cached folders and names."""
    from qualkit.transcription.models import list_models

    ctx.require("transcribe")
    return list_models()


def delete_audio(ctx: Context, interview_id: int) -> None:
    ctx.require("transcribe")

    def work(s: Session) -> Path | None:
        iv = _interview(s, ctx, interview_id)
        if not iv.audio_path:
            return None
        if _active_job(s, iv.id) is not None:
            raise InputError(_msg("transcription.running", title=iv.title, then="stop den først"))
        return retention.mark_audio_deleted(s, ctx, iv, "manual")

    retention.unlink([_retry.write(ctx.db, work)])  # the file goes after the commit


def approve_transcript(ctx: Context, interview_id: int) -> dict[str, Any]:
    """Approve the transcript; deletes the audio when the project's retention rule says so."""
    ctx.require("transcript.approve")

    def work(s: Session) -> Path | None:
        iv = _interview(s, ctx, interview_id)
        n = s.scalar(select(func.count(Segment.id)).where(Segment.interview_id == iv.id))
        if not n:
            raise InputError(f"{iv.title}: der er endnu ingen transskription at godkende.")
        if _active_job(s, iv.id) is not None:
            raise InputError(
                _msg("transcription.running", title=iv.title, then="vent på den først")
            )
        if iv.transcript_approved_at is not None:
            raise InputError(f"{iv.title}: transskriptionen er allerede godkendt.")
        iv.transcript_approved_at = utcnow()
        audit.record(
            s,
            ctx.actor,
            "transcript.approve",
            project_id=ctx.project_id,
            target_type="interview",
            target_id=iv.id,
            details={"segments": n},
        )
        return retention.audio_on_approval(s, ctx, iv, "approved (delete_audio_on_approve)")

    path = _retry.write(ctx.db, work)
    retention.unlink([path])
    return {"audio_deleted": path is not None}
