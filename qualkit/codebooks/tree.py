"""A stored codebook as a tree of codes: the editor's rules for a code, tree order, and the
definition and file a download gets. Plain Python (no store): the services hand in rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from qualkit.enums import FRAMEWORKS
from qualkit.errors import InputError

from .model import CodebookDef, CodeDef

KEY_RE = re.compile(r"^[A-Za-z0-9_.\-æøåÆØÅ]+$")
CODE_FIELDS = ("name", "framework", "description", "include", "exclude", "example")
FORMATS = ("yaml", "qdc")
T = TypeVar("T")


def check_key(key: str) -> str:
    """A new code's id, stripped; ids end up in files and URLs, so a safe alphabet only."""
    key = key.strip()
    if not key or not KEY_RE.match(key):
        raise InputError(f"Kode-id '{key}': brug bogstaver, tal, '.', '_' eller '-'.")
    return key


def check_fields(fields: Mapping[str, Any]) -> None:
    """The fields an edit may change, with a name and a known framework."""
    unknown = set(fields) - set(CODE_FIELDS)
    if unknown:
        raise InputError(f"Ukendt(e) kodefelt(er): {', '.join(sorted(unknown))}.")
    if "name" in fields and not str(fields["name"] or "").strip():
        raise InputError("En kode skal have et navn.")
    if "framework" in fields and fields["framework"] not in FRAMEWORKS:
        raise InputError(
            f"Dimensionen '{fields['framework']}' er ikke en af {'|'.join(FRAMEWORKS)}."
        )


def depth_first(
    items: Iterable[T],
    id_of: Callable[[T], Hashable],
    parent_of: Callable[[T], Hashable | None],
) -> list[tuple[T, int]]:
    """Items in tree order (each parent before its children, siblings in the given order),
    each with its depth. Only what hangs from the top level is reached, each item once."""
    children: dict[Hashable | None, list[T]] = {}
    for item in items:
        children.setdefault(parent_of(item), []).append(item)
    out: list[tuple[T, int]] = []
    seen: set[Hashable] = set()

    def walk(parent: Hashable | None, depth: int) -> None:
        for item in children.get(parent, []):
            key = id_of(item)
            if key in seen:
                continue
            seen.add(key)
            out.append((item, depth))
            walk(key, depth + 1)

    walk(None, 0)
    return out


class CodeRowLike(Protocol):
    """What a stored code row carries for a definition (services.codebook_view.CodeRow)."""

    @property
    def id(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def framework(self) -> str | None: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def description(self) -> str: ...
    @property
    def include(self) -> str: ...
    @property
    def exclude(self) -> str: ...
    @property
    def example(self) -> str: ...
    @property
    def color(self) -> str | None: ...
    @property
    def guid(self) -> str | None: ...
    @property
    def retired(self) -> bool: ...


def to_definition(
    name: str,
    rows: Sequence[CodeRowLike],
    *,
    language: str,
    version: int | str,
    source: str,
    include_retired: bool = False,
) -> CodebookDef:
    """Rows in tree order -> the nested codebook definition. A retired code is left out
    unless asked for; the codes in use under it stay, at the top level."""
    defs: dict[int, CodeDef] = {}
    roots: list[CodeDef] = []
    for r in rows:
        if r.retired and not include_retired:
            continue
        d = CodeDef(
            id=r.key,
            name=r.name,
            framework=r.framework or "theme",
            description=r.description,
            include=r.include,
            exclude=r.exclude,
            example=r.example,
            color=r.color,
            guid=r.guid,
        )
        defs[r.id] = d
        parent = defs.get(r.parent_id) if r.parent_id is not None else None
        # a code in use under a retired (left out) parent moves up to the top level
        (parent.children if parent else roots).append(d)
    return CodebookDef(
        name=name, codes=roots, language=language, version=str(version), source=source
    )


def file_stem(name: str) -> str:
    """A file name from a codebook's name: letters (æøå too), digits, '_' and '-'."""
    return re.sub(r"[^A-Za-z0-9æøåÆØÅ_-]+", "_", name).strip("_") or "kodebog"


def codebook_file(book: CodebookDef, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of the codebook as YAML or REFI-QDA .qdc."""
    if fmt == "yaml":
        return f"{file_stem(book.name)}.yaml", book.to_yaml().encode("utf-8")
    if fmt == "qdc":
        from .qdc import to_qdc

        return f"{file_stem(book.name)}.qdc", to_qdc(book).encode("utf-8")
    raise InputError(f"Ukendt kodebogsformat '{fmt}'; brug yaml eller qdc.")
