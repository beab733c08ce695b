"""The scan: after the demo's approvals and a full export of every kind, no planted
identifier of the demo (transcripts/identifiers.csv, the roster) appears in any exported file
or anywhere in the database outside the vault's ciphertext (tables vault_*)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from sqlalchemy import MetaData, select

from qualkit.exports import safety
from qualkit.services import deid, exchange, exports, users
from qualkit.services.context import Context
from qualkit.store import Database
from qualkit.store.models import Interview

from .conftest import copy_sqlite_demo

REPO = Path(__file__).resolve().parent.parent
PLANTED = sorted(
    {
        r["text"]
        for r in csv.DictReader(
            (REPO / "transcripts" / "identifiers.csv").open(encoding="utf-8-sig"), delimiter=";"
        )
    }
    | {
        r["name"]
        for r in csv.DictReader((REPO / "transcripts" / "roster.csv").open(encoding="utf-8-sig"))
    }
)


def _found(text: str) -> list[str]:
    return [p for p in PLANTED if re.search(r"(?<!\w)" + re.escape(p) + r"(?!\w)", text)]


def test_no_planted_identifier_leaves_or_stays(tmp_path, sqlite_demo_template):
    result = copy_sqlite_demo(sqlite_demo_template, tmp_path / "data")  # = create_demo
    db = Database.open(tmp_path / "data")
    ev = Context(db, users.actor_for(db, "evaluator"), result.project_id)
    with db.session() as s:
        pending = s.scalars(select(Interview.id).where(Interview.status != "approved")).all()
    for iid in pending:  # the one the demo leaves for review: approve it as well
        deid.propose(ev, iid)
        deid.approve(ev, iid, accept_pending=True)
    out = tmp_path / "out"
    out.mkdir()
    for who in ("writer", "evaluator", "admin"):
        ctx = Context(db, users.actor_for(db, who), result.project_id)
        _, listing = exports.check_quotes(ctx)
        keys = sorted({f["segment_id"] for f in listing})  # the writer's audited overrides
        exports.export_quotes(ctx, out / f"citater_{who}.docx", overrides=keys)
        exports.export_quotes(ctx, out / f"tema_{who}.docx", group_by="framework", overrides=keys)
        exchange.export_qdpx(ctx, out / f"projekt_{who}.qdpx", overrides=keys)
        exports.export_codings(ctx, out / f"kodninger_{who}.xlsx", overrides=keys)
        exports.export_codings(ctx, out / f"kodninger_{who}.csv", overrides=keys)
    files = sorted(out.iterdir())
    assert len([f for f in files if not f.name.startswith(".")]) == 15
    for f in files:
        text = "\n".join(s for _, s in safety.file_strings(f))
        assert not _found(text), (f.name, _found(text))
    meta = MetaData()
    meta.reflect(db.engine)
    leaks = {}
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name.startswith("vault") or table.name == "alembic_version":
                continue
            for row in conn.execute(table.select()):
                blob = json.dumps([str(v) for v in row], ensure_ascii=False)
                hit = _found(blob)
                if hit:
                    leaks.setdefault(table.name, set()).update(hit)
    assert not leaks, leaks
    db.close()
