"""Building a small, consensus-coded, de-identified project for the export tests.

Codings are made here through the models and services/codebooks.py, so these tests do
not depend on the coding feature's demo content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from qualkit.codebooks.model import parse_codebook
from qualkit.services import codebooks, interviews, participants, projects, users
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database
from qualkit.store.models import (
    Code,
    Codebook,
    ConsensusCoding,
    Interview,
    Participant,
    Segment,
    User,
)

CODEBOOK = {
    "codebook": "Testkodebog",
    "codes": [
        {
            "id": "tema.samarbejde",
            "name": "Samarbejde",
            "framework": "implementation",
            "children": [
                {
                    "id": "tema.samarbejde.trepart",
                    "name": "Trepartssamtalen",
                    "framework": "implementation",
                },
                {
                    "id": "tema.samarbejde.jk",
                    "name": "Jobkonsulentens rolle",
                    "framework": "mechanism",
                },
            ],
        },
        {"id": "tema.mestring", "name": "Mestring og energi", "framework": "effectiveness"},
        {"id": "tema.kontekst", "name": "Arbejdspladsen", "framework": "context"},
    ],
}

TURNS = {
    "B03": [
        ("I", 74.0, "Vil du fortælle om det første møde?"),
        (
            "B03",
            80.0,
            "Det var et trepartsmøde med [Jobkonsulent 1] og [Sygeplejerske 1], og det var meget afslappet.",
        ),
        ("B03", 130.0, "Jeg fik mere energi, og jeg kunne have overskud til min yngste igen."),
        ("B03", 175.0, "Min leder på [Arbejdsplads 1] var god til at lave en plan for mig."),
    ],
    "B07": [
        ("Interviewer", 60.0, "Hvordan var samarbejdet med jobkonsulenten?"),
        (
            "Borger7",
            65.0,
            "Hun lyttede, og hun kendte reglerne, så jeg ikke skulle bekymre mig om sygedagpengene.",
        ),
        ("Borger7", 120.0, "Trepartssamtalen gav mig ro, fordi alle vidste det samme."),
    ],
    "B12": [
        ("I", 30.0, "Hvad betød forløbet for dig?"),
        (
            "B12",
            40.0,
            "Jeg har lært at tage pauser, og det giver mig mere energi om eftermiddagen.",
        ),
    ],
}
SPEAKERS = {
    "B03": {"I": "interviewer", "B03": "citizen"},
    "B07": {"Interviewer": "interviewer", "Borger7": "citizen"},
    "B12": {"I": "interviewer", "B12": "citizen"},
}
# (citizen, turn position, code key, starred)
CODINGS = [
    ("B03", 1, "tema.samarbejde.trepart", True),
    ("B03", 2, "tema.mestring", True),
    ("B03", 3, "tema.kontekst", False),
    ("B07", 1, "tema.samarbejde.jk", True),
    ("B07", 2, "tema.samarbejde.trepart", False),
    ("B07", 2, "tema.samarbejde", False),
    ("B12", 1, "tema.mestring", False),
]
PARTICIPANTS = [
    # citizen_id, arm, site, sex, age, diagnosis
    ("B03", "indsats", "Rehabilitering Nord", "kvinde", "44", "kræft"),
    ("B07", "indsats", "Rehabilitering Syd", "mand", "57", "hjerte"),
    ("B12", "kontrol", "Rehabilitering Nord", "kvinde", "36", "andet"),
]


@dataclass
class Built:
    db: Database
    project_id: int
    segments: dict[tuple[str, int], int] = field(default_factory=dict)  # (citizen, pos) -> id
    consensus: list[int] = field(default_factory=list)
    interviews: dict[str, int] = field(default_factory=dict)

    def ctx(self, username: str) -> Context:
        return Context(self.db, users.actor_for(self.db, username), self.project_id)


def build_project(db: Database, name: str = "Eksporttest") -> Built:
    """Users, register, codebook, three de-identified interviews and consensus codings."""
    from qualkit.delivery.register import ParticipantRecord

    pid = projects.create_project(db, SYSTEM, name)
    ctx = Context(db, SYSTEM, pid)
    with db.session() as s:
        existing = set(s.scalars(select(User.username)))
    for username, role in (
        ("admin", "admin"),
        ("evaluator", "evaluator"),
        ("writer", "writer"),
        ("staff", "staff"),
    ):
        if username not in existing:
            users.create_user(
                ctx,
                username,
                role,
                users.new_password(),
                site="Rehabilitering Nord" if role == "staff" else None,
            )
    records = [
        ParticipantRecord(
            citizen_id=c,
            arm=a,
            site=s,
            eligible=True,
            start_date=date(2024, 11, 1),
            attributes={"køn": sex, "alder": age, "diagnosegruppe": dx},
        )
        for c, a, s, sex, age, dx in PARTICIPANTS
    ]
    participants.upsert_participants(ctx, records, "register.csv")
    codebooks.import_codebook(ctx, parse_codebook(CODEBOOK))
    from qualkit.transcripts.textformat import Turn

    built = Built(db, pid)
    for i, (cid, turns) in enumerate(TURNS.items()):
        iid = interviews.create_interview_from_turns(
            ctx,
            f"Borgerinterview {cid}",
            [Turn(sp, tx, st) for sp, st, tx in turns],
            citizen_id=cid,
            wave=1 if i < 2 else 2,
            interview_date=date(2025, 3, 10 + i),
            speakers=SPEAKERS[cid],
        )
        built.interviews[cid] = iid
    evaluator_id = users.actor_for(db, "evaluator").user_id
    with db.session(write=True) as s:
        for cid, iid in built.interviews.items():
            iv = s.get(Interview, iid)
            iv.status = "deidentified"
            for seg in iv.segments:
                seg.deidentified = True
                built.segments[(cid, seg.position)] = seg.id
        codes = dict(
            s.execute(
                select(Code.key, Code.id).join(Codebook).where(Codebook.project_id == pid)
            ).all()
        )
        for cid, pos, key, starred in CODINGS:
            cc = ConsensusCoding(
                segment_id=built.segments[(cid, pos)],
                code_id=codes[key],
                starred=starred,
                decided_by=evaluator_id,
                origin="new",
            )
            s.add(cc)
            s.flush()
            built.consensus.append(cc.id)
    return built


def set_text(db: Database, segment_id: int, text: str) -> None:
    with db.session(write=True) as s:
        s.get(Segment, segment_id).text = text


def withdraw(db: Database, project_id: int, citizen_id: str) -> None:
    with db.session(write=True) as s:
        p = s.scalars(
            select(Participant).where(
                Participant.project_id == project_id, Participant.citizen_id == citizen_id
            )
        ).one()
        p.withdrawn_date = date(2025, 5, 1)


# --- the recognisers -----------------------------------------------------------------
_STANDIN_NAMES = {"Camilla", "Vestergaard", "Jens", "Kirsten", "Sanne"}


@dataclass
class _Span:
    start: int
    end: int
    label: str
    text: str
    source: str = "standin"
    replacement: str | None = None


def _standin_detect(text: str, roster=None) -> list[_Span]:
    """CPR and e-mail patterns and a few names: enough to exercise the refusal mechanics."""
    out = []
    for m in re.finditer(r"\b\d{6}-?\d{4}\b", text):
        out.append(_Span(m.start(), m.end(), "CPR", m.group()))
    for m in re.finditer(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b", text):
        out.append(_Span(m.start(), m.end(), "EMAIL", m.group()))
    for m in re.finditer(r"\b[A-ZÆØÅ][a-zæøå]+\b", text):
        if m.group() in _STANDIN_NAMES:
            out.append(_Span(m.start(), m.end(), "PERSON", m.group()))
    return sorted(out, key=lambda s: s.start)


@pytest.fixture
def standin_recognisers(monkeypatch):
    """Tests about layout and formats use a small deterministic recogniser, so that they test
    the exporters rather than the recognisers' false positives; the refusal itself is tested
    with the real recognisers in test_exports_safety.py."""
    from qualkit.exports import safety

    monkeypatch.setattr(safety, "_detector", lambda: _standin_detect)
