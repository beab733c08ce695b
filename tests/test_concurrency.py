"""Concurrent writers (issue 11.3): processes coding, reconciling, logging deliveries and importing
at once, on SQLite and PostgreSQL. No write is lost, none is doubled, nobody sees a raw error."""

from __future__ import annotations

import multiprocessing as mp
import random
import traceback
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from qualkit.services import delivery
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database
from qualkit.store.models import Code, Codebook, Coding, ConsensusCoding, DeliveryEvent

from .export_helpers import CODINGS, build_project

REPO = Path(__file__).resolve().parent.parent
TKI2 = REPO / "codebooks" / "protocol_tki2.yaml"
CONSENSUS_WRITERS = 3
CODERS = 2
LOGGED = 25
IMPORTERS = 2
IMPORTED = 300


def _worker(kind: str, seed: int, where: tuple, pid: int, job: list, go, errors) -> None:
    db = Database.open(*where)
    try:
        from qualkit.services import coding, consensus, users

        def ctx(name: str) -> Context:
            return Context(db, users.actor_for(db, name), pid)

        rnd = random.Random(seed)
        job = list(job)
        rnd.shuffle(job)
        go.wait(30)
        if kind == "consensus":
            c = ctx("evaluator")
            for seg, code in job:
                consensus.reconcile(c, "new", segment_id=seg, code_id=code)
        elif kind == "coding":
            c = ctx("evaluator")
            for seg, code in job:
                coding.apply_code(c, [seg], code)
        elif kind == "log":
            c = ctx("staff")
            for n in job:
                delivery.log_event(
                    c, "B03", "jk_moede", date.today() - timedelta(days=n), minutes=30
                )
        elif kind == "import":
            delivery.import_events(Context(db, SYSTEM, pid), job[0])
    except BaseException as exc:  # reported to the parent, which fails the test
        errors.put(f"{kind}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    finally:
        db.close()


def test_concurrent_writers_lose_nothing_and_double_nothing(db, tmp_path, monkeypatch):
    built = build_project(db, "Samtidighed")
    pid = built.project_id
    delivery.save_protocol(Context(db, SYSTEM, pid), TKI2.read_text(encoding="utf-8"), str(TKI2))
    with db.session() as s:
        codes = list(s.scalars(select(Code.id).join(Codebook).where(Codebook.project_id == pid)))
        before_consensus = s.scalar(select(func.count()).select_from(ConsensusCoding))
    taken = {(built.segments[(c, p)]) for c, p, _, _ in CODINGS}
    pairs = [(seg, code) for seg in built.segments.values() for code in codes]
    new_pairs = [(seg, code) for seg, code in pairs if seg not in taken]
    log = tmp_path / "log.csv"
    start = date.today() - timedelta(days=400)
    rows = [
        f"{cid};{(start + timedelta(days=i)).strftime('%d-%m-%Y')};jk_moede;45"
        for i, cid in ((i, ("B03", "B07", "B12")[i % 3]) for i in range(IMPORTED))
    ]
    log.write_text("citizen_id;date;component;minutes\n" + "\n".join(rows) + "\n", "utf-8")
    monkeypatch.setattr("qualkit.services.delivery_import.IMPORT_BATCH", 40)  # batches interleave

    url = db.engine.url.render_as_string(hide_password=False)
    where = (
        (str(db.settings.data_dir),) if db.settings.is_sqlite else (str(db.settings.data_dir), url)
    )
    ctxm = mp.get_context("fork")
    go, errors = ctxm.Event(), ctxm.Queue()
    jobs = (
        [("consensus", new_pairs)] * CONSENSUS_WRITERS
        + [("coding", pairs)] * CODERS
        + [("log", list(range(LOGGED)))]
        + [("import", [str(log)])] * IMPORTERS
    )
    procs = [
        ctxm.Process(target=_worker, args=(kind, i, where, pid, job, go, errors))
        for i, (kind, job) in enumerate(jobs)
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(240)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert not failures, "\n".join(failures)
    assert all(p.exitcode == 0 for p in procs)

    with db.session() as s:
        n_consensus = s.scalar(select(func.count()).select_from(ConsensusCoding))
        dup_consensus = s.execute(
            text(
                "SELECT count(*) FROM (SELECT segment_id, code_id FROM consensus_coding "
                "GROUP BY segment_id, code_id, coalesce(start_char, -1), coalesce(end_char, -1) "
                "HAVING count(*) > 1) d"
            )
        ).scalar()
        n_codings = s.scalar(select(func.count()).select_from(Coding))
        imported = s.scalar(
            select(func.count())
            .select_from(DeliveryEvent)
            .where(DeliveryEvent.import_key.is_not(None))
        )
        logged = s.scalar(
            select(func.count())
            .select_from(DeliveryEvent)
            .where(DeliveryEvent.import_key.is_(None))
        )
    assert dup_consensus == 0
    assert n_consensus == before_consensus + len(new_pairs)  # every pair once, none lost
    assert n_codings == len(pairs)  # each (segment, code) once for the one coder
    assert imported == IMPORTED  # two imports of one file at once: each event once
    assert logged == LOGGED  # every staff entry kept during the imports


def test_a_locked_database_is_retried_then_one_danish_line(tmp_path, monkeypatch):
    """SQLite's "database is locked" never reaches a user raw: it is retried (the write lands
    once the lock is gone), and after the last attempt it is one Danish QualkitError."""
    import sqlite3
    import threading

    from sqlalchemy import event

    from qualkit.errors import DatabaseConflict, QualkitError
    from qualkit.services import _retry, participants, projects
    from qualkit.store.db import make_engine

    base = Database.open(tmp_path)
    pid = projects.create_project(base, SYSTEM, "Låst", "")
    reg = tmp_path / "r.csv"
    reg.write_text("citizen_id;site\nB01;Nord\n", encoding="utf-8")
    engine = make_engine(base.settings)
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=0"))
    db = Database(base.settings, engine)
    ctx = Context(db, SYSTEM, pid)
    holder = sqlite3.connect(
        tmp_path / "qualkit.sqlite3", isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")  # a long import holding the write lock
    monkeypatch.setattr(_retry, "ATTEMPTS", 3)
    try:
        participants.import_participants(ctx, reg)
        raise AssertionError("the write should have been refused while locked")
    except DatabaseConflict as exc:
        assert isinstance(exc, QualkitError) and exc.transient
        assert "optaget" in str(exc) and "OperationalError" not in str(exc)
    monkeypatch.setattr(_retry, "ATTEMPTS", 10)
    threading.Timer(0.3, lambda: holder.execute("COMMIT")).start()
    r = participants.import_participants(ctx, reg)  # retried until the lock is released
    assert r.added == ("B01",)
    holder.close()
    db.close()
    base.close()


REGISTER_ROWS = 1500
MEMOS = 15
REVIEW_LOGGED = 20


def _worker2(kind: str, seed: int, where: tuple, pid: int, job: list, go, errors, out) -> None:
    """One process of the second mix: register imports, staff logging, memos, de-identification
    decisions. Results go to ``out``; any exception (a raw database error above all) to
    ``errors``."""
    import time

    db = Database.open(*where)
    try:
        from qualkit.services import deid, memos, participants, users

        def ctx(name: str) -> Context:
            return Context(db, users.actor_for(db, name), pid)

        rnd = random.Random(seed)
        job = list(job)
        rnd.shuffle(job)
        go.wait(30)
        if kind == "register":
            r = participants.import_participants(Context(db, SYSTEM, pid), job[0])
            out.put(("register", len(r.added)))
        elif kind == "log":
            c = ctx("staff")
            slowest = 0.0
            for n in job:
                t0 = time.monotonic()
                delivery.log_event(c, "B03", "jk_moede", date(2025, 1, 1) + timedelta(days=n))
                slowest = max(slowest, time.monotonic() - t0)
            out.put(("log_slowest_s", slowest))
        elif kind == "memo":
            c = ctx("evaluator")
            for n in job:
                memos.create_memo(c, "project", f"notat {seed}-{n}", "tekst")
        elif kind == "decide":
            c = ctx("evaluator" if seed % 2 else "evaluator2")
            for decision_id in job:
                deid.decide(c, decision_id, "accept" if seed % 2 else "reject")
    except BaseException as exc:  # reported to the parent, which fails the test
        errors.put(f"{kind}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    finally:
        db.close()


def test_register_import_memos_and_review_decisions_at_once(db, demo, tmp_path):
    """Two imports of a 1,500-citizen register, staff logging, two memo writers and two
    reviewers deciding the same proposals, all at once: each citizen once, every staff entry
    and every memo kept once, every decision audited once, no proposal left undecided."""
    from qualkit.services import deid
    from qualkit.store.models import AuditEvent, EntityDecision, Interview, Memo, Participant

    _db, result = demo
    pid = result.project_id
    admin = Context(db, SYSTEM, pid)
    with db.session() as s:
        pending = s.scalar(select(Interview.id).where(Interview.status != "approved"))
    assert pending is not None
    deid.propose(admin, pending)
    with db.session() as s:
        proposals = list(
            s.scalars(
                select(EntityDecision.id).where(
                    EntityDecision.interview_id == pending, EntityDecision.decision == "proposed"
                )
            )
        )
        n_decisions = s.scalar(select(func.count()).select_from(EntityDecision))
        before_people = s.scalar(select(func.count()).select_from(Participant))
        before_logged = s.scalar(
            select(func.count())
            .select_from(DeliveryEvent)
            .where(DeliveryEvent.import_key.is_(None))
        )
        before_memos = s.scalar(select(func.count()).select_from(Memo))
    assert len(proposals) >= 5
    reg = tmp_path / "register.csv"
    reg.write_text(
        "citizen_id;site;arm\n"
        + "".join(f"R{i:05d};Rehabilitering Nord;indsats\n" for i in range(REGISTER_ROWS)),
        encoding="utf-8",
    )

    url = db.engine.url.render_as_string(hide_password=False)
    where = (
        (str(db.settings.data_dir),) if db.settings.is_sqlite else (str(db.settings.data_dir), url)
    )
    ctxm = mp.get_context("fork")
    go, errors, out = ctxm.Event(), ctxm.Queue(), ctxm.Queue()
    jobs = (
        [("register", [str(reg)])] * 2
        + [("log", list(range(REVIEW_LOGGED)))]
        + [("memo", list(range(MEMOS)))] * 2
        + [("decide", proposals)] * 2
    )
    procs = [
        ctxm.Process(target=_worker2, args=(kind, i, where, pid, job, go, errors, out))
        for i, (kind, job) in enumerate(jobs)
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(240)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert not failures, "\n".join(failures)
    assert all(p.exitcode == 0 for p in procs)
    results: dict[str, list] = {}
    while not out.empty():
        k, v = out.get()
        results.setdefault(k, []).append(v)

    with db.session() as s:
        people = s.scalar(select(func.count()).select_from(Participant))
        logged = s.scalar(
            select(func.count())
            .select_from(DeliveryEvent)
            .where(DeliveryEvent.import_key.is_(None))
        )
        titles = list(s.scalars(select(Memo.title).where(Memo.title.like("notat %"))))
        n_memos = s.scalar(select(func.count()).select_from(Memo))
        decided = dict(
            s.execute(
                select(EntityDecision.id, EntityDecision.decision).where(
                    EntityDecision.id.in_(proposals)
                )
            ).all()
        )
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(("deid.accept", "deid.reject")))
            .where(AuditEvent.target_id.in_([str(i) for i in proposals]))
        )
        after_decisions = s.scalar(select(func.count()).select_from(EntityDecision))
    assert people == before_people + REGISTER_ROWS  # each new citizen once
    assert sorted(results["register"]) == [0, REGISTER_ROWS]  # the second import found them
    assert logged == before_logged + REVIEW_LOGGED  # every staff entry kept during the imports
    assert n_memos == before_memos + 2 * MEMOS and len(set(titles)) == len(titles) == 2 * MEMOS
    assert set(decided.values()) <= {"accepted", "rejected"} and len(decided) == len(proposals)
    assert audited == 2 * len(proposals)  # every decision audited once: none lost, none doubled
    assert after_decisions == n_decisions  # deciding adds no rows
    assert results["log_slowest_s"][0] < 60
