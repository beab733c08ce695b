"""Report labels (issue 10, item 5): random per project, stable, mapping sealed in the vault."""

from __future__ import annotations

import re

from sqlalchemy import select

from qualkit.services import deid, labels
from qualkit.services.context import SYSTEM
from qualkit.services.projects import create_project
from qualkit.store import Database
from qualkit.store.models import ReportLabel

from .conftest import ctx_as


def test_labels_have_no_relation_to_citizen_ids_and_stay(demo, tmp_path):
    db, result = demo
    pid = result.project_id
    ids = [f"B{n:02d}" for n in range(1, 31)]
    with db.session() as s:
        issued = {cid: labels.report_label(s, db, pid, cid) for cid in ids}
    # "Borger 3" was built from B03's digits: now at most chance agreement (1 in 99 each).
    same = sum(
        int(re.fullmatch(r"Borger (\d+)", lab).group(1)) == int(cid[1:])
        for cid, lab in issued.items()
    )
    assert same < 5, issued
    assert len(set(issued.values())) == len(ids)  # one label per citizen
    # Stable once issued, also from another connection (a second machine).
    other = Database.open(tmp_path / "m2", db.settings.database_url)
    try:
        with other.session() as s:
            assert {c: labels.report_label(s, other, pid, c) for c in ids} == issued
    finally:
        other.close()
    # A second project gets its own labels.
    pid2 = create_project(db, SYSTEM, "Andet projekt")
    with db.session() as s:
        second = {cid: labels.report_label(s, db, pid2, cid) for cid in ids}
    assert second != issued
    # The database holds no citizen ID next to a label; the mapping is in the vault.
    with db.session() as s:
        rows = s.scalars(select(ReportLabel).where(ReportLabel.project_id == pid)).all()
    assert all(r.citizen_hash not in ids and len(r.citizen_hash) == 64 for r in rows)
    admin = ctx_as(db, pid, "admin")
    sealed = {
        e["citizen_id"]: e["label"]
        for e in deid.read_vault(admin, result.vault_passphrase)
        if e["kind"] == "label"
    }
    assert sealed == issued


def test_withdrawal_forgets_the_label(demo):
    db, result = demo
    pid = result.project_id
    with db.session() as s:
        labels.report_label(s, db, pid, "B03")
    deid.withdraw_participant(ctx_as(db, pid, "admin"), "B03")
    h = labels.citizen_hash(db, pid, "B03")
    with db.session() as s:
        assert s.scalar(select(ReportLabel).where(ReportLabel.citizen_hash == h)) is None
