"""Item 3: `export codings` by role, on every path (service as the page calls it, CLI, file).

Writers export the consensus only; an evaluator exports their own codings, and another
coder's only for an interview after the audited choice to compare; an administrator all.
"""

from __future__ import annotations

import csv

from sqlalchemy import select

from qualkit.cli import main
from qualkit.services import consensus, exports, users
from qualkit.services.context import SYSTEM, Context
from qualkit.store.models import Code, Coding, ConsensusCoding, User

from .export_helpers import CODINGS, build_project, standin_recognisers  # noqa: F401


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _setup(db):
    b = build_project(db)
    users.create_user(Context(db, SYSTEM, b.project_id), "evaluator2", "evaluator", "hemmelig-123")
    with db.session(write=True) as s:
        ids = dict(s.execute(select(User.username, User.id)).all())
        first = s.get(ConsensusCoding, b.consensus[0])
        other = s.scalar(select(Code.id).where(Code.key == "tema.kontekst"))
        for who in ("evaluator", "evaluator2"):
            s.add(Coding(segment_id=first.segment_id, code_id=first.code_id, coder_id=ids[who]))
            s.add(Coding(segment_id=b.segments[("B07", 1)], code_id=other, coder_id=ids[who]))
    return b


def _cli(db, tmp_path, user, name):
    out = tmp_path / name
    rc = main(
        [
            "export",
            "codings",
            "--data",
            str(db.settings.data_dir),
            "--out",
            str(out),
            "--user",
            user,
        ]
    )
    assert rc == 0
    return _rows(out)


def test_codings_export_by_role_on_cli_and_service(sqlite_db, tmp_path, standin_recognisers):  # noqa: F811
    b = _setup(sqlite_db)
    writer = _cli(sqlite_db, tmp_path, "writer", "w.csv")
    assert writer and all(r["konsensus"] == "ja" for r in writer)
    assert len(writer) == len(CODINGS)
    before = _cli(sqlite_db, tmp_path, "evaluator", "e1.csv")
    coders = {r["koder"] for r in before if r["konsensus"] == "nej"}
    assert coders == {"evaluator"}
    # The audited compare on one interview opens the other coder's codings of that one only.
    consensus.open_comparison(b.ctx("evaluator"), b.interviews["B03"])
    after = _cli(sqlite_db, tmp_path, "evaluator", "e2.csv")
    theirs = [r for r in after if r["koder"] == "evaluator2"]
    assert theirs and {r["dokument"] for r in theirs} == {"Borgerinterview B03"}
    admin = _cli(sqlite_db, tmp_path, "admin", "a.csv")
    assert {r["koder"] for r in admin if r["konsensus"] == "nej"} == {"evaluator", "evaluator2"}
    # The page downloads through the same service (no file path): the same rule.
    data = exports.export_codings(b.ctx("writer"), None, kind=".csv").data.decode("utf-8-sig")
    assert "evaluator2" not in data and ";nej;" not in data
