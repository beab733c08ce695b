"""The demo project: a TKI2-like evaluation with register, log, codebooks and transcripts.

Idempotent: a second run finds the project and changes nothing. Users get
random passwords that are returned (and printed by the CLI) once, at creation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from qualkit import shipped
from qualkit.store import Database
from qualkit.store.models import Project
from qualkit.tabular import parse_date

from . import codebooks, coding_demo, deid, delivery, interviews, participants, projects, users
from .context import SYSTEM, Context

DEMO_PROJECT = "TKI2 demo"
DEMO_USERS = [
    # username, role, display name, site (display names share nothing with the transcripts' people)
    ("admin", "admin", "Projektadministrator", None),
    ("evaluator", "evaluator", "Evaluator 1", None),
    ("evaluator2", "evaluator", "Evaluator 2", None),
    ("staff", "staff", "Jobkonsulent, Rehabilitering Nord", "Rehabilitering Nord"),
    ("staff2", "staff", "Jobkonsulent, Rehabilitering Syd", "Rehabilitering Syd"),
    ("writer", "writer", "Rapportskribent", None),
]
CODEBOOK_FILES = ["reaim.yaml", "tki2_fidelity.yaml"]


@dataclass
class DemoResult:
    project_id: int
    created: bool
    passwords: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    vault_passphrase: str | None = None


def demo_paths(root: Path | None = None) -> dict[str, Path]:
    """The demo's input files in ``root`` (default: the data shipped in the package)."""
    root = root or shipped.data_root()
    return {
        "participants": root / "demo" / "participants.csv",
        "events": root / "demo" / "delivery_log.csv",
        "protocol": root / "codebooks" / "protocol_tki2.yaml",
        "codebooks": root / "codebooks",
        "transcripts": root / "transcripts",
    }


def create_demo(db: Database, root: Path | None = None) -> DemoResult:
    with db.session() as s:
        existing = s.scalar(select(Project.id).where(Project.name == DEMO_PROJECT))
    if existing is not None:
        return DemoResult(existing, created=False)
    paths = demo_paths(root)
    project_id = projects.create_project(
        db,
        SYSTEM,
        DEMO_PROJECT,
        "Demonstrationsprojekt: jobkonsulent i rehabiliteringsenheden (TKI2-lignende, fiktive data).",
    )
    ctx = Context(db, SYSTEM, project_id)
    result = DemoResult(project_id, created=True)
    for username, role, display, site in DEMO_USERS:
        password = users.new_password()
        users.create_user(ctx, username, role, password, display_name=display, site=site)
        result.passwords[username] = password
    result.counts["participants"] = participants.import_participants(ctx, paths["participants"])[
        "created"
    ]
    delivery.save_protocol(
        ctx, paths["protocol"].read_text(encoding="utf-8"), str(paths["protocol"])
    )
    result.counts["events"] = delivery.import_events(ctx, paths["events"])
    for name in CODEBOOK_FILES:
        codebooks.import_codebook_file(ctx, paths["codebooks"] / name)
    result.counts["codebooks"] = len(CODEBOOK_FILES)
    result.counts["interviews"] = _import_transcripts(ctx, paths["transcripts"])
    result.vault_passphrase = users.new_password() + users.new_password()
    result.counts["approved"] = deid.deidentify_demo(
        ctx, paths["transcripts"] / "roster.csv", result.vault_passphrase
    )
    result.counts.update(coding_demo.load_demo_codings(ctx, paths["transcripts"]))
    return result


def _import_transcripts(ctx: Context, folder: Path) -> int:
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    entries = manifest if isinstance(manifest, list) else manifest.get("interviews", [])
    for entry in entries:
        interviews.import_text(
            ctx,
            folder / entry["file"],
            title=entry.get("title") or entry["file"],
            citizen_id=entry.get("citizen_id"),
            kind=entry.get("kind", "citizen"),
            staff_role=entry.get("staff_role"),
            wave=entry.get("wave"),
            interview_date=parse_date(str(entry.get("date") or "")),
            interviewer=entry.get("interviewer"),
            speakers=entry.get("speakers") or None,
        )
    return len(entries)
