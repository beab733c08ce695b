"""De-identification use cases: the vault, identities, withdrawal and the demo.

The review itself is split by use case: proposals (``deid_proposals``), review decisions and
edits (``deid_review``), approval (``deid_approval``); their functions are re-exported here so
callers keep one name, ``services.deid``. The clear names, the name <-> pseudonym key and the
raw text of approved transcripts go into the encrypted vault (qualkit.deid.vault). Once
approved, segments hold the de-identified text and the database holds no real name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.deid.spans import LABELS
from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.store.models import Interview, Participant

from . import audit
from . import vault as vault_store
from ._retry import write
from .context import Context
from .deid_approval import ApprovalResult, approve
from .deid_proposals import (
    Proposal,
    _tag,
    _vault,
    detect_segments,
    numbered,
    propose,
    roster_from_upload,
)
from .deid_review import (
    ACTIONS,
    accept_pending,
    add_span,
    add_span_text,
    decide,
    decide_numbers,
    edit_segment,
    list_spans,
    segments_for_review,
)

__all__ = [
    "ACTIONS",
    "LABELS",
    "ApprovalResult",
    "Proposal",
    "accept_pending",
    "add_identity",
    "add_span",
    "add_span_text",
    "approve",
    "create_vault",
    "decide",
    "decide_numbers",
    "deidentify_demo",
    "detect_segments",
    "edit_segment",
    "list_spans",
    "numbered",
    "propose",
    "read_vault",
    "roster_from_upload",
    "segments_for_review",
    "vault_exists",
    "withdraw_participant",
]


# -- the vault -------------------------------------------------------------------------------
def vault_exists(ctx: Context) -> bool:
    ctx.require("deid.review")
    return vault_store.exists(ctx.db)


def create_vault(ctx: Context, passphrase: str) -> None:
    """Create the project's key vault (admin); the passphrase is needed to read it."""
    ctx.require("vault.read")
    vault_store.create(ctx.db, passphrase)

    def work(s: Session) -> None:
        audit.record(s, ctx.actor, "vault.create", project_id=ctx.project_id)

    write(ctx.db, work)


def read_vault(ctx: Context, passphrase: str) -> list[dict[str, Any]]:
    """Every entry of this project: pseudonym keys, identities and raw transcripts (admin)."""
    ctx.require("vault.read")
    contents = vault_store.read(ctx.db, passphrase, ctx.project_id)

    def work(s: Session) -> None:
        audit.record(
            s,
            ctx.actor,
            "vault.read",
            project_id=ctx.project_id,
            details={"entries": len(contents.entries), "damaged": contents.damaged},
        )

    write(ctx.db, work)
    return contents.entries


def add_identity(
    ctx: Context, citizen_id: str, *, name: str | None = None, cpr: str | None = None
) -> None:
    """Seal project ID <-> name and CPR into the vault (evaluators may add, not read)."""
    ctx.require("deid.review")
    vault = _vault(ctx)

    def work(s) -> None:
        if (
            s.scalar(
                select(Participant.id).where(
                    Participant.project_id == ctx.project_id, Participant.citizen_id == citizen_id
                )
            )
            is None
        ):
            raise InputError(_msg("participant.unknown", id=citizen_id))
        vault.add(
            {
                "kind": "identity",
                "project_id": ctx.project_id,
                "citizen_id": citizen_id,
                "name": name,
                "cpr": cpr,
            },
            _tag(vault, ctx, "participant", citizen_id),
            session=s,
        )
        audit.record(
            s,
            ctx.actor,
            "vault.add",
            project_id=ctx.project_id,
            target_type="participant",
            target_id=citizen_id,
        )

    write(ctx.db, work)  # concurrent writers: re-run on a transient conflict


# -- withdrawal ------------------------------------------------------------------------------


def withdraw_participant(ctx: Context, citizen_id: str) -> dict[str, int]:
    """Withdrawal of consent: see services/withdrawal.py (audio, text, codings, vault, backups)."""
    from .withdrawal import withdraw

    return withdraw(ctx, citizen_id).as_dict()


# -- demo ------------------------------------------------------------------------------------
def deidentify_demo(
    ctx: Context, roster_path, passphrase: str, leave_for_review: str | None = None
) -> int:
    """Demo set-up: create the vault, propose and approve all transcripts but one."""
    from qualkit.deid.roster import read_roster

    create_vault(ctx, passphrase)
    roster = read_roster(roster_path)
    with ctx.db.session() as s:
        ivs = s.execute(
            select(Interview.id, Interview.title)
            .where(Interview.project_id == ctx.project_id)
            .order_by(Interview.id)
        ).all()
    approved = 0
    for k, (iid, _title) in enumerate(ivs):
        propose(ctx, iid, roster)
        last = k == len(ivs) - 1 if leave_for_review is None else _title == leave_for_review
        if not last:
            approve(ctx, iid, accept_pending=True)
            approved += 1
    return approved
