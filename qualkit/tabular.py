"""Reading users' tables: CSV (`;` or `,`, with or without BOM) and .xlsx.

The contract of docs/DESIGN.md "Interchange formats": column names match
case-insensitively, dates may be ISO or Danish, yes/no columns accept
ja/nej, yes/no, 1/0, numbers may use a decimal comma. Every problem is
reported with file, row and column; callers validate a whole file before
writing anything.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.messages import os_reason

YES = {"ja", "yes", "y", "j", "1", "true", "sand", "x"}
NO = {"nej", "no", "n", "0", "false", "falsk"}
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$"), ("d", "m", "y")),
]


@dataclass
class Table:
    """Rows as dicts keyed by lower-cased column name; ``row_numbers`` as the user sees them."""

    path: str
    columns: list[str]
    rows: list[dict[str, str]]
    row_numbers: list[int] = field(default_factory=list)


@dataclass
class Problem:
    path: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.row is not None:
            where += f", række {self.row}"
        if self.column:
            where += f", kolonne '{self.column}'"
        return f"{where}: {self.message}"


class TableErrors(InputError):
    """All problems found in one file; the message lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... og {len(problems) - 50} til" if len(problems) > 50 else ""
        head = (
            _msg("table.problems", n=len(problems)) if len(problems) > 1 else _msg("table.problem")
        )
        super().__init__(f"{head}\n{shown}{more}")


def _decode(raw: bytes, path: str) -> str:
    if b"\x00" in raw[:4096]:
        raise InputError(f"{path}: filen er binær, ikke en CSV- eller .xlsx-tabel.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old Danish Excel exports are often cp1252/latin-1; accept rather than refuse.
        return raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else raw.decode("latin-1")


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _sniff_delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if max(counts.values()) > 0 else ","


def check_nul(
    text: str, name: str, sep: str | None = None, columns: list[str] | None = None
) -> None:
    """Refuse a NUL byte anywhere in a table, naming the row (and column where it can)."""
    at = text.find("\x00")
    if at < 0:
        return
    line_no = text.count("\n", 0, at) + 1
    where = f"{name}, række {line_no}"
    if sep and columns:
        start = text.rfind("\n", 0, at) + 1
        col = text.count(sep, start, at)
        if col < len(columns):
            where += f", kolonne '{columns[col]}'"
    raise InputError(
        f"{where}: indeholder et NUL-tegn (binære data); gem filen igen som CSV eller .xlsx. "
        "Intet blev gemt."
    )


def cell_problem(value: str, sep: str) -> str | None:
    """Why one cell is refused: NUL, over 128 KiB, or a quote that swallowed whole rows."""
    from qualkit.limits import cell_problem as basic

    why = basic(value)
    if why is None and "\n" in value and any(sep in line for line in value.split("\n")[1:]):
        why = (
            'cellen løber over flere linjer med hele rækker i: et anførselstegn (") lukkes for '
            "sent eller aldrig, så rækkerne efter ville gå tabt. Ret citationstegnene"
        )
    return why


def read_table(path: str | Path) -> Table:
    """Read a CSV or .xlsx file into a Table; raises InputError naming the file."""
    from qualkit.limits import MAX_TABLE_BYTES, check_size

    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(_msg("file.not_found", path=name))
    check_size(p, MAX_TABLE_BYTES, "tabel")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(p, name)
    try:
        text = _decode(p.read_bytes(), name)
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=name, reason=os_reason(exc))) from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError(_msg("file.empty", path=name))
    header_line = next(line for line in lines if line.strip())
    sep = _sniff_delimiter(header_line)
    check_nul(text, name, sep, [c.strip().lower() for c in header_line.split(sep)])
    all_rows = _csv_records(text, sep, name)
    header_idx = next((i for i, r in enumerate(all_rows) if any(c.strip() for c in r)), None)
    if header_idx is None:
        raise InputError(f"{name}: filen har ingen kolonnenavne (kun tomme celler).")
    columns = [c.strip().lower() for c in all_rows[header_idx]]
    _check_header(columns, name)
    rows, numbers = [], []
    problems: list[Problem] = []
    for i, r in enumerate(all_rows[header_idx + 1 :], start=header_idx + 2):
        if not any(c.strip() for c in r):
            continue
        if len(r) > len(columns) and any(c.strip() for c in r[len(columns) :]):
            raise TableErrors(
                [
                    Problem(
                        name, i, None, _msg("table.too_many_values", n=len(r), columns=len(columns))
                    )
                ]
            )
        for j, cell in enumerate(r[: len(columns)]):
            why = cell_problem(cell, sep)
            if why:
                problems.append(Problem(name, i, columns[j], why))
        rows.append({col: (r[j].strip() if j < len(r) else "") for j, col in enumerate(columns)})
        numbers.append(i)
    if problems:
        raise TableErrors(problems)
    return Table(name, columns, rows, numbers)


