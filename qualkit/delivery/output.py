"""Writing the tally the Danish Excel way, all files or none.

`;` separators, decimal comma, dd-mm-yyyy, ja/nej, UTF-8 with BOM (so Excel
opens æøå right). The folder is written through the one output mechanism
(`qualkit.exports.files.write_folder`): rendered in qualkit's private temporary
folder, moved into place, and never touching a file qualkit did not write.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qualkit.tabular import csv_frame_bytes, write_csv_frame

from .tally import TallyResult

FILES = ("per_citizen", "summary", "flow", "checks", "reach")


def danish_frame(df: pd.DataFrame, decimals: int = 3) -> pd.DataFrame:
    """Cells as the strings a Danish spreadsheet expects."""
    return _danish(df, decimals)[0]


def _danish(df: pd.DataFrame, decimals: int = 3) -> tuple[pd.DataFrame, list[str]]:
    """:func:`danish_frame`, and the columns it wrote itself (ja/nej, dates, numbers): cells
    that need no neutralising against formulas."""
    out = pd.DataFrame(index=df.index)
    safe: list[str] = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = np.where(s.to_numpy(), "ja", "nej")
            safe.append(c)
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%d-%m-%Y").fillna("")
            safe.append(c)
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("Int64").astype(str).fillna("").replace("<NA>", "")
            safe.append(c)
        elif pd.api.types.is_float_dtype(s):
            v = s.to_numpy(dtype=float)
            txt = pd.Series(np.char.mod(f"%.{decimals}f", np.nan_to_num(v)), index=s.index)
            txt = txt.str.rstrip("0").str.rstrip(".").str.replace(".", ",", regex=False)
            out[c] = np.where(np.isfinite(v), txt.replace("-0", "0"), "")
            safe.append(c)
        else:
            out[c] = s.astype(object).where(s.notna(), "").astype(str)
    return out, [c for c in safe if isinstance(c, str)]


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """One tally table as a Danish CSV; text cells are neutralised against formulas."""
    frame, safe = _danish(df)
    write_csv_frame(path, frame, safe=safe)


def frame_csv_bytes(df: pd.DataFrame) -> bytes:
    """A tally table as Danish CSV bytes (for a download), through the same neutralising writer."""
    frame, safe = _danish(df)
    return csv_frame_bytes(frame, safe=safe)


def write_report(result: TallyResult, out: str | Path, *, force: bool | None = None) -> list[Path]:
    """Write the five CSVs into the folder ``out`` (see :func:`qualkit.exports.files.write_folder`:
    a new folder, or only qualkit's own files replaced; nothing else there is touched)."""
    from qualkit.exports.files import write_folder

    def writer(name: str):
        return lambda path: write_csv(getattr(result, name), path)

    return write_folder(out, {f"{name}.csv": writer(name) for name in FILES}, force=force)
