"""The base of what services return to the app and the CLI: frozen dataclasses.

New code reads attributes (``row.site``). ``row["site"]``, ``row.get("site")``, ``"site" in
row`` and ``{**row}`` also work, so callers written against the earlier ``dict`` results (on
branches merging later) keep running; ``as_dict()`` gives a table row (Streamlit, pandas).
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Record:
    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def keys(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.keys()

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def table(rows: list[Any]) -> list[dict[str, Any]]:
    """Records -> plain dicts, for st.dataframe and pandas."""
    return [r.as_dict() for r in rows]
