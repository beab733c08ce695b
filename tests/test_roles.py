"""Permission checks live in the services: Python and the CLI refuse alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualkit.cli import main as cli_main
from qualkit.errors import PermissionDenied
from qualkit.services import audit, delivery, interviews, participants, users
from qualkit.services.permissions import CAPABILITIES, allowed
from qualkit.store.models import AuditEvent

from .conftest import ctx_as


def test_staff_cannot_read_transcripts_from_python(demo):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "staff")
    with pytest.raises(PermissionDenied, match="staff"):
        interviews.list_interviews(ctx)
    any_id = interviews.list_interviews(ctx_as(db, result.project_id, "evaluator"))[0]["id"]
    with pytest.raises(PermissionDenied):
        interviews.get_transcript(ctx, any_id)


def test_staff_sees_only_their_site(demo):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "staff")
    sites = {p["site"] for p in participants.list_participants(ctx)}
    assert sites == {ctx.actor.site}
    ev_sites = {e["site"] for e in delivery.list_events(ctx)}
    assert ev_sites == {ctx.actor.site}
    everyone = participants.list_participants(ctx_as(db, result.project_id, "evaluator"))
    assert len({p["site"] for p in everyone}) == 2


def test_writer_cannot_edit_or_manage(demo):
    db, result = demo
    ctx = ctx_as(db, result.project_id, "writer")
    with pytest.raises(PermissionDenied):
        users.create_user(ctx, "x", "admin", "longpassword")
    with pytest.raises(PermissionDenied):
        interviews.create_interview_from_turns(ctx, "t", [])
    assert interviews.list_interviews(ctx)  # but may read


def test_only_admin_reads_the_audit_trail(demo):
    db, result = demo
    with pytest.raises(PermissionDenied):
        audit.list_events(ctx_as(db, result.project_id, "evaluator"))
    events = audit.list_events(ctx_as(db, result.project_id, "admin"))
    assert {
        "project.create",
        "user.create",
        "participants.import",
        "delivery.import",
        "interview.import",
    } <= {e["action"] for e in events}


def test_login(demo):
    db, result = demo
    assert users.authenticate(db, "writer", result.passwords["writer"]).role == "writer"
    assert users.authenticate(db, "writer", "wrong-password") is None
    assert users.authenticate(db, "nobody", "whatever1") is None


def test_passwords_are_hashed_with_argon2(demo):
    db, result = demo
    from qualkit.store.models import User

    with db.session() as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(p in h for h in hashes for p in result.passwords.values())


@pytest.mark.real_kdf
def test_production_password_hashing_parameters(sqlite_db):
    """The product hashes with Argon2id at 64 MiB, 3 passes, 4 lanes (the other tests hash
    with the cheapest parameters, tests/kdf.py)."""
    from argon2 import extract_parameters

    from qualkit.services.context import SYSTEM, Context
    from qualkit.store.models import User

    h = users._hasher
    assert (h.time_cost, h.memory_cost, h.parallelism) == (3, 65536, 4)
    users.create_user(Context(sqlite_db, SYSTEM, None), "kdf.admin", "admin", "langt-kodeord-1")
    with sqlite_db.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "kdf.admin"))
    params = extract_parameters(stored)
    assert (params.type.name, params.time_cost, params.memory_cost, params.parallelism) == (
        "ID",
        3,
        65536,
        4,
    )


@pytest.mark.real_kdf
def test_login_rehashes_a_hash_of_weaker_parameters(demo):
    """The demo template's users were hashed cheaply: the first log-in re-hashes at today's cost."""
    from argon2 import extract_parameters

    from qualkit.store.models import User

    db, result = demo

    def stored() -> str:
        with db.session() as s:
            return s.scalar(select(User.password_hash).where(User.username == "writer"))

    assert extract_parameters(stored()).memory_cost < 65536
    assert users.authenticate(db, "writer", result.passwords["writer"]).role == "writer"
    assert extract_parameters(stored()).memory_cost == 65536
    assert users.authenticate(db, "writer", result.passwords["writer"]).role == "writer"


def test_user_creation_is_audited(demo):
    db, result = demo
    admin = ctx_as(db, result.project_id, "admin")
    users.create_user(admin, "jk3", "staff", "longpassword", site="Rehabilitering Nord")
    with db.session() as s:
        ev = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "user.create")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert ev.username == "admin" and ev.details["username"] == "jk3"


def test_every_capability_has_known_roles():
    for cap, roles in CAPABILITIES.items():
        assert roles <= {"admin", "evaluator", "staff", "writer"}, cap
    assert not allowed("staff", "transcript.read")
    assert not allowed("staff", "coding.write")
    assert allowed("admin", "vault.read") and not allowed("evaluator", "vault.read")


def test_cli_refuses_staff_a_transcript(demo_folder, capsys):
    folder, _ = demo_folder
    code = cli_main(["interviews", "show", "1", "--data", str(folder), "--user", "staff"])
    err = capsys.readouterr().err
    assert code == PermissionDenied.exit_code
    assert err.startswith("qualkit: Adgang nægtet") and "staff" in err
    assert "Traceback" not in err


def test_cli_lets_evaluator_read_a_transcript(demo_folder, capsys):
    folder, _ = demo_folder
    code = cli_main(["interviews", "show", "1", "--data", str(folder), "--user", "evaluator"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count(":") > 20 and out.startswith("[")
