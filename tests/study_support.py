"""A small project (register, users) for the study-design tests, built without the demo."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

from qualkit.delivery.register import ParticipantRecord
from qualkit.services import participants, projects
from qualkit.services.context import Actor, Context
from qualkit.store import Database

ADMIN = Actor(None, "local:test", "admin")
REGISTER = [
    # (citizen_id, arm, site)
    ("B01", "indsats", "Ishøj"),
    ("B02", "indsats", "Ishøj"),
    ("B03", "kontrol", "Ishøj"),
    ("B04", "kontrol", "Albertslund"),
]


def small_project(db: Database, name: str = "Studie") -> Context:
    pid = projects.create_project(db, ADMIN, name)
    ctx = Context(db, ADMIN, pid)
    participants.upsert_participants(
        ctx, [ParticipantRecord(citizen_id=c, arm=a, site=s) for c, a, s in REGISTER], "test"
    )
    return ctx


def silent_wav(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(struct.pack("<h", 0) * int(16000 * seconds))
    return path
