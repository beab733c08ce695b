"""Delivery logging, imports and tallies through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from qualkit.delivery.frames import read_events_frame, read_participants_frame
from qualkit.delivery.protocol import load_protocol
from qualkit.delivery.tally import tally as tally_files
from qualkit.errors import InputError, NotFound, PermissionDenied
from qualkit.services import audit, delivery, participants, projects
from qualkit.services import tally as tally_service
from qualkit.store.models import (
    Code,
    Codebook,
    Coding,
    ConsensusCoding,
    Interview,
    Participant,
    Segment,
)

from .conftest import ctx_as

REPO = Path(__file__).resolve().parent.parent
YESTERDAY = date.today() - timedelta(days=1)


def test_staff_logs_edits_and_deletes_own_entries_audited(demo):
    db, result = demo
    staff = ctx_as(db, result.project_id, "staff")
    admin = ctx_as(db, result.project_id, "admin")
    before = len(delivery.list_events(staff))
    eid = delivery.log_event(
        staff, "B01", "jk_moede", YESTERDAY, minutes=45, mode="telefon", note="Talte om optrapning"
    )
    mine = delivery.my_events(staff)
    assert mine[0]["id"] == eid and mine[0]["editable"] and mine[0]["citizen_id"] == "B01"
    assert len(delivery.list_events(staff)) == before + 1
    assert delivery.last_entry(staff, "B01")["component"] == "jk_moede"
    delivery.update_event(
        staff,
        eid,
        component="jk_moede",
        when=YESTERDAY,
        minutes=50,
        mode="telefon",
        note="Talte om optrapning",
    )
    assert delivery.my_events(staff)[0]["minutes"] == 50
    delivery.delete_event(staff, eid)
    assert all(e["id"] != eid for e in delivery.list_events(staff))
    rows = audit.list_events(admin, action=None)
    mine_audit = [
        r for r in rows if r["target_type"] == "delivery_event" and r["target_id"] == str(eid)
    ]
    assert [r["action"] for r in mine_audit] == ["delivery.delete", "delivery.edit", "delivery.log"]
    assert mine_audit[1]["details"] == {"fields": ["minutes"]}
    # The note is free text and may identify; it never goes into the audit trail.
    assert all("optrapning" not in str(r["details"]) for r in rows)


def test_staff_site_ownership_and_window_are_enforced(demo):
    db, result = demo
    staff = ctx_as(db, result.project_id, "staff")
    staff2 = ctx_as(db, result.project_id, "staff2")
    with pytest.raises(NotFound, match="B02"):
        delivery.find_citizen(staff, "B02")  # B02 is at Rehabilitering Syd
    with pytest.raises(NotFound):
        delivery.log_event(staff, "B02", "jk_moede", YESTERDAY)
    assert delivery.find_citizen(staff2, "B02")["site"] == "Rehabilitering Syd"
    eid = delivery.log_event(staff, "B03", "jk_moede", YESTERDAY, minutes=30)
    with pytest.raises(PermissionDenied):
        delivery.update_event(staff2, eid, component="jk_moede", when=YESTERDAY)
    with pytest.raises(PermissionDenied):
        delivery.delete_event(staff2, eid)
    projects.update_settings(ctx_as(db, result.project_id, "admin"), staff_edit_window_hours=0)
    assert not delivery.my_events(staff)[0]["editable"]
    with pytest.raises(PermissionDenied, match="0 timer"):
        delivery.delete_event(staff, eid)
    # An evaluator may still correct the log (audited).
    delivery.delete_event(ctx_as(db, result.project_id, "evaluator"), eid)
    with pytest.raises(PermissionDenied):
        delivery.log_event(ctx_as(db, result.project_id, "writer"), "B01", "jk_moede", YESTERDAY)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"component": "yoga"}, "findes ikke i protokollen"),
        ({"minutes": -5}, "negative"),
        ({"when": date.today() + timedelta(days=2)}, "fremtiden"),
        ({"status": "maybe"}, "Status"),
    ],
)
def test_bad_entries_are_refused(sqlite_demo, kwargs, match):
    sqlite_db, result = sqlite_demo  # a copy of the demo template
    staff = ctx_as(sqlite_db, result.project_id, "staff")
    before = len(delivery.list_events(staff))
    args = {"component": "jk_moede", "when": YESTERDAY, **kwargs}
    with pytest.raises(InputError, match=match):
        delivery.log_event(staff, "B01", args.pop("component"), args.pop("when"), **args)
    assert len(delivery.list_events(staff)) == before


def test_reimport_updates_without_duplicates(demo, tmp_path):
    db, result = demo
    ev = ctx_as(db, result.project_id, "evaluator")
    n = len(delivery.list_events(ev))
    log = REPO / "demo" / "delivery_log.csv"
    assert delivery.import_events_report(ev, log) == delivery.ImportCounts(created=0, skipped=n)
    extra = tmp_path / "log.csv"
    extra.write_text(
        log.read_text(encoding="utf-8-sig") + "B01;02-04-2025;jk_moede;jobkonsulent;JK1;45;"
        "telefon;;\n",
        encoding="utf-8",
    )
    counts = delivery.import_events_upload(ev, "log.csv", extra.read_bytes())
    assert (counts.created, counts.skipped) == (1, n)
    assert len(delivery.list_events(ev)) == n + 1
    # Participants: an updated register changes B01's arm, adds one, duplicates none.
    reg = (REPO / "demo" / "participants.csv").read_text(encoding="utf-8-sig")
    reg = (
        reg.replace("B01;indsats;", "B01;kontrol;")
        + "B99;indsats;Rehabilitering Nord;;ja;;;;;;;;;;\n"
    )
    r = participants.import_upload(ev, "register.csv", reg.encode("utf-8"))
    assert (r["created"], r["updated"]) == (1, 1)  # only B01 changed; the rest untouched
    assert r.changed[0].fields == ("arm",) and r.untouched == 29
    people = {p["citizen_id"]: p for p in participants.list_participants(ev)}
    assert len(people) == 31 and people["B01"]["arm"] == "kontrol"
    # A bad upload names the user's file and row, and writes nothing.
    bad = reg.replace(
        "B03;indsats;Rehabilitering Nord;11-11-2024", "B03;indsats;Rehabilitering Nord;31-13-2024"
    )
    with pytest.raises(InputError, match=r"register.csv, række 4, kolonne 'screened_date'"):
        participants.import_upload(ev, "register.csv", bad.encode("utf-8"))
    with pytest.raises(PermissionDenied):
        delivery.import_events_upload(
            ctx_as(db, result.project_id, "staff"), "log.csv", extra.read_bytes()
        )


def test_app_tally_equals_the_command_line(demo):
    db, result = demo
    res = tally_service.compute(ctx_as(db, result.project_id, "writer"))
    reg, attrs = read_participants_frame(REPO / "demo" / "participants.csv")
    files = tally_files(
        reg,
        read_events_frame(REPO / "demo" / "delivery_log.csv"),
        load_protocol(REPO / "codebooks" / "protocol_tki2.yaml"),
        attrs,
    )
    pd.testing.assert_frame_equal(
        res.per_citizen, files.per_citizen, check_dtype=False, check_categorical=False
    )
    pd.testing.assert_frame_equal(res.summary, files.summary)
    pd.testing.assert_frame_equal(res.flow, files.flow)
    assert (
        res.checks[["check", "citizen_id"]].values.tolist()
        == files.checks[["check", "citizen_id"]].values.tolist()
    )
    with pytest.raises(PermissionDenied):
        tally_service.compute(ctx_as(db, result.project_id, "staff"))


def test_joint_display_shows_codes_beside_delivery(demo):
    """Codes reach the joint display through Segment -> Interview -> Participant; the demo may
    already carry codings (issue 7 loads some), so the test adds codes of its own."""
    db, result = demo
    ev = ctx_as(db, result.project_id, "evaluator")
    before = tally_service.joint_display(ev).set_index("citizen_id")
    assert set(before.index) == {"B03", "B07", "B12"}
    with db.session(write=True) as s:
        seg = s.scalars(
            select(Segment)
            .join(Interview)
            .join(Participant)
            .where(Participant.citizen_id == "B03")
            .order_by(Segment.position)
        ).first()
        coder = ev.actor.user_id
        book = Codebook(project_id=result.project_id, name="Testkodebog issue 6")
        s.add(book)
        s.flush()
        code = Code(
            codebook_id=book.id,
            key="t6.konsensus",
            name="Testkode konsensus",
            framework="implementation",
        )
        other = Code(
            codebook_id=book.id, key="t6.koder", name="Testkode koder", framework="mechanism"
        )
        s.add_all([code, other])
        s.flush()
        s.add(Coding(segment_id=seg.id, code_id=other.id, coder_id=coder))
        s.add(ConsensusCoding(segment_id=seg.id, code_id=code.id, decided_by=coder))
    joint = tally_service.joint_display(ev).set_index("citizen_id")

    def codes(frame, cid, col):
        return {c for c in frame.loc[cid, col].split(", ") if c}

    assert codes(joint, "B03", "consensus_codes") == codes(before, "B03", "consensus_codes") | {
        "Testkode konsensus"
    }
    assert "Testkode koder" in codes(joint, "B03", "coder_codes")
    assert "Testkode koder" not in codes(joint, "B03", "consensus_codes")
    assert "Testkode konsensus" not in codes(joint, "B07", "consensus_codes")
    pc = tally_service.compute(ev).per_citizen.set_index("citizen_id")
    assert joint.loc["B03", "fidelity_score"] == pc.loc["B03", "fidelity_score"]
    assert joint.loc["B03", "events_delivered"] == pc.loc["B03", "events_delivered"]
    writer = tally_service.joint_display(ctx_as(db, result.project_id, "writer"))
    assert "coder_codes" not in writer.columns
    data = tally_service.csv_bytes(writer)
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data
