"""Transcription of interviews: one import for the app and the CLI.

The use cases live in their own modules: ``transcription_audio`` (a recording: upload,
playback, deletion, retention), ``transcription_jobs`` (queue, cancel, retry, progress, the
task a worker runs), ``transcription_store`` (storing a result in one transaction),
``transcription_voices`` (speaker names across interviews) and ``transcription_queue`` (the
job queue: procrastinate on PostgreSQL, a queue table on SQLite).
"""

from __future__ import annotations

from .transcription_audio import (
    AUDIO_EXTENSIONS,
    approve_transcript,
    attach_audio,
    audio_for_playback,
    delete_audio,
    model_choices,
    new_interview,
)
from .transcription_common import (
    ACTIVE,
    DONE,
    EditedTranscript,
    _active_job,
    _interview,
    _protected,
    audio_file,
    is_locked,
)
from .transcription_jobs import (
    PRIORITY_BATCH,
    PRIORITY_RERUN,
    Enqueued,
    cancel,
    ensure_worker,
    get_job,
    latest_job,
    request_stop,
    retry,
    start_transcription,
    transcribe_all_pending,
    wait_for,
    wait_for_job,
)
from .transcription_queue import local_worker_running, start_local_worker
from .transcription_run import run_job
from .transcription_voices import Proposal, proposals

__all__ = [
    "ACTIVE",
    "AUDIO_EXTENSIONS",
    "DONE",
    "EditedTranscript",
    "Enqueued",
    "PRIORITY_BATCH",
    "PRIORITY_RERUN",
    "Proposal",
    "_active_job",
    "_interview",
    "_protected",
    "approve_transcript",
    "attach_audio",
    "audio_file",
    "audio_for_playback",
    "cancel",
    "delete_audio",
    "ensure_worker",
    "get_job",
    "is_locked",
    "latest_job",
    "local_worker_running",
    "model_choices",
    "new_interview",
    "proposals",
    "request_stop",
    "retry",
    "run_job",
    "start_local_worker",
    "start_transcription",
    "transcribe_all_pending",
    "wait_for",
    "wait_for_job",
]
