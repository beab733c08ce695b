"""Segments and codes by the numbers and ids people type: ``qualkit ... --segment N --code ID``.

Segment numbers count from 1 in the order ``qualkit interviews show ID`` prints the turns;
the interview itself is looked up through the read policy (services/read_policy.py).
"""

from __future__ import annotations

from sqlalchemy import select

from qualkit.errors import InputError, NotFound
from qualkit.store.models import Code, Codebook

from . import read_policy
from .context import Context


def segment_by_number(ctx: Context, interview_id: int, number: int) -> int:
    """The id of segment ``number`` (1-based) of an interview the user may read."""
    with ctx.db.session() as s:
        iv = read_policy.require_interview(s, ctx, interview_id)
        n = len(iv.segments)
        if not 1 <= number <= n:
            raise InputError(
                f"Interview {interview_id} har {n} segmenter; vælg --segment mellem 1 og {n}."
            )
        return iv.segments[number - 1].id


def code_by_key(ctx: Context, key: str) -> int:
    """A code of this project by its id in the codebook (``impl.trepartssamtale``), or by its
    number in the database."""
    ctx.require("codebook.read")
    key = key.strip()
    with ctx.db.session() as s:
        rows = s.scalars(
            select(Code.id)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(Codebook.project_id == ctx.project_id, Code.key == key)
        ).all()
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            raise InputError(f"Koden '{key}' findes i flere kodebøger; angiv kodens nummer.")
        if key.isdigit():
            found = s.scalar(
                select(Code.id)
                .join(Codebook, Code.codebook_id == Codebook.id)
                .where(Codebook.project_id == ctx.project_id, Code.id == int(key))
            )
            if found is not None:
                return found
    raise NotFound(f"Koden '{key}' findes ikke i projektets kodebøger.")
