"""De-identification services on both backends: demo, review flow, vault, withdrawal."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from qualkit.deid.vault import VaultError
from qualkit.errors import InputError, PermissionDenied
from qualkit.services import deid
from qualkit.services import vault as vault_store
from qualkit.store.models import AuditEvent, EntityDecision, Interview, Segment

from .conftest import ctx_as
from .test_vault import vault_bytes

REPO = Path(__file__).resolve().parent.parent
IDENTIFIERS = list(
    csv.DictReader(
        (REPO / "transcripts" / "identifiers.csv").open(encoding="utf-8-sig"), delimiter=";"
    )
)
ROSTER_NAMES = [
    r["name"]
    for r in csv.DictReader((REPO / "transcripts" / "roster.csv").open(encoding="utf-8-sig"))
]


def _occurs(needle: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text) is not None


def _pending(db):
    with db.session() as s:
        return s.scalar(select(Interview.id).where(Interview.status != "approved"))


def test_demo_leaves_no_planted_identifier_and_no_clear_name(demo):
    db, result = demo
    with db.session() as s:
        ivs = s.scalars(select(Interview)).all()
        approved = [iv for iv in ivs if iv.status == "approved"]
        assert len(approved) == len(ivs) - 1
        for iv in approved:
            text = "\n".join(seg.text for seg in iv.segments)
            assert all(seg.deidentified for seg in iv.segments)
            leaks = [x["text"] for x in IDENTIFIERS if _occurs(x["text"], text)]
            assert not leaks, (iv.title, leaks)
            assert "[Borger" in text or "[Jobkonsulent" in text
        rows = s.scalars(select(EntityDecision)).all()
        assert rows
        dumped = json.dumps(
            [[r.surface_hash, r.entity_hash, r.pseudonym, r.label, r.source] for r in rows],
            ensure_ascii=False,
        )
        audit = json.dumps(
            [e.details for e in s.scalars(select(AuditEvent)).all()], ensure_ascii=False
        )
    for name in ROSTER_NAMES:
        for part in name.split():
            assert part not in dumped and part not in audit
    raw = vault_bytes(db)
    for name in ROSTER_NAMES:
        assert name.split()[0].encode() not in raw
    admin = ctx_as(db, result.project_id, "admin")
    entries = deid.read_vault(admin, result.vault_passphrase)
    transcripts = [e for e in entries if e["kind"] == "transcript"]
    assert len(transcripts) == len(approved)
    assert any("Camilla" in seg["text"] for e in transcripts for seg in e["segments"])
    keys = {(e["name"], e["pseudonym"]) for e in entries if e["kind"] == "pseudonym"}
    assert ("Camilla", "[Borger 3]") in keys
    # The same person has the same pseudonym in every transcript of the project.
    per_name: dict[str, set[str]] = {}
    for e in entries:
        if e["kind"] == "pseudonym" and e["label"] == "PERSON":
            per_name.setdefault(e["name"], set()).add(e["pseudonym"])
    assert all(len(v) == 1 for v in per_name.values()), per_name
    sanne = [e for e in entries if e["kind"] == "pseudonym" and e["name"] == "Sanne"]
    assert len({e["interview_id"] for e in sanne}) >= 3
    assert {e["pseudonym"] for e in sanne} == {"[Jobkonsulent 1]"}


def test_vault_needs_admin_and_the_right_passphrase(demo):
    db, result = demo
    evaluator = ctx_as(db, result.project_id, "evaluator")
    admin = ctx_as(db, result.project_id, "admin")
    with pytest.raises(PermissionDenied):
        deid.read_vault(evaluator, result.vault_passphrase)
    with pytest.raises(VaultError, match="forkert adgangsfrase"):
        deid.read_vault(admin, result.vault_passphrase + "x")
    before = vault_store.count(db)
    deid.add_identity(evaluator, "B03", name="Camilla Vestergaard", cpr="010203-1234")
    assert vault_store.count(db) == before + 1
    assert b"010203-1234" not in vault_bytes(db)
    ids = [e for e in deid.read_vault(admin, result.vault_passphrase) if e["kind"] == "identity"]
    assert ids == [
        {
            "kind": "identity",
            "project_id": result.project_id,
            "citizen_id": "B03",
            "name": "Camilla Vestergaard",
            "cpr": "010203-1234",
        }
    ]
    for who in ("staff", "writer"):
        with pytest.raises(PermissionDenied):
            deid.list_spans(ctx_as(db, result.project_id, who), _pending(db))


def test_review_flow(demo):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "evaluator")
    iid = _pending(db)
    spans = deid.list_spans(ctx, iid)
    assert spans and all(s["decision"] == "proposed" and s["label"] and s["source"] for s in spans)
    assert any(s["source"].startswith("speaker/") and s["text"] == "KB" for s in spans)
    spans = [s for s in spans if s["segment_id"] is not None]
    with pytest.raises(InputError, match="endnu ikke gennemgået"):
        deid.approve(ctx, iid)
    # Apply to every occurrence: the same surface in other segments follows.
    counts: dict[str, list[dict]] = {}
    for s in spans:
        counts.setdefault(s["text"], []).append(s)
    repeated = next(v for v in counts.values() if len(v) > 1)
    assert deid.decide(ctx, repeated[0]["id"], "accept", all_occurrences=True) >= len(repeated)
    # Reject one, relabel another.
    others = [s for s in spans if s["text"] != repeated[0]["text"]]
    rejected, relabelled = others[0], others[1]
    deid.decide(ctx, rejected["id"], "reject")
    deid.decide(ctx, relabelled["id"], "relabel", label="ORGANISATION")
    after = {s["id"]: s for s in deid.list_spans(ctx, iid)}
    assert all(after[s["id"]]["decision"] == "accepted" for s in repeated)
    assert after[rejected["id"]]["decision"] == "rejected"
    assert after[relabelled["id"]]["label"] == "ORGANISATION"
    assert after[relabelled["id"]]["pseudonym"].startswith("[Arbejdsplads")
    # Add a missed span, then edit that segment: the decisions come back.
    segs = deid.segments_for_review(ctx, iid)
    seg = next(g for g in segs if "træning" in g["text"] or len(g["text"]) > 60)
    word = next(w for w in re.findall(r"\b[a-zæøå]{6,}\b", seg["text"]))
    deid.add_span_text(ctx, seg["id"], word, "PLACE")
    deid.edit_segment(ctx, seg["id"], seg["text"] + " Tilføjet.")
    mine = [s for s in deid.list_spans(ctx, iid) if s["segment_id"] == seg["id"]]
    assert any(
        s["text"] == word and s["decision"] == "accepted" and s["source"] == "manual" for s in mine
    )
    deid.accept_pending(ctx, iid)
    res = deid.approve(ctx, iid)
    assert res.replaced > 0
    with db.session() as s:
        iv = s.get(Interview, iid)
        assert iv.status == "approved"
        text = "\n".join(g.text for g in iv.segments)
        edited = s.get(Segment, seg["id"]).text
        speakers = {g.speaker for g in iv.segments} | set(iv.speakers)
    assert "KB" not in speakers and "Sygeplejerske 1" in speakers  # initials of Kirsten Bak
    assert not _occurs(repeated[0]["text"], text)
    assert _occurs(rejected["text"], text)
    # Offsets now point into the de-identified text: rejected spans at their words,
    # accepted ones at their pseudonyms (the export safety check relies on this).
    with db.session() as s:
        for r in s.scalars(
            select(EntityDecision).where(
                EntityDecision.interview_id == iid, EntityDecision.segment_id.is_not(None)
            )
        ):
            seg_text = s.get(Segment, r.segment_id).text
            if r.decision == "rejected":
                assert seg_text[r.start : r.end] == rejected["text"]
            elif r.start is not None:
                assert seg_text[r.start : r.end] == r.pseudonym
    assert word not in edited and edited.endswith("Tilføjet.")
    for x in IDENTIFIERS:
        if x["text"] not in rejected["text"] and rejected["text"] not in x["text"]:
            assert not _occurs(x["text"], text), x["text"]


def test_withdrawal_removes_transcripts_and_vault_entries(demo):
    db, result = demo
    with pytest.raises(PermissionDenied):
        deid.withdraw_participant(ctx_as(db, result.project_id, "evaluator"), "B03")
    admin = ctx_as(db, result.project_id, "admin")
    before = vault_store.count(db)
    res = deid.withdraw_participant(admin, "B03")
    assert res["interviews"] == 1 and res["vault_entries"] >= 2
    assert vault_store.count(db) == before - res["vault_entries"]
    entries = deid.read_vault(admin, result.vault_passphrase)
    assert not any(e.get("citizen_id") == "B03" for e in entries)
    assert not any("Camilla" in json.dumps(e, ensure_ascii=False) for e in entries)
    with db.session() as s:
        assert not any("B03" in iv.title for iv in s.scalars(select(Interview)).all())
        ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "participant.withdraw"))
        assert ev is not None and ev.target_id == "B03"


def test_same_person_same_pseudonym_across_interviews(demo):
    from qualkit.services import interviews
    from qualkit.transcripts.textformat import Turn

    db, result = demo
    ctx = ctx_as(db, result.project_id, "evaluator")
    ids = [
        interviews.create_interview_from_turns(
            ctx, title, [Turn("I", "Hvem hjalp dig?"), Turn("B", text)], kind="group"
        )
        for title, text in [
            (
                "A",
                "Det gjorde Gunvor Thygesen. Gunvor er sød, og Gunvors mand Aksel Munk kører mig.",
            ),
            ("B", "Gunvor ringede. Så kom Aksel med bilen."),
        ]
    ]
    reps = {}
    for iid in ids:
        deid.propose(ctx, iid)
        for sp in deid.list_spans(ctx, iid):
            if sp["segment_id"] is not None:
                reps.setdefault(sp["text"].removesuffix("s"), set()).add(
                    sp["pseudonym"].removesuffix("s")
                )
    assert reps["Gunvor"] == reps["Gunvor Thygesen"] and len(reps["Gunvor"]) == 1
    assert reps["Aksel"] == reps["Aksel Munk"] and reps["Aksel"] != reps["Gunvor"]


def test_writer_sees_only_approved_transcripts(demo):
    from qualkit.services import interviews

    db, result = demo
    writer = ctx_as(db, result.project_id, "writer")
    with db.session() as s:
        approved = s.scalar(select(Interview.id).where(Interview.status == "approved"))
    pending = _pending(db)
    text = " ".join(g["text"] for g in interviews.get_transcript(writer, approved)["segments"])
    assert "[" in text
    with pytest.raises(PermissionDenied, match="endnu ikke pseudonymiseret"):
        interviews.get_transcript(writer, pending)
    listed = {iv["id"] for iv in interviews.list_interviews(writer)}
    assert approved in listed and pending not in listed  # titles of raw interviews stay hidden
    assert interviews.get_transcript(ctx_as(db, result.project_id, "evaluator"), pending)


def test_roster_upload_and_propose_with_it(demo):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "evaluator")
    roster = deid.roster_from_upload(
        ctx, "navn;rolle\nSanne Kjærgaard;jobkonsulent\n".encode("cp1252"), "r.csv"
    )
    assert roster[0].name == "Sanne Kjærgaard" and roster[0].role == "jobkonsulent"
    with pytest.raises(InputError, match="ingen kolonne 'name'"):
        deid.roster_from_upload(ctx, b"who;role\nx;y\n", "r.csv")
    with pytest.raises(PermissionDenied):
        deid.roster_from_upload(ctx_as(db, result.project_id, "writer"), b"name\nA\n", "r.csv")
    iid = _pending(db)
    deid.propose(ctx, iid, roster)
    sanne = [s for s in deid.list_spans(ctx, iid) if s["text"].startswith("Sanne")]
    assert sanne and {s["source"] for s in sanne} == {"roster"}
