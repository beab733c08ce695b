"""The demo project's codings: two evaluators' independent codings and a consensus.

Read from transcripts/demo_codings.yaml (segments addressed by transcript file +
0-based turn position, resolved through transcripts/manifest.yaml to the
imported interviews). Segment level only, so later de-identification of the
text does not move anything. Validated in full before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select

from qualkit.errors import InputError
from qualkit.store.models import Coding, Interview, Segment

from . import coding, consensus
from .context import Context

DEMO_FILE = "demo_codings.yaml"


def _interviews_by_file(ctx: Context, folder: Path) -> dict[str, int]:
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    entries = manifest if isinstance(manifest, list) else manifest.get("interviews", [])
    with ctx.db.session() as s:
        by_title = {
            t: i
            for i, t in s.execute(
                select(Interview.id, Interview.title).where(Interview.project_id == ctx.project_id)
            )
        }
    return {
        e["file"]: by_title[e.get("title") or e["file"]]
        for e in entries
        if (e.get("title") or e["file"]) in by_title
    }


def load_demo_codings(ctx: Context, folder: Path) -> dict[str, int]:
    """Load the demo codings once (a project that already has codings is left alone)."""
    ctx.require("coding.write")
    path = folder / DEMO_FILE
    if not path.exists():
        return {"codings": 0, "consensus": 0}
    with ctx.db.session() as s:
        already = s.scalar(
            select(func.count(Coding.id))
            .join(Segment, Coding.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .where(Interview.project_id == ctx.project_id)
        )
    if already:
        return {"codings": 0, "consensus": 0}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    files = _interviews_by_file(ctx, folder)

    def iv(name: str) -> int:
        if name not in files:
            raise InputError(
                f"{path}: transskriptionen '{name}' er ikke i projektet (se manifest.yaml)."
            )
        return files[name]

    rows = [
        {"interview_id": iv(f), "file": f, "position": int(pos), "code": code, "coder": coder}
        for coder, per_file in (data.get("coders") or {}).items()
        for f, per_seg in per_file.items()
        for pos, codes in per_seg.items()
        for code in codes
    ]
    cons = [
        {
            "interview_id": iv(f),
            "position": int(e["segment"]),
            "code": e["code"],
            "memo": e.get("memo", ""),
            "starred": e.get("starred", False),
            "origin": "take_one",
        }
        for f, entries in (data.get("consensus") or {}).items()
        for e in entries
    ]
    n = coding.load_codings(ctx, rows, str(path))
    m = consensus.load_consensus(ctx, cons, str(path))
    return {"codings": n, "consensus": m}
