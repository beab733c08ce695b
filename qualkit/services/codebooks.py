"""Codebooks in the project: import from YAML or REFI-QDA .qdc, list codes.

Editing (add, rename, move, merge, retire) lives in services.codebook_editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.codebooks import CodebookDef
from qualkit.codebooks.model import load_codebook_text
from qualkit.codebooks.qdc import from_qdc_bytes, load_any
from qualkit.errors import InputError
from qualkit.store.models import Code, Codebook

from . import _retry, audit
from ._record import Record
from .context import Context


def import_codebook(ctx: Context, book: CodebookDef) -> int:
    ctx.require("codebook.edit")

    def work(s: Session) -> int:
        if (
            s.scalar(
                select(Codebook).where(
                    Codebook.project_id == ctx.project_id, Codebook.name == book.name
                )
            )
            is not None
        ):
            raise InputError(f"Projektet har allerede en kodebog ved navn '{book.name}'.")
        cb = Codebook(
            project_id=ctx.project_id, name=book.name, language=book.language, source=book.source
        )
        s.add(cb)
        s.flush()
        rows: dict[str, Code] = {}
        for pos, (code, parent) in enumerate(book.walk()):
            row = Code(
                codebook_id=cb.id,
                key=code.id,
                name=code.name,
                framework=code.framework,
                description=code.description,
                include=code.include,
                exclude=code.exclude,
                example=code.example,
                color=code.color,
                **({"guid": code.guid} if code.guid else {}),
                position=pos,
                parent_id=rows[parent.id].id if parent else None,
            )
            s.add(row)
            s.flush()
            rows[code.id] = row
        from .codebook_editor import log_import

        log_import(s, ctx, cb, len(rows))
        audit.record(
            s,
            ctx.actor,
            "codebook.import",
            project_id=ctx.project_id,
            target_type="codebook",
            target_id=cb.id,
            details={"name": book.name, "codes": len(rows)},
        )
        return cb.id

    return _retry.write(ctx.db, work)


def import_codebook_file(ctx: Context, path: str | Path) -> int:
    ctx.require("codebook.edit")
    return import_codebook(ctx, load_any(path))


def import_codebook_upload(ctx: Context, filename: str, data: bytes) -> int:
    """An uploaded codebook (.yaml/.yml or .qdc), validated in full before anything is written."""
    ctx.require("codebook.edit")
    suffix = Path(filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{filename}: ikke UTF-8-tekst.") from None
        book = load_codebook_text(text, filename)
    elif suffix in (".qdc", ".qde", ".xml"):
        book = from_qdc_bytes(data, filename)
    else:
        raise InputError(f"{filename}: ukendt kodebogsformat '{suffix}'; brug .yaml eller .qdc.")
    return import_codebook(ctx, book)


@dataclass(frozen=True)
class CodeInfo(Record):
    id: int
    key: str
    name: str
    framework: str | None
    parent_id: int | None
    retired: bool


@dataclass(frozen=True)
class CodebookInfo(Record):
    id: int
    name: str
    version: int
    codes: tuple[CodeInfo, ...]


def list_codebooks(ctx: Context) -> list[CodebookInfo]:
    ctx.require("codebook.read")
    with ctx.db.session() as s:
        out = []
        for cb in s.scalars(
            select(Codebook).where(Codebook.project_id == ctx.project_id).order_by(Codebook.id)
        ):
            codes = s.scalars(
                select(Code).where(Code.codebook_id == cb.id).order_by(Code.position)
            ).all()
            out.append(
                CodebookInfo(
                    cb.id,
                    cb.name,
                    cb.version,
                    tuple(
                        CodeInfo(
                            c.id, c.key, c.name, c.framework, c.parent_id, c.retired_at is not None
                        )
                        for c in codes
                    ),
                )
            )
        return out
