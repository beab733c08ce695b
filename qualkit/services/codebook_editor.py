"""The codebook grows as the team codes: add, rename, move, merge, retire, edit.

Every change bumps ``Codebook.version``, writes a version-log row and an audit
row in the same transaction. Merging moves the codings (and consensus codings)
to the surviving code, so no coder's work is lost; retiring keeps the code and
its codings for the record but stops new use.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qualkit.codebooks import CodebookDef, CodeDef
from qualkit.errors import InputError, NotFound
from qualkit.store.models import (
    FRAMEWORKS,
    Code,
    Codebook,
    CodebookVersion,
    Coding,
    ConsensusCoding,
    utcnow,
)

from . import _retry, audit
from .context import Context

_KEY = re.compile(r"^[A-Za-z0-9_.\-æøåÆØÅ]+$")
CODE_FIELDS = ("name", "framework", "description", "include", "exclude", "example")


def _book(s: Session, ctx: Context, codebook_id: int) -> Codebook:
    cb = s.get(Codebook, codebook_id)
    if cb is None or cb.project_id != ctx.project_id:
        raise NotFound(f"No codebook {codebook_id} in this project.")
    return cb


def _code(s: Session, ctx: Context, code_id: int) -> Code:
    code = s.get(Code, code_id)
    if code is None or _book(s, ctx, code.codebook_id) is None:
        raise NotFound(f"No code {code_id} in this project.")
    return code


def _bump(
    s: Session, ctx: Context, cb: Codebook, action: str, summary: str, details: dict[str, Any]
) -> int:
    """Next version + version-log row + audit row, all in the caller's transaction."""
    latest = (
        s.scalar(
            select(func.max(CodebookVersion.version)).where(CodebookVersion.codebook_id == cb.id)
        )
        or 0
    )
    cb.version = max(cb.version or 1, latest) + 1
    s.add(
        CodebookVersion(
            codebook_id=cb.id,
            version=cb.version,
            action=action,
            summary=summary,
            details=details,
            username=ctx.actor.username,
        )
    )
    audit.record(
        s,
        ctx.actor,
        f"codebook.{action}",
        project_id=ctx.project_id,
        target_type="codebook",
        target_id=cb.id,
        details={"version": cb.version, **details},
    )
    s.flush()
    return cb.version


def log_import(s: Session, ctx: Context, cb: Codebook, codes: int) -> None:
    """Version 1 of an imported codebook (called by services.codebooks.import_codebook)."""
    s.add(
        CodebookVersion(
            codebook_id=cb.id,
            version=cb.version or 1,
            action="import",
            summary=f"Importeret med {codes} koder",
            details={"codes": codes},
            username=ctx.actor.username,
        )
    )


def _ancestors(s: Session, code: Code) -> list[int]:
    out, cur = [], code.parent_id
    while cur is not None and cur not in out:
        out.append(cur)
        cur = s.get(Code, cur).parent_id
    return out


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CODE_FIELDS)
    if unknown:
        raise InputError(f"Unknown code field(s): {', '.join(sorted(unknown))}.")
    if "name" in fields and not str(fields["name"] or "").strip():
        raise InputError("A code needs a name.")
    if "framework" in fields and fields["framework"] not in FRAMEWORKS:
        raise InputError(f"Framework '{fields['framework']}' is not one of {'|'.join(FRAMEWORKS)}.")


def add_code(
    ctx: Context,
    codebook_id: int,
    key: str,
    name: str,
    *,
    parent_id: int | None = None,
    framework: str | None = None,
    description: str = "",
    include: str = "",
    exclude: str = "",
    example: str = "",
) -> int:
    """A new (usually inductive) code; the framework defaults to the parent's."""
    ctx.require("codebook.edit")
    key = key.strip()
    if not key or not _KEY.match(key):
        raise InputError(f"Code id '{key}': use letters, digits, '.', '_' or '-'.")

    def work(s: Session) -> int:
        cb = _book(s, ctx, codebook_id)
        parent = None
        if parent_id is not None:
            parent = _code(s, ctx, parent_id)
            if parent.codebook_id != cb.id:
                raise InputError("The parent code belongs to another codebook.")
        fw = framework or (parent.framework if parent else "theme")
        _check_fields({"name": name, "framework": fw})
        if s.scalar(select(Code.id).where(Code.codebook_id == cb.id, Code.key == key)) is not None:
            raise InputError(f"The codebook already has a code with id '{key}'.")
        pos = (s.scalar(select(func.max(Code.position)).where(Code.codebook_id == cb.id)) or 0) + 1
        code = Code(
            codebook_id=cb.id,
            key=key,
            name=name.strip(),
            framework=fw,
            description=description,
            include=include,
            exclude=exclude,
            example=example,
            parent_id=parent.id if parent else None,
            position=pos,
        )
        s.add(code)
        s.flush()
        _bump(
            s,
            ctx,
            cb,
            "add",
            f"Ny kode '{name.strip()}' ({key})",
            {"code_id": code.id, "key": key, "parent_id": code.parent_id},
        )
        return code.id

    return _retry.write(ctx.db, work)


