"""Use case: speakers named once are recognised again in the project's next interviews.

When an interview is diarized, each speaker's mean voice vector is kept (``SpeakerVoice``,
in the project's own database; it never leaves it). The evaluator names the speakers
("Interviewer", "B03") in the editor; the interview's ``speakers`` mapping keeps the link
from the name to the voice (``{"voice": id}``, carried along by a rename). In the next
interview, a voice close enough to a named one is proposed with that name (marked
``proposed``, with the interview it came from and the similarity). The vectors are deleted
with the audio when the project's retention rule deletes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select

from qualkit.store.models import Interview, SpeakerVoice

from .context import Context

# Cosine similarity of two mean voice vectors (Resemblyzer) above which they are one person.
SAME_PERSON = 0.86
DEFAULT_NAME = re.compile(r"^(Taler|Kanal) \d+$")


@dataclass(frozen=True)
class KnownVoice:
    voice_id: int
    interview_id: int
    name: str
    vector: np.ndarray


def _vector(blob: bytes) -> np.ndarray:
    v = np.frombuffer(blob, dtype=np.float32)
    return v / max(1e-9, float(np.linalg.norm(v)))


def current_name(iv: Interview, voice: SpeakerVoice) -> str:
    """The name the evaluator gave the voice (its label until renamed)."""
    for name, info in (iv.speakers or {}).items():
        if isinstance(info, dict) and info.get("voice") == voice.id:
            return name
    return voice.label


def named_voices(s, project_id: int, exclude_interview: int | None = None) -> list[KnownVoice]:
    """The project's voices that a person has named (not "Taler 1" or "Kanal 2")."""
    rows = s.execute(
        select(SpeakerVoice, Interview)
        .join(Interview, SpeakerVoice.interview_id == Interview.id)
        .where(SpeakerVoice.project_id == project_id)
        .order_by(SpeakerVoice.id.desc())
    ).all()
    out = []
    for voice, iv in rows:
        if iv.id == exclude_interview:
            continue
        name = current_name(iv, voice)
        if not DEFAULT_NAME.match(name):
            out.append(KnownVoice(voice.id, iv.id, name, _vector(voice.vector)))
    return out


def propose_names(
    s, project_id: int, interview_id: int, voices: dict[str, np.ndarray]
) -> dict[str, tuple[str, int, float]]:
    """label -> (name, interview it came from, similarity) for voices recognised."""
    known = named_voices(s, project_id, exclude_interview=interview_id)
    if not known or not voices:
        return {}
    pairs = []
    for label, vec in voices.items():
        v = vec / max(1e-9, float(np.linalg.norm(vec)))
        for k in known:
            sim = float(v @ k.vector)
            if sim >= SAME_PERSON:
                pairs.append((sim, label, k))
    out: dict[str, tuple[str, int, float]] = {}
    taken: set[str] = set()
    for sim, label, k in sorted(pairs, key=lambda p: -p[0]):
        if label in out or k.name in taken:
            continue
        out[label] = (k.name, k.interview_id, round(sim, 3))
        taken.add(k.name)
    return out


def store_voices(s, iv: Interview, voices: dict[str, np.ndarray]) -> dict[str, int]:
    """Replace the interview's voice vectors; label -> voice id."""
    s.execute(delete(SpeakerVoice).where(SpeakerVoice.interview_id == iv.id))
    ids = {}
    for label, vec in voices.items():
        row = SpeakerVoice(
            project_id=iv.project_id,
            interview_id=iv.id,
            label=label,
            vector=np.asarray(vec, dtype=np.float32).tobytes(),
        )
        s.add(row)
        s.flush()
        ids[label] = row.id
    return ids


def voice_count(ctx: Context) -> int:
    """How many voice vectors the project holds (the admin's retention overview)."""
    ctx.require("transcribe")
    with ctx.db.session() as s:
        return len(
            s.scalars(
                select(SpeakerVoice.id).where(SpeakerVoice.project_id == ctx.project_id)
            ).all()
        )


@dataclass(frozen=True)
class Proposal:
    """A speaker name proposed because the voice matched a named one in another interview."""

    name: str
    from_interview: int
    from_title: str
    similarity: float


def proposals(ctx: Context, interview_id: int) -> list[Proposal]:
    """The names this interview's transcription proposed from earlier interviews."""
    from .transcription_common import _interview

    ctx.require("transcribe")
    with ctx.db.session() as s:
        iv = _interview(s, ctx, interview_id)
        out = []
        for name, info in (iv.speakers or {}).items():
            if isinstance(info, dict) and info.get("proposed"):
                source = info.get("from_interview")
                # store_result writes "proposed" only together with the interview id it came
                # from (propose_names' KnownVoice.interview_id).
                assert isinstance(source, int)
                other = s.get(Interview, source)
                title = other.title if other is not None else "?"
                out.append(Proposal(name, source, title, info.get("similarity", 0)))
        return out
