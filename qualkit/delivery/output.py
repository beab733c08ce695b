"""Writing the tally the Danish Excel way, all files or none.

`;` separators, decimal comma, dd-mm-yyyy, ja/nej, UTF-8 with BOM (so Excel
opens æøå right). The report folder is written beside the target and renamed
into place, so a failure leaves either the old folder or the new one, never
half of one.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .tally import TallyResult

FILES = ("per_citizen", "summary", "flow", "checks", "reach")


def danish_frame(df: pd.DataFrame, decimals: int = 3) -> pd.DataFrame:
    """Cells as the strings a Danish spreadsheet expects."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = np.where(s.to_numpy(), "ja", "nej")
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%d-%m-%Y").fillna("")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("Int64").astype(str).replace("<NA>", "")
        elif pd.api.types.is_float_dtype(s):
            v = s.to_numpy(dtype=float)
            txt = pd.Series(np.char.mod(f"%.{decimals}f", np.nan_to_num(v)), index=s.index)
            txt = txt.str.rstrip("0").str.rstrip(".").str.replace(".", ",", regex=False)
            out[c] = np.where(np.isfinite(v), txt.replace("-0", "0"), "")
        else:
            out[c] = s.astype(object).where(s.notna(), "").astype(str)
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    danish_frame(df).to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")


def write_report(result: TallyResult, out: str | Path) -> list[Path]:
    """Write the five CSVs into ``out`` atomically; returns the file paths."""
    target = Path(out)
    if target.exists() and not target.is_dir():
        from qualkit.errors import InputError

        raise InputError(f"{out}: exists and is not a folder.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name in FILES:
            write_csv(getattr(result, name), tmp / f"{name}.csv")
        if target.exists():
            # Keep files in the folder that are not ours (a user's notes) and replace ours.
            for f in target.iterdir():
                if f.is_file() and f.stem not in FILES and not (tmp / f.name).exists():
                    shutil.copy2(f, tmp / f.name)
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [target / f"{name}.csv" for name in FILES]
