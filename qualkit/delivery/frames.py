"""Vectorised reading of the register and the delivery log into pandas frames.

The tally must handle 500,000 events in seconds, so the log is read and
validated column by column (no Python loop per event). The rules are those of
`events.parse_events` and `register.parse_participants`, with one difference
for the tally: components that are not in the protocol are kept (and reported
in checks.csv) instead of refusing the file, so one stray row does not block a
report. Every problem still names the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from qualkit.enums import EVENT_STATUSES
from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.messages import os_reason
from qualkit.tabular import (
    NO,
    YES,
    Problem,
    TableErrors,
    _check_header,
    _decode,
    _sniff_delimiter,
    cell_problem,
    check_nul,
    read_table,
)

from .events import LENGTHS as EVENT_LENGTHS
from .events import STATUS_ALIASES, future_message, latest_date
from .register import (
    DATE_COLUMNS,
    KNOWN_COLUMNS,
    TEXT_COLUMNS,
    ParticipantRecord,
    _attribute_value,
    parse_participants,
)
from .register import LENGTHS as REGISTER_LENGTHS

EVENT_COLUMNS = [
    "citizen_id",
    "date",
    "component",
    "staff_role",
    "staff_id",
    "minutes",
    "mode",
    "status",
    "note",
]
PARTICIPANT_COLUMNS = [
    "citizen_id",
    "arm",
    "site",
    "eligible",
    "exclusion_reason",
    *TEXT_COLUMNS[3:],
    *DATE_COLUMNS,
]
_SPARE = 8  # columns read beyond the header, to catch rows with too many values
_FAST_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
_SLOW_DATE = (
    r"^\s*(?:(?P<y1>\d{4})-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})"
    r"|(?P<d2>\d{1,2})[-./](?P<m2>\d{1,2})[-./](?P<y2>\d{4}))(?:[ T].*)?\s*$"
)


def _cells(buffer: io.StringIO | io.BytesIO, sep: str, n: int) -> pd.DataFrame:
    """The C parser over a file's body: every cell the text as written (categories, no NA
    guessing, blank lines kept so row numbers stay the file's), ``n`` numbered columns."""
    return pd.read_csv(
        buffer,
        sep=sep,
        header=None,
        dtype="category",
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        index_col=False,
        names=list(range(n)),
        on_bad_lines="error",
    )


def read_raw(path: str | Path) -> pd.DataFrame:
    """A table as text categories (lower-case column names) plus ``_row``, the row number users see.

    Categories, because a log repeats the same IDs, dates and components: the C parser
    hashes each cell once and everything after works on the few distinct values.
    """
    p, name = Path(path), str(path)
    if not p.exists():
        raise InputError(_msg("file.not_found", path=name))
    from qualkit.limits import MAX_TABLE_BYTES, check_size

    check_size(p, MAX_TABLE_BYTES, "tabel")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        t = read_table(p)
        df = pd.DataFrame.from_records(t.rows, columns=t.columns).astype("category")
        df["_row"] = t.row_numbers
        return df
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=name, reason=os_reason(exc))) from None
    fast = _read_plain_csv(raw, name)
    if fast is not None:
        return _finish_raw(fast[0], name, fast[1], len(fast[0].columns) - 1)
    text = _decode(raw, name)
    lines = text.splitlines()
    header_idx = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_idx is None:
        raise InputError(_msg("file.empty", path=name))
    sep = _sniff_delimiter(lines[header_idx])
    columns = [c.strip().lower() for c in next(csv.reader([lines[header_idx]], delimiter=sep))]
    _check_header(columns, name)
    check_nul(text, name, sep, columns)
    body = "\n".join(lines[header_idx + 1 :])
    if not body.strip():
        df = pd.DataFrame({c: pd.Series([], dtype="category") for c in columns})
        df["_row"] = pd.Series([], dtype=int)
        return df
    try:
        df = _cells(io.StringIO(body), sep, len(columns) + _SPARE)
    except pd.errors.ParserError as exc:
        # "Expected 17 fields in line 12, saw 30": line numbers count from the row after the header.
        msg = str(exc).split("\n")[-1].strip() or str(exc)
        if m := re.search(r"EOF inside string starting at row (\d+)", msg):
            raise InputError(
                f'{name}, række {int(m[1]) + header_idx + 2}: et anførselstegn (") åbnes her '
                "men lukkes aldrig, så resten af filen ville blive læst som én celle. Ret "
                "citationstegnene. Intet blev gemt."
            ) from None
        raise InputError(
            f"{name}: en række har langt flere værdier, end overskriften har kolonner ({msg}; "
            f"linjerne tælles fra rækken efter overskriften)."
        ) from None
    df["_row"] = np.arange(len(df)) + header_idx + 2
    # Spare columns catch rows with more values than the header (empty trailing cells are fine).
    spare = [_strip(df[i]).ne("").to_numpy() for i in range(len(columns), len(columns) + _SPARE)]
    too_long = np.logical_or.reduce(spare)
    if too_long.any():
        raise TableErrors(
            [
                Problem(
                    name,
                    int(r),
                    None,
                    f"flere værdier, end overskriften har kolonner ({len(columns)})",
                )
                for r in df.loc[too_long, "_row"].head(50)
            ]
        )
    df = df[[*range(len(columns)), "_row"]]
    df.columns = [*columns, "_row"]
    return _finish_raw(df, name, sep, len(columns))


