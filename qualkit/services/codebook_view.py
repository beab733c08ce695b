"""Reading a codebook: its codes in tree order with usage counts, its version log, and the
definition or file a download gets. Editing lives in ``codebook_editor`` (which re-exports
these names for its callers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualkit.codebooks import CodebookDef
from qualkit.codebooks.tree import codebook_file, depth_first, to_definition
from qualkit.errors import NotFound
from qualkit.messages import msg as _msg
from qualkit.store.models import Code, Codebook, CodebookVersion, Coding

from ._record import Record
from .context import Context, fetch


def book(s: Session, ctx: Context, codebook_id: int) -> Codebook:
    """The project's codebook, or NotFound (also for another project's)."""
    cb = fetch(s, Codebook, codebook_id)
    if cb is None or cb.project_id != ctx.project_id:
        raise NotFound(_msg("codebook.not_found", id=codebook_id))
    return cb


@dataclass(frozen=True)
class VersionInfo(Record):
    version: int
    action: str
    summary: str
    username: str
    at: datetime
    details: dict[str, Any]


@dataclass(frozen=True)
class CodeRow(Record):
    """One code of a codebook in tree order, with how often it is applied."""

    id: int
    key: str
    name: str
    framework: str | None
    depth: int
    parent_id: int | None
    description: str
    include: str
    exclude: str
    example: str
    guid: str | None
    color: str | None
    retired: bool
    merged_into_id: int | None
    codings: int


@dataclass(frozen=True)
class CodebookTree(Record):
    id: int
    name: str
    version: int
    language: str
    source: str
    codes: tuple[CodeRow, ...]


def list_versions(ctx: Context, codebook_id: int) -> list[VersionInfo]:
    """The version log, newest first: who changed what, when."""
    ctx.require("codebook.read")
    with ctx.db.session() as s:
        book(s, ctx, codebook_id)
        rows = s.scalars(
            select(CodebookVersion)
            .where(CodebookVersion.codebook_id == codebook_id)
            .order_by(CodebookVersion.version.desc())
        ).all()
        return [
            VersionInfo(r.version, r.action, r.summary, r.username, r.at, r.details or {})
            for r in rows
        ]


def codebook_tree(ctx: Context, codebook_id: int) -> CodebookTree:
    """The codebook as rows in tree order (depth-first), with usage counts."""
    ctx.require("codebook.read")
    with ctx.db.session() as s:
        cb = book(s, ctx, codebook_id)
        codes = s.scalars(
            select(Code).where(Code.codebook_id == cb.id).order_by(Code.position)
        ).all()
        counts = (
            dict(
                s.execute(
                    select(Coding.code_id, func.count(Coding.id))
                    .where(Coding.code_id.in_([c.id for c in codes]))
                    .group_by(Coding.code_id)
                ).all()
            )
            if codes
            else {}
        )
        info = (cb.id, cb.name, cb.version, cb.language, cb.source)
    rows = [
        CodeRow(
            c.id,
            c.key,
            c.name,
            c.framework,
            depth,
            c.parent_id,
            c.description,
            c.include,
            c.exclude,
            c.example,
            c.guid,
            c.color,
            c.retired_at is not None,
            c.merged_into_id,
            counts.get(c.id, 0),
        )
        for c, depth in depth_first(codes, lambda c: c.id, lambda c: c.parent_id)
    ]
    return CodebookTree(*info, codes=tuple(rows))


def export_definition(ctx: Context, codebook_id: int, include_retired: bool = False) -> CodebookDef:
    """The codebook as it stands now, for download as YAML or REFI-QDA .qdc."""
    ctx.require("codebook.read")
    tree = codebook_tree(ctx, codebook_id)
    return to_definition(
        tree.name,
        tree.codes,
        language=tree.language,
        version=tree.version,
        source=tree.source,
        include_retired=include_retired,
    )


def export_file(ctx: Context, codebook_id: int, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of the codebook as YAML or REFI-QDA .qdc, for a download button."""
    ctx.require("codebook.read")
    return codebook_file(export_definition(ctx, codebook_id), fmt)