def edit_code(ctx: Context, code_id: int, **fields: Any) -> None:
    """Change name, framework, description, include, exclude or example."""
    ctx.require("codebook.edit")
    _check_fields(fields)

    def work(s: Session) -> None:
        code = _code(s, ctx, code_id)
        changed = [f for f in CODE_FIELDS if f in fields and getattr(code, f) != fields[f]]
        if not changed:
            return
        old_name = code.name
        for f in changed:
            setattr(code, f, str(fields[f]).strip() if f == "name" else fields[f])
        action = "rename" if changed == ["name"] else "edit"
        summary = (
            f"'{old_name}' omdøbt til '{code.name}'"
            if action == "rename"
            else f"'{code.name}' ændret: {', '.join(changed)}"
        )
        _bump(
            s,
            ctx,
            s.get(Codebook, code.codebook_id),
            action,
            summary,
            {"code_id": code.id, "fields": changed},
        )

    _retry.write(ctx.db, work)


def rename_code(ctx: Context, code_id: int, name: str) -> None:
    ctx.require("codebook.edit")
    edit_code(ctx, code_id, name=name)


def move_code(ctx: Context, code_id: int, new_parent_id: int | None) -> None:
    """Move a code under another parent (None: to the top level); cycles are refused."""
    ctx.require("codebook.edit")

    def work(s: Session) -> None:
        code = _code(s, ctx, code_id)
        if new_parent_id is not None:
            parent = _code(s, ctx, new_parent_id)
            if parent.codebook_id != code.codebook_id:
                raise InputError("A code can only move within its own codebook.")
            if parent.id == code.id or code.id in _ancestors(s, parent):
                raise InputError(f"Moving '{code.name}' under '{parent.name}' would make a cycle.")
        if code.parent_id == new_parent_id:
            return
        old = code.parent_id
        code.parent_id = new_parent_id
        _bump(
            s,
            ctx,
            s.get(Codebook, code.codebook_id),
            "move",
            f"'{code.name}' flyttet",
            {"code_id": code.id, "from_parent": old, "to_parent": new_parent_id},
        )

    _retry.write(ctx.db, work)


def merge_codes(ctx: Context, source_id: int, target_id: int) -> dict[str, int]:
    """Merge source into target: codings and consensus codings move along (no duplicates),
    children move under the target, the source is retired and points at the target."""
    ctx.require("codebook.edit")

    def work(s: Session) -> dict[str, int]:
        src, dst = _code(s, ctx, source_id), _code(s, ctx, target_id)
        if src.id == dst.id:
            raise InputError("A code cannot be merged into itself.")
        if src.codebook_id != dst.codebook_id:
            raise InputError("Codes can only be merged within one codebook.")
        if dst.retired_at is not None:
            raise InputError(f"'{dst.name}' is retired; merge into a code in use.")
        if src.id in _ancestors(s, dst):
            raise InputError(f"'{dst.name}' lies under '{src.name}'; merge the other way round.")
        moved = dup = 0
        have = {
            (c.segment_id, c.coder_id, c.start_char, c.end_char)
            for c in s.scalars(select(Coding).where(Coding.code_id == dst.id))
        }
        for c in s.scalars(select(Coding).where(Coding.code_id == src.id)).all():
            k = (c.segment_id, c.coder_id, c.start_char, c.end_char)
            if k in have:
                s.delete(c)  # the coder already has the target code there
                dup += 1
            else:
                c.code_id = dst.id
                have.add(k)
                moved += 1
        have_c = {
            (c.segment_id, c.start_char, c.end_char)
            for c in s.scalars(select(ConsensusCoding).where(ConsensusCoding.code_id == dst.id))
        }
        cmoved = 0
        for c in s.scalars(select(ConsensusCoding).where(ConsensusCoding.code_id == src.id)).all():
            k = (c.segment_id, c.start_char, c.end_char)
            if k in have_c:
                dst_row = s.scalar(
                    select(ConsensusCoding).where(
                        ConsensusCoding.code_id == dst.id,
                        ConsensusCoding.segment_id == c.segment_id,
                    )
                )
                if dst_row is not None:
                    dst_row.starred = dst_row.starred or c.starred
                    dst_row.revealing = dst_row.revealing or c.revealing
                s.delete(c)
            else:
                c.code_id = dst.id
                have_c.add(k)
                cmoved += 1
        s.execute(update(Code).where(Code.parent_id == src.id).values(parent_id=dst.id))
        src.retired_at = utcnow()
        src.merged_into_id = dst.id
        details = {
            "source": src.id,
            "target": dst.id,
            "codings_moved": moved,
            "duplicates_dropped": dup,
            "consensus_moved": cmoved,
        }
        _bump(
            s,
            ctx,
            s.get(Codebook, src.codebook_id),
            "merge",
            f"'{src.name}' slået sammen med '{dst.name}'",
            details,
        )
        return details

    return _retry.write(ctx.db, work)


