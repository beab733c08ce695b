"""Storing a finished transcription: segments with word times, speakers, voices; one
transaction, so a job that dies before it leaves the interview as it was."""

from __future__ import annotations

import copy

from sqlalchemy.orm import Session

from qualkit.store import Database
from qualkit.store.models import Interview, Segment, utcnow

from . import _retry, audit, transcription_voices
from .context import Actor
from .transcription_common import EditedTranscript, _job, _protected


def store_result(db: Database, actor: Actor, job_id: int, overwrite: bool, result) -> None:
    """Replace the interview's segments with the result, in one transaction."""
    original = result

    def work(s: Session) -> None:
        result = copy.deepcopy(original)  # speakers are renamed in it: a re-run starts afresh
        job = _job(s, job_id)
        if job.stop_requested:
            from qualkit.transcription.pipeline import Interrupted

            raise Interrupted("stoppet")
        iv = s.get(Interview, job.interview_id)
        # job.interview_id is a foreign key with ON DELETE CASCADE: the job row exists, so
        # its interview does (same transaction).
        assert iv is not None
        edited, coded = _protected(s, iv.id)
        if (edited or coded) and not overwrite:
            raise EditedTranscript(
                f"{iv.title}: segmenter blev rettet eller kodet under "
                "transskriptionen; intet blev erstattet. Start igen, og bekræft "
                "for at overskrive."
            )
        proposed = transcription_voices.propose_names(s, iv.project_id, iv.id, result.voices)
        rename = {label: name for label, (name, _iv, _sim) in proposed.items()}
        for p in result.segments:
            if p.speaker in rename:
                p.speaker = rename[p.speaker]
        voice_ids = transcription_voices.store_voices(
            s, iv, {rename.get(k, k): v for k, v in result.voices.items()}
        )
        for seg in list(iv.segments):
            s.delete(seg)
        s.flush()
        iv.segments = [
            Segment(
                position=i,
                start=p.start,
                end=p.end,
                speaker=p.speaker,
                text=p.text,
                words=[[w.start, w.end, w.text] for w in p.words] or None,
            )
            for i, p in enumerate(result.segments)
        ]
        names = {}
        by_label = {name: label for label, name in rename.items()}
        for p in result.segments:
            if p.speaker and p.speaker not in names:
                info: dict = {}
                if p.speaker in voice_ids:
                    info["voice"] = voice_ids[p.speaker]
                if p.speaker in by_label:
                    _name, source, sim = proposed[by_label[p.speaker]]
                    info.update(proposed=True, from_interview=source, similarity=sim)
                names[p.speaker] = info
        iv.speakers = names
        iv.status, iv.source, iv.duration = "transcribed", "transcription", result.duration
        iv.language = result.language or iv.language
        job.status, job.progress, job.finished_at = "done", 1.0, utcnow()
        job.seconds_done = job.seconds_total = result.duration
        job.model_label, job.segments = result.model, len(result.segments)
        job.decoding, job.speaker_method = result.decoding, result.speaker_method
        audit.record(
            s,
            actor,
            "transcription.done",
            project_id=iv.project_id,
            target_type="interview",
            target_id=iv.id,
            details={
                "job": job_id,
                "segments": len(result.segments),
                "seconds": result.duration,
                "engine": result.engine,
                "decoding": result.decoding,
                "speakers": result.speaker_method,
                "names_proposed": len(proposed),
                "replaced_edited": edited,
                "replaced_codings": coded,
            },
        )

    _retry.write(db, work)
