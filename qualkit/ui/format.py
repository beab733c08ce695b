"""Danish display helpers for tables shown in the app."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from qualkit.tabular import format_date_dk


def frame(rows: Sequence[Any], columns: dict[str, str]) -> pd.DataFrame:
    """Rows (dicts or service records) -> DataFrame with Danish headers and dd-mm-yyyy dates."""
    data = []
    for r in rows:
        out = {}
        for key, label in columns.items():
            v = r.get(key)
            if isinstance(v, datetime):
                v = v.strftime("%d-%m-%Y %H:%M")
            elif isinstance(v, date):
                v = format_date_dk(v)
            elif isinstance(v, bool):
                v = "ja" if v else "nej"
            elif v is None:
                v = ""
            out[label] = v
        data.append(out)
    return pd.DataFrame(data, columns=list(columns.values()))