def _csv_records(text: str, sep: str, name: str) -> list[list[str]]:
    """Every CSV record; an unterminated quote is an error naming the row it opens in."""
    from qualkit.limits import MAX_TABLE_BYTES

    if csv.field_size_limit() < MAX_TABLE_BYTES:
        csv.field_size_limit(MAX_TABLE_BYTES)  # cells are checked against MAX_CELL_CHARS below
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
    records: list[list[str]] = []
    while True:
        try:
            records.append(next(reader))
        except StopIteration:
            return records
        except csv.Error as exc:
            n = len(records) + 1
            if "end of data" in str(exc) or "EOF" in str(exc):
                why = (
                    'et anførselstegn (") åbnes her men lukkes aldrig, så resten af filen ville '
                    "blive læst som én celle. Ret citationstegnene"
                )
            else:
                why = f"ugyldig CSV ({exc})"
            raise InputError(f"{name}, række {n}: {why}. Intet blev gemt.") from None


def _read_xlsx(p: Path, name: str) -> Table:
    import zipfile

    from openpyxl import load_workbook

    from qualkit.limits import open_zip

    if zipfile.is_zipfile(p):
        open_zip(p, name).close()  # sizes and ratios checked before openpyxl unpacks anything
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise InputError(
            f"{name}: ikke en læsbar .xlsx-projektmappe ({type(exc).__name__})."
        ) from None
    ws = wb.worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    wb.close()
    values = [v for v in values]
    header_idx = next(
        (i for i, r in enumerate(values) if r and any(c not in (None, "") for c in r)), None
    )
    if header_idx is None:
        raise InputError(f"{name}: det første ark er tomt.")
    columns = [str(c).strip().lower() if c is not None else "" for c in values[header_idx]]
    while columns and columns[-1] == "":
        columns.pop()
    _check_header(columns, name)
    rows, numbers = [], []
    problems: list[Problem] = []
    for i, r in enumerate(values[header_idx + 1 :], start=header_idx + 2):
        if r is None or all(c in (None, "") for c in r):
            continue
        row = {col: _cell_to_str(r[j] if j < len(r) else None) for j, col in enumerate(columns)}
        for col, cell in row.items():
            why = cell_problem(cell, "\x00")
            if why:
                problems.append(Problem(name, i, col, why))
        rows.append(row)
        numbers.append(i)
    if problems:
        raise TableErrors(problems)
    return Table(name, columns, rows, numbers)


def _cell_to_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_header(columns: list[str], name: str) -> None:
    seen = set()
    for c in columns:
        if not c:
            raise InputError(f"{name}: overskriftsrækken har et tomt kolonnenavn.")
        if c in seen:
            raise InputError(f"{name}: kolonnen '{c}' står to gange i overskriften.")
        seen.add(c)


def require_columns(table: Table, required: list[str]) -> None:
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(
            _msg(
                "table.missing_columns",
                path=table.path,
                columns=", ".join(missing),
                present=", ".join(table.columns),
            )
        )


def parse_date(value: str) -> date | None:
    """ISO or Danish date; empty gives None; anything else raises ValueError."""
    v = value.strip()
    if not v:
        return None
    v = v.split(" ")[0].split("T")[0]
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(v)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:  # 31-02-2024: Python's reason is English
                raise ValueError(_msg("value.not_date", value=value)) from None
    raise ValueError(_msg("value.not_date", value=value))


def parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in YES:
        return True
    if v in NO:
        return False
    raise ValueError(_msg("value.not_bool", value=value))


def parse_number(value: str) -> float | None:
    """A number with decimal comma or point; thousands separators are refused as ambiguous."""
    v = value.strip().replace("\u00a0", "").replace(" ", "")
    if not v:
        return None
    if "," in v and "." in v:
        raise ValueError(f"'{value}' blander ',' og '.'; skriv 45,5 eller 45.5")
    try:
        number = float(v.replace(",", "."))
    except ValueError:
        raise ValueError(_msg("value.not_number", value=value)) from None
    if not math.isfinite(number):
        raise ValueError(f"'{value}' er ikke et endeligt tal (nan og uendelig afvises)")
    return number


def format_date_dk(d: date | None) -> str:
    return d.strftime("%d-%m-%Y") if d else ""


def format_number_dk(x: float | None, decimals: int = 1) -> str:
    if x is None:
        return ""
    return f"{x:.{decimals}f}".replace(".", ",")


def format_percent_dk(share: float | None, decimals: int = 1) -> str:
    """0.523 -> '52,3 %' (Danish: decimal comma, space before the sign)."""
    if share is None:
        return ""
    return f"{format_number_dk(share * 100, decimals)} %"


def format_n_pct(n: int, total: int, decimals: int = 1) -> str:
    """69, 132 -> '69 (52,3 %)'."""
    if total == 0:
        return f"{n} (-)"
    return f"{n} ({format_percent_dk(n / total, decimals)})"