def retire_code(ctx: Context, code_id: int) -> None:
    """Stop new use of a code; the code and its codings stay for the record."""
    ctx.require("codebook.edit")

    def work(s: Session) -> None:
        code = _code(s, ctx, code_id)
        if code.retired_at is not None:
            return
        code.retired_at = utcnow()
        n = s.scalar(select(func.count(Coding.id)).where(Coding.code_id == code.id)) or 0
        _bump(
            s,
            ctx,
            s.get(Codebook, code.codebook_id),
            "retire",
            f"'{code.name}' udgået",
            {"code_id": code.id, "codings_kept": n},
        )

    _retry.write(ctx.db, work)


def list_versions(ctx: Context, codebook_id: int) -> list[dict[str, Any]]:
    ctx.require("codebook.read")
    with ctx.db.session() as s:
        _book(s, ctx, codebook_id)
        rows = s.scalars(
            select(CodebookVersion)
            .where(CodebookVersion.codebook_id == codebook_id)
            .order_by(CodebookVersion.version.desc())
        ).all()
        return [
            {
                "version": r.version,
                "action": r.action,
                "summary": r.summary,
                "username": r.username,
                "at": r.at,
                "details": r.details,
            }
            for r in rows
        ]


def codebook_tree(ctx: Context, codebook_id: int) -> dict[str, Any]:
    """The codebook as rows in tree order (depth-first), with usage counts."""
    ctx.require("codebook.read")
    with ctx.db.session() as s:
        cb = _book(s, ctx, codebook_id)
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
        info = {
            "id": cb.id,
            "name": cb.name,
            "version": cb.version,
            "language": cb.language,
            "source": cb.source,
        }
    children: dict[int | None, list[Code]] = {}
    for c in codes:
        children.setdefault(c.parent_id, []).append(c)
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            rows.append(
                {
                    "id": c.id,
                    "key": c.key,
                    "name": c.name,
                    "framework": c.framework,
                    "depth": depth,
                    "parent_id": c.parent_id,
                    "description": c.description,
                    "include": c.include,
                    "exclude": c.exclude,
                    "example": c.example,
                    "guid": c.guid,
                    "color": c.color,
                    "retired": c.retired_at is not None,
                    "merged_into_id": c.merged_into_id,
                    "codings": counts.get(c.id, 0),
                }
            )
            walk(c.id, depth + 1)

    walk(None, 0)
    return {**info, "codes": rows}


def export_definition(ctx: Context, codebook_id: int, include_retired: bool = False) -> CodebookDef:
    """The codebook as it stands now, for download as YAML or REFI-QDA .qdc."""
    ctx.require("codebook.read")
    tree = codebook_tree(ctx, codebook_id)
    defs: dict[int, CodeDef] = {}
    roots: list[CodeDef] = []
    for r in tree["codes"]:
        if r["retired"] and not include_retired:
            continue
        d = CodeDef(
            id=r["key"],
            name=r["name"],
            framework=r["framework"],
            description=r["description"],
            include=r["include"],
            exclude=r["exclude"],
            example=r["example"],
            color=r.get("color"),
            guid=r.get("guid"),
        )
        defs[r["id"]] = d
        parent = defs.get(r["parent_id"]) if r["parent_id"] is not None else None
        (parent.children if parent else roots).append(d)
    return CodebookDef(
        name=tree["name"],
        codes=roots,
        language=tree["language"],
        version=str(tree["version"]),
        source=tree["source"],
    )


def export_file(ctx: Context, codebook_id: int, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of the codebook as YAML or REFI-QDA .qdc, for a download button."""
    ctx.require("codebook.read")
    from qualkit.codebooks.qdc import to_qdc

    book = export_definition(ctx, codebook_id)
    stem = re.sub(r"[^A-Za-z0-9æøåÆØÅ_-]+", "_", book.name).strip("_") or "kodebog"
    if fmt == "yaml":
        return f"{stem}.yaml", book.to_yaml().encode("utf-8")
    if fmt == "qdc":
        return f"{stem}.qdc", to_qdc(book).encode("utf-8")
    raise InputError(f"Unknown codebook format '{fmt}'; use yaml or qdc.")
