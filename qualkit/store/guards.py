"""The last check before anything reaches the database: the same rules on SQLite and PostgreSQL.

SQLite stores a 93-character citizen_id in a VARCHAR(80) and a NUL byte in any
text; PostgreSQL refuses both with a raw DataError that prints the row. So every
flush checks each new or changed object first: texts no longer than their column,
no NUL byte in any text (JSON values included). A violation is one Danish
InputError naming the table and column, and the transaction is rolled back, so
nothing is written on either database. Readers of users' files check the same
limits earlier, with the file, row and column (``delivery/register.py``,
``delivery/events.py``, ``tabular.py``); this guard holds for every other path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Column, String, inspect
from sqlalchemy.orm import Session

from qualkit.errors import InputError

_JSON_WALK_LIMIT = 100_000


def _json_has_nul(value: Any) -> bool:
    stack, seen = [value], 0
    while stack and seen < _JSON_WALK_LIMIT:
        v = stack.pop()
        seen += 1
        if isinstance(v, str):
            if "\x00" in v:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return False


def check_value(table: str, column: Column[Any], value: Any) -> None:
    """Refuse a text longer than its column or holding a NUL byte (JSON values included)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(
                f"{table}.{column.name}: teksten indeholder et NUL-tegn; intet blev gemt."
            )
        length = getattr(column.type, "length", None)
        if isinstance(column.type, String) and length and len(value) > length:
            raise InputError(
                f"{table}.{column.name}: '{value[:40]}...' er {len(value)} tegn; højst "
                f"{length}. Intet blev gemt."
            )
    elif isinstance(value, dict | list) and _json_has_nul(value):
        raise InputError(f"{table}.{column.name}: indeholder et NUL-tegn; intet blev gemt.")


def check_object(obj: Any) -> None:
    mapper = inspect(obj).mapper
    table = mapper.local_table.name
    for attr in mapper.column_attrs:
        check_value(table, attr.columns[0], getattr(obj, attr.key, None))


def check_rows(model: type[Any], rows: Iterable[Mapping[str, Any]]) -> None:
    """The same check for rows written in bulk (``session.execute(insert(Model), rows)``
    bypasses the flush), keyed by the model's attribute names."""
    mapper = inspect(model)
    table = mapper.local_table.name
    columns = {attr.key: attr.columns[0] for attr in mapper.column_attrs}
    for row in rows:
        for key, value in row.items():
            check_value(table, columns[key], value)


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        check_object(obj)