# --- writing CSV: one function for every CSV qualkit writes --------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?( ?%)?$")


def neutralise(value: object) -> str:
    """A cell as text a spreadsheet will not run: user text that starts with ``= + - @``, tab
    or carriage return gets a leading apostrophe (the usual CSV-injection rule); numbers
    (``-3``, ``-0,5``, ``+45``, ``52,3 %``) stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        return str(v).replace(".", ",") if math.isfinite(v) else ""
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.match(text.strip()) and text != "-":
        return "'" + text
    return text


def csv_text(
    header: list[str], rows: Iterable[Iterable[object]], lineterminator: str = "\n"
) -> str:
    """The Danish CSV (`;`) of ``rows`` under ``header``, every cell through :func:`neutralise`."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator=lineterminator)
    w.writerow([neutralise(h) for h in header])
    for r in rows:
        w.writerow([neutralise(c) for c in r])
    return buf.getvalue()


def csv_bytes(
    header: list[str], rows: Iterable[Iterable[object]], lineterminator: str = "\n"
) -> bytes:
    """:func:`csv_text` as UTF-8 with BOM (so Excel opens æøå right), for downloads."""
    return csv_text(header, rows, lineterminator).encode("utf-8-sig")


def write_csv_rows(
    path: str | Path,
    header: list[str],
    rows: Iterable[Iterable[object]],
    lineterminator: str = "\n",
) -> Path:
    """Write a Danish CSV file (UTF-8 with BOM, `;`) with every cell neutralised."""
    p = Path(path)
    with open(p, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator=lineterminator)
        w.writerow([neutralise(h) for h in header])
        for r in rows:
            w.writerow([neutralise(c) for c in r])
    return p


def neutralise_frame(df, safe: Iterable[str] = ()):  # pandas is imported by the caller
    """:func:`neutralise` on every text cell of a DataFrame, vectorised (each distinct value
    checked once): the fast path of :func:`write_csv_frame` for large tables. Columns named in
    ``safe`` are left as they are: the caller vouches that their cells are already what
    :func:`neutralise` returns (numbers, dates, ja/nej written by the caller itself)."""
    import pandas as pd

    out = df.copy()
    skip = set(safe)
    for c in out.columns:
        col = out[c]
        if c in skip or not (
            pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)
        ):
            continue
        if isinstance(col.dtype, pd.StringDtype) and not col.isna().any():
            if not col.str.startswith(FORMULA_START).any():
                continue  # text only, none that could start a formula: unchanged
        codes, uniques = pd.factorize(col.astype(object).where(col.notna(), ""), sort=False)
        fixed = pd.Series(
            [  # plain text that cannot start a formula is returned as it is, so skip the call
                u
                if type(u) is str and not u.startswith(FORMULA_START)
                else str(u)
                if type(u) is int
                else neutralise(u)
                for u in uniques
            ],
            dtype=object,
        )
        out[c] = fixed.take(codes).to_numpy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _frame_csv(df, fh, lineterminator: str) -> None:
    """A neutralised frame as `;` CSV into ``fh``. A frame of text cells only is written row by
    row with the csv module (what pandas' writer does underneath, without its per-cell
    formatting); anything else goes through ``DataFrame.to_csv``."""
    import pandas as pd

    cols = [df.iloc[:, i] for i in range(df.shape[1])]
    plain = bool(cols) and all(
        (pd.api.types.is_object_dtype(c) or pd.api.types.is_string_dtype(c)) and not c.isna().any()
        for c in cols
    )
    if not plain:
        df.to_csv(fh, sep=";", index=False, lineterminator=lineterminator)
        return
    buf = io.StringIO()  # one write to the file: its encoder then runs once, not per row
    w = csv.writer(buf, delimiter=";", lineterminator=lineterminator)
    w.writerow([str(c) for c in df.columns])
    w.writerows(zip(*[c.tolist() for c in cols], strict=True))
    fh.write(buf.getvalue())


def write_csv_frame(
    path: str | Path, df, lineterminator: str = "\n", safe: Iterable[str] = ()
) -> Path:
    """A DataFrame as a Danish CSV file (UTF-8 with BOM, `;`), every text cell neutralised the
    same way as :func:`write_csv_rows` (``safe``: see :func:`neutralise_frame`)."""
    p = Path(path)
    with open(p, "w", encoding="utf-8-sig", newline="") as fh:
        _frame_csv(neutralise_frame(df, safe), fh, lineterminator)
    return p


def csv_frame_bytes(df, lineterminator: str = "\n", safe: Iterable[str] = ()) -> bytes:
    """:func:`write_csv_frame` as bytes, for downloads."""
    buf = io.StringIO()
    _frame_csv(neutralise_frame(df, safe), buf, lineterminator)
    return buf.getvalue().encode("utf-8-sig")