# Characters `str.splitlines` breaks lines on besides LF (the general reader splits and joins
# the lines), and the quote: a file with none of them is split the same by the C parser alone.
_PLAIN_BREAKERS = ('"', "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _read_plain_csv(raw: bytes, name: str) -> tuple[pd.DataFrame, str] | None:
    """The common file, fast: UTF-8, no NUL, no quote, no line break but LF and CR LF.

    The C parser reads the bytes as they are, header columns only, with no decode, split and
    join in Python first. Anything else (or any row with more values than the header) returns
    None, and the general path reads the file, so every message stays the one it gives.
    """
    if b"\x00" in raw:
        return None
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any(ch in text for ch in _PLAIN_BREAKERS):
        return None
    pos, header_idx = 0, 0
    while True:  # the header is the first line that is not blank
        nl = text.find("\n", pos)
        line = text[pos:] if nl < 0 else text[pos:nl]
        if line.strip():
            break
        if nl < 0:
            return None
        pos, header_idx = nl + 1, header_idx + 1
    if nl < 0 or not text[nl + 1 :].strip():
        return None
    sep = _sniff_delimiter(line)
    columns = [c.strip().lower() for c in next(csv.reader([line], delimiter=sep))]
    _check_header(columns, name)
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0  # utf-8-sig drops one BOM
    start += len(text[: nl + 1].encode("utf-8"))
    try:
        with warnings.catch_warnings():  # a first row with too many values only warns
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = _cells(io.BytesIO(raw[start:]), sep, len(columns))
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        return None
    df.columns = columns
    df["_row"] = np.arange(len(df)) + header_idx + 2
    return df, sep


def _finish_raw(df: pd.DataFrame, name: str, sep: str, n_columns: int) -> pd.DataFrame:
    """Strip the cells, refuse bad ones, drop empty rows: the same for both readers."""
    columns = list(df.columns[:n_columns])
    for c in columns:
        df[c] = _strip(df[c])
    bad_cells = []
    for c in columns:  # few distinct values per column: checking each once is cheap
        for value in df[c].cat.categories.astype(str):
            why = cell_problem(value, sep)
            if why:
                first = int(df.loc[df[c].astype(object) == value, "_row"].iloc[0])
                bad_cells.append(Problem(name, first, c, why))
    if bad_cells:
        raise TableErrors(sorted(bad_cells, key=lambda p: (p.row or 0, p.column or ""))[:50])
    empty = np.logical_and.reduce([df[c].eq("").to_numpy() for c in columns])
    if empty.any():
        df = df[~empty]
    return df.reset_index(drop=True)


def _strip(s: pd.Series) -> pd.Series:
    """Strip spaces from each distinct value (merging values that then coincide)."""
    cats = pd.Index(s.cat.categories.astype(str))
    stripped = cats.str.strip()
    if (stripped == cats).all():
        return s.cat.rename_categories(cats) if not cats.equals(s.cat.categories) else s
    codes = s.cat.codes.to_numpy()
    return pd.Series(pd.Categorical(np.asarray(stripped, dtype=object)[codes]), index=s.index)


def _longer(values: pd.Series, most: int) -> pd.Series:
    """Cells longer than ``most`` characters, measured once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    too = np.array([len(str(u)) > most for u in uniques], dtype=bool)
    return pd.Series(too[codes] if len(codes) else np.zeros(0, bool), index=values.index)


def _by_unique(values: pd.Series, parse) -> tuple[pd.Series, pd.Series]:
    """Parse each distinct value once (a log has few distinct dates and minutes)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    parsed, bad = parse(pd.Series(np.asarray(uniques, dtype=object)).astype(str))
    return (
        pd.Series(parsed.to_numpy()[codes], index=values.index),
        pd.Series(bad.to_numpy()[codes], index=values.index),
    )


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO or Danish dates, vectorised: (datetime64 with NaT for empty, mask of bad values)."""
    return _by_unique(values, _parse_dates)


def _parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = values.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = s.ne("")
    for fmt in _FAST_DATE_FORMATS:
        if not todo.any():
            break
        got = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        ok = got.notna()
        out.loc[ok[ok].index] = got[ok]
        todo.loc[ok[ok].index] = False
    if todo.any():
        parts = s[todo].str.extract(_SLOW_DATE)
        y = parts["y1"].fillna(parts["y2"])
        m = parts["m1"].fillna(parts["m2"])
        d = parts["d1"].fillna(parts["d2"])
        frame = pd.DataFrame(
            {
                "year": pd.to_numeric(y, errors="coerce"),
                "month": pd.to_numeric(m, errors="coerce"),
                "day": pd.to_numeric(d, errors="coerce"),
            }
        )
        got = pd.to_datetime(frame, errors="coerce")
        ok = got.notna()
        out.loc[ok[ok].index] = got[ok]
        todo.loc[ok[ok].index] = False
    return out, todo


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal comma or point, vectorised: (float with NaN for empty, mask of bad values)."""
    return _by_unique(values, _parse_numbers)


def _parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = (
        values.astype(str)
        .str.strip()
        .str.replace("\u00a0", "", regex=False)
        .str.replace(" ", "", regex=False)
    )
    mixed = s.str.contains(",", regex=False) & s.str.contains(".", regex=False)
    num = pd.to_numeric(s.str.replace(",", ".", regex=False).where(~mixed, "x"), errors="coerce")
    bad = s.ne("") & num.isna()
    return num.astype(float), bad


def events_frame(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    """Validate a raw delivery log in full; raise TableErrors listing every bad row.

    Unknown citizens and components are not errors here: the tally reports them.
    """
    missing = [c for c in ("citizen_id", "date", "component") if c not in raw.columns]
    if missing:
        raise InputError(
            _msg(
                "table.missing_columns",
                path=path,
                columns=", ".join(missing),
                present=", ".join(c for c in raw.columns if c != "_row"),
            )
        )
    df = pd.DataFrame(
        {c: (raw[c] if c in raw.columns else "") for c in EVENT_COLUMNS}, index=raw.index
    )
    df["row"] = raw["_row"].to_numpy()
    problems: list[tuple[int, str, str]] = []

    def flag(mask: pd.Series, column: str, message) -> None:
        if mask.any():
            sub = df.loc[mask]
            msgs = message(sub) if callable(message) else [message] * len(sub)
            problems.extend(zip(sub["row"].tolist(), [column] * len(sub), msgs, strict=True))

    flag(df["citizen_id"].eq(""), "citizen_id", _msg("value.empty"))
    flag(df["component"].eq(""), "component", _msg("value.empty"))
    dates, bad_date = parse_dates(df["date"])
    flag(df["date"].eq(""), "date", _msg("value.empty"))
    flag(
        bad_date,
        "date",
        lambda sub: [_msg("value.not_date", value=v) for v in sub["date"]],
    )
    minutes, bad_min = parse_numbers(df["minutes"])
    flag(
        bad_min,
        "minutes",
        lambda sub: [_msg("value.not_number", value=v) for v in sub["minutes"]],
    )
    flag(
        minutes < 0,
        "minutes",
        lambda sub: [_msg("value.negative", value=v) for v in sub["minutes"]],
    )
    flag(
        minutes.notna() & ~np.isfinite(minutes.to_numpy(dtype=float)),
        "minutes",
        lambda sub: [
            f"'{v}' er ikke et endeligt tal (nan og uendelig afvises)" for v in sub["minutes"]
        ],
    )
    flag(
        dates > pd.Timestamp(latest_date()),
        "date",
        lambda sub: [future_message(str(v)) for v in sub["date"]],
    )
    for col, most in EVENT_LENGTHS.items():
        flag(
            _longer(df[col], most),
            col,
            lambda sub, col=col, most=most: [
                f"er {len(str(v))} tegn; højst {most} tegn" for v in sub[col]
            ],
        )
    status, _ = _by_unique(
        df["status"], lambda u: (u.str.lower().map(STATUS_ALIASES), pd.Series(False, index=u.index))
    )
    flag(
        status.isna(),
        "status",
        lambda sub: [
            _msg("value.not_one_of", value=v, choices=", ".join(EVENT_STATUSES))
            for v in sub["status"]
        ],
    )
    if problems:
        problems.sort()
        raise TableErrors([Problem(path, r, c, m) for r, c, m in problems])
    df["date"] = dates.astype("datetime64[ns]")
    df["minutes"] = minutes.astype(float)
    df["status"] = status
    return categorical(df).reset_index(drop=True)


def lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` that stays fast and keeps the mapping's dtype for category keys."""
    if isinstance(keys.dtype, pd.CategoricalDtype):
        vals = mapping.reindex(keys.cat.categories.astype(str))
        codes = keys.cat.codes.to_numpy()
        out = vals.iloc[np.where(codes < 0, 0, codes)] if len(vals) else vals.iloc[[]]
        res = pd.Series(out.to_numpy(), index=keys.index, dtype=mapping.dtype)
        return res.where(codes >= 0) if (codes < 0).any() else res
    return keys.map(mapping)


def categorical(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as categories: grouping and matching 500,000 events stays fast."""
    for c in ("citizen_id", "component", "staff_role", "staff_id", "mode", "status", "note"):
        if not isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].fillna("").astype(str).astype("category")
    return df


def read_events_frame(path: str | Path) -> pd.DataFrame:
    return events_frame(read_raw(path), str(path))


def participants_frame(records: list[ParticipantRecord]) -> tuple[pd.DataFrame, list[str]]:
    """Validated register records -> (frame with one column per field and attribute, attribute names)."""
    attributes: list[str] = []
    for r in records:
        for k in r.attributes:
            if k not in attributes:
                attributes.append(k)
    data: dict[str, list] = {c: [getattr(r, c) for r in records] for c in PARTICIPANT_COLUMNS}
    for a in attributes:
        data[a] = [r.attributes.get(a) for r in records]
    df = pd.DataFrame(data)
    for c in DATE_COLUMNS:
        df[c] = pd.to_datetime(df[c], errors="coerce").astype("datetime64[ns]")
    df["citizen_id"] = df["citizen_id"].astype(str)
    return df, attributes


def read_participants_frame(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """The register, validated in full by the rules of register.parse_participants, vectorised."""
    raw = read_raw(path)
    name = str(path)
    if "citizen_id" not in raw.columns:
        cols = ", ".join(c for c in raw.columns if c != "_row")
        raise InputError(
            _msg("table.missing_columns", path=name, columns="citizen_id", present=cols)
        )
    rows = raw["_row"]
    problems: list[tuple[int, str, str]] = []

    def flag(mask: pd.Series, column: str, messages) -> None:
        if mask.any():
            msgs = messages(mask) if callable(messages) else [messages] * int(mask.sum())
            problems.extend(zip(rows[mask].tolist(), [column] * int(mask.sum()), msgs, strict=True))

    text = {
        c: raw[c].astype(object).astype(str)
        if isinstance(raw[c].dtype, pd.CategoricalDtype)
        else raw[c].astype(str)
        for c in raw.columns
        if c != "_row"
    }
    cid = text["citizen_id"]
    for col, most in REGISTER_LENGTHS.items():
        if col in text:
            long = text[col].str.len() > most
            flag(
                long,
                col,
                lambda m, col=col, most=most: [
                    f"er {len(v)} tegn; højst {most} tegn" for v in text[col][m]
                ],
            )
    empty = cid.eq("")
    flag(empty, "citizen_id", _msg("register.no_id"))
    first = rows.groupby(cid).transform("first")
    dup = cid.duplicated(keep="first") & ~empty
    flag(
        dup,
        "citizen_id",
        lambda m: [
            _msg("value.repeated", value=c, row=r) for c, r in zip(cid[m], first[m], strict=True)
        ],
    )
    data: dict[str, pd.Series] = {"citizen_id": cid}
    for c in TEXT_COLUMNS:
        data[c] = (
            text[c].where(text[c].ne(""), None) if c in text else pd.Series(None, index=raw.index)
        )
    if "eligible" in text:

        def _bool(u: pd.Series) -> tuple[pd.Series, pd.Series]:
            low = u.str.strip().str.lower()
            val = pd.Series(
                [True if v in YES else False if v in NO else None for v in low],
                index=u.index,
                dtype=object,
            )
            return val, low.ne("") & val.isna()

        elig, bad = _by_unique(text["eligible"], _bool)
        flag(
            bad,
            "eligible",
            lambda m: [_msg("value.not_bool", value=v) for v in text["eligible"][m]],
        )
        data["eligible"] = elig.astype(object)
    else:
        data["eligible"] = pd.Series(None, index=raw.index, dtype=object)
    for c in DATE_COLUMNS:
        if c in text:
            parsed, bad = parse_dates(text[c])
            flag(
                bad,
                c,
                lambda m, c=c: [_msg("value.not_date", value=v) for v in text[c][m]],
            )
            data[c] = parsed.astype("datetime64[ns]")
        else:
            data[c] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if problems:
        problems.sort()
        raise TableErrors([Problem(name, r, c, m) for r, c, m in problems])
    attributes = [c for c in text if c not in KNOWN_COLUMNS and text[c].ne("").any()]
    for a in attributes:
        val, _ = _by_unique(
            text[a],
            lambda u: (
                pd.Series(
                    [None if v == "" else _attribute_value(v) for v in u],
                    index=u.index,
                    dtype=object,
                ),
                pd.Series(False, index=u.index),
            ),
        )
        data[a] = val.astype(object)
    df = pd.DataFrame({c: data[c] for c in [*PARTICIPANT_COLUMNS, *attributes]})
    return df.reset_index(drop=True), attributes


def read_participants_records(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """The register through register.parse_participants (row by row): the reference path."""
    return participants_frame(parse_participants(read_table(path)))


def events_from_rows(rows: list[dict]) -> pd.DataFrame:
    """Stored events (services.delivery.list_events rows) -> the frame the tally reads."""
    df = pd.DataFrame(rows, columns=[*EVENT_COLUMNS, "id"])
    df["date"] = pd.to_datetime(df["date"], errors="coerce").astype("datetime64[ns]")
    df["minutes"] = pd.to_numeric(df["minutes"], errors="coerce").astype(float)
    df["status"] = df["status"].fillna("delivered")
    df["row"] = df["id"]
    return categorical(df)
