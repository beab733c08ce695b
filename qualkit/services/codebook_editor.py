"""The codebook grows as the team codes: add, rename, move, merge, retire, edit.

Every change bumps ``Codebook.version``, writes a version-log row and an audit
row in the same transaction. Merging moves the codings (and consensus codings)
to the surviving code, so no coder's work is lost; retiring keeps the code and
its codings for the record but stops new use. Every change is one ``_retry.write``
transaction. Reading the tree, the version log and the downloads: ``codebook_view``
(re-exported here); a code's rules and tree order: ``codebooks/tree.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qualkit.codebooks.tree import CODE_FIELDS, check_fields, check_key
from qualkit.errors import InputError, NotFound
from qualkit.messages import msg as _msg
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
from ._record import Record
from .codebook_view import (  # re-exported: the app and tests read through this module
    CodebookTree,
    CodeRow,
    VersionInfo,
    codebook_tree,
    export_definition,
    export_file,
    list_versions,
)
from .codebook_view import book as _book
from .context import Context, fetch

__all__ = [
    "CODE_FIELDS",
    "FRAMEWORKS",
    "CodeRow",
    "CodebookTree",
    "MergeResult",
    "VersionInfo",
    "add_code",
    "codebook_tree",
    "edit_code",
    "export_definition",
    "export_file",
    "list_versions",
    "log_import",
    "merge_codes",
    "move_code",
    "rename_code",
    "retire_code",
]


def _code(s: Session, ctx: Context, code_id: int) -> Code:
    code = s.get(Code, code_id)
    if code is None or _book(s, ctx, code.codebook_id) is None:
        raise NotFound(_msg("code.not_found", id=code_id))
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
        cur = fetch(s, Code, cur).parent_id
    return out


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
    key = check_key(key)

    def work(s: Session) -> int:
        cb = _book(s, ctx, codebook_id)
        parent = None
        if parent_id is not None:
            parent = _code(s, ctx, parent_id)
            if parent.codebook_id != cb.id:
                raise InputError("Overkoden hører til en anden kodebog.")
        fw = framework or (parent.framework if parent else "theme")
        check_fields({"name": name, "framework": fw})
        if s.scalar(select(Code.id).where(Code.codebook_id == cb.id, Code.key == key)) is not None:
            raise InputError(f"Kodebogen har allerede en kode med id '{key}'.")
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
    check_fields(fields)

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
            fetch(s, Codebook, code.codebook_id),
            action,
            summary,
            {"code_id": code.id, "fields": changed},
        )

    _retry.write(ctx.db, work)


def rename_code(ctx: Context, code_id: int, name: str) -> None:
    """A new name for a code (logged as a rename)."""
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
                raise InputError("En kode kan kun flyttes inden for sin egen kodebog.")
            if parent.id == code.id or code.id in _ancestors(s, parent):
                raise InputError(
                    f"'{code.name}' kan ikke flyttes ind under '{parent.name}': "
                    "det giver en cyklus."
                )
        if code.parent_id == new_parent_id:
            return
        old = code.parent_id
        code.parent_id = new_parent_id
        _bump(
            s,
            ctx,
            fetch(s, Codebook, code.codebook_id),
            "move",
            f"'{code.name}' flyttet",
            {"code_id": code.id, "from_parent": old, "to_parent": new_parent_id},
        )

    _retry.write(ctx.db, work)


def merge_codes(ctx: Context, source_id: int, target_id: int) -> MergeResult:
    """Merge source into target: codings and consensus codings move along (no duplicates),
    children move under the target, the source is retired and points at the target."""
    ctx.require("codebook.edit")

    def work(s: Session) -> MergeResult:
        src, dst = _code(s, ctx, source_id), _code(s, ctx, target_id)
        if src.id == dst.id:
            raise InputError("En kode kan ikke slås sammen med sig selv.")
        if src.codebook_id != dst.codebook_id:
            raise InputError("Koder kan kun slås sammen inden for én kodebog.")
        if dst.retired_at is not None:
            raise InputError(f"'{dst.name}' er udgået; slå sammen med en kode i brug.")
        if src.id in _ancestors(s, dst):
            raise InputError(
                f"'{dst.name}' ligger under '{src.name}'; slå dem sammen den anden vej."
            )
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
        for cc in s.scalars(select(ConsensusCoding).where(ConsensusCoding.code_id == src.id)).all():
            ck = (cc.segment_id, cc.start_char, cc.end_char)
            if ck in have_c:
                dst_row = s.scalar(
                    select(ConsensusCoding).where(
                        ConsensusCoding.code_id == dst.id,
                        ConsensusCoding.segment_id == cc.segment_id,
                    )
                )
                if dst_row is not None:
                    dst_row.starred = dst_row.starred or cc.starred
                    dst_row.revealing = dst_row.revealing or cc.revealing
                s.delete(cc)
            else:
                cc.code_id = dst.id
                have_c.add(ck)
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
            fetch(s, Codebook, src.codebook_id),
            "merge",
            f"'{src.name}' slået sammen med '{dst.name}'",
            details,
        )
        return MergeResult(**details)

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
            fetch(s, Codebook, code.codebook_id),
            "retire",
            f"'{code.name}' udgået",
            {"code_id": code.id, "codings_kept": n},
        )

    _retry.write(ctx.db, work)


@dataclass(frozen=True)
class MergeResult(Record):
    source: int
    target: int
    codings_moved: int
    duplicates_dropped: int
    consensus_moved: int
