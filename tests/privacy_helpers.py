"""A small project for the privacy tests: users of every role, a vault, one raw interview."""

from __future__ import annotations

from dataclasses import dataclass, field

from qualkit.deid.spans import RosterEntry
from qualkit.services import deid, interviews, projects, users
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database
from qualkit.transcripts.textformat import Turn

PASSPHRASE = "korrekt hest batteri hæfteklamme"
ROSTER = [
    RosterEntry("Mette Holt", "fysioterapeut"),
    RosterEntry("Camilla Vestergaard", "borger"),
]
TURNS = [
    ("I", "Hvordan gik det første møde?"),
    ("B", "Jeg hedder Camilla Vestergaard, og jeg mødte Mette Holt i går."),
    ("B", "Bagefter talte jeg med Mette Holt igen om træningen."),
    ("I", "Tak for det."),
]
ROLES = (
    ("admin", "admin"),
    ("evaluator", "evaluator"),
    ("evaluator2", "evaluator"),
    ("writer", "writer"),
    ("staff", "staff"),
)


@dataclass
class Small:
    db: Database
    project_id: int
    interview_id: int
    passwords: dict[str, str] = field(default_factory=dict)

    def ctx(self, username: str) -> Context:
        return Context(self.db, users.actor_for(self.db, username), self.project_id)


def small_project(db: Database, name: str = "Privatliv") -> Small:
    pid = projects.create_project(db, SYSTEM, name)
    ctx = Context(db, SYSTEM, pid)
    pw = {}
    for username, role in ROLES:
        pw[username] = users.new_password()
        users.create_user(
            ctx, username, role, pw[username], site="Nord" if role == "staff" else None
        )
    small = Small(db, pid, 0, pw)
    deid.create_vault(small.ctx("admin"), PASSPHRASE)
    small.interview_id = interviews.create_interview_from_turns(
        small.ctx("evaluator"),
        "Interview med borger",
        [Turn(sp, tx, float(i * 10)) for i, (sp, tx) in enumerate(TURNS)],
        kind="citizen",
    )
    return small
