"""The tally's fast paths give what the general code gives (issue 12: tally start-up)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualkit.delivery import frames
from qualkit.delivery.checks import DUPLICATE_KEY, _group_ids
from qualkit.tabular import TableErrors

HEADER = "citizen_id;date;component;minutes"
BODY = "C1;01-02-2021;a;30\nC2 ; 2021-02-03;b;45,5\n\nC1;01-02-2021;a;30\n"
VARIANTS = {
    "plain": ("\ufeff" + HEADER + "\n" + BODY).encode("utf-8"),
    "crlf": (HEADER + "\n" + BODY).replace("\n", "\r\n").encode("utf-8"),
    "blank_lines_around": ("\n \n" + HEADER + "\n" + BODY + "\n\n\n").encode("utf-8"),
    "no_final_newline": (HEADER + "\n" + BODY.rstrip("\n")).encode("utf-8"),
    "empty_trailing_cells": (HEADER + "\nC1;01-02-2021;a;30;;\nC2;01-02-2021;b;1\n").encode(),
    "first_row_too_long": (HEADER + "\nC1;01-02-2021;a;30;x\nC2;01-02-2021;b;1\n").encode(),
    "later_row_too_long": (HEADER + "\nC1;01-02-2021;a;30\nC2;01-02-2021;b;1;x\n").encode(),
    "short_row": (HEADER + "\nC1;01-02-2021\nC2;01-02-2021;b;1\n").encode(),
    "quoted": (HEADER + '\nC1;01-02-2021;"a;b";30\n').encode(),
    "latin1": (HEADER + "\nCæ;01-02-2021;ø;30\n").encode("latin-1"),
    "line_separator": (HEADER + "\nC1;01-02-2021;a\u2028b;30\n").encode("utf-8"),
    "header_only": (HEADER + "\n\n").encode(),
}


def _read(path: Path) -> pd.DataFrame | str:
    try:
        return frames.read_raw(path)
    except TableErrors as exc:
        return f"TableErrors: {exc}"
    except Exception as exc:  # noqa: BLE001 - the message is what is compared
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_plain_csv_fast_path_reads_as_the_general_reader(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(VARIANTS[name])
    fast = _read(path)
    monkeypatch.setattr(frames, "_read_plain_csv", lambda raw, name: None)
    general = _read(path)
    if isinstance(general, str) or isinstance(fast, str):
        assert fast == general
        return
    assert list(fast.columns) == list(general.columns)
    assert fast.equals(general)
    for c in general.columns:
        assert fast[c].dtype == general[c].dtype
        if isinstance(general[c].dtype, pd.CategoricalDtype):
            assert list(fast[c].cat.categories) == list(general[c].cat.categories)


def test_fast_path_taken_for_plain_files_only() -> None:
    assert frames._read_plain_csv(VARIANTS["plain"], "x") is not None
    assert frames._read_plain_csv(VARIANTS["crlf"], "x") is not None
    for name in ("quoted", "latin1", "line_separator", "first_row_too_long", "header_only"):
        assert frames._read_plain_csv(VARIANTS[name], "x") is None, name


def test_group_ids_match_pandas_grouping() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    df = pd.DataFrame(
        {
            "citizen_id": pd.Categorical(rng.choice(["C1", "C2", None], n)),
            "date": pd.to_datetime(rng.choice(["2021-01-01", "2021-01-02", None], n)),
            "component": pd.Categorical(rng.choice(["a", "b"], n)),
            "staff_id": pd.Categorical(rng.choice(["", "JK1"], n)),
            "minutes": rng.choice([30.0, np.nan, 45.5], n),
            "mode": pd.Categorical(rng.choice(["", "video"], n)),
            "status": pd.Categorical(rng.choice(["delivered", "no_show"], n)),
            "note": pd.Categorical(rng.choice(["", "x"], n)),
        }
    )
    ours = _group_ids(df, DUPLICATE_KEY)
    theirs = df.groupby(DUPLICATE_KEY, sort=False, dropna=False, observed=True).ngroup()
    assert (ours == theirs.to_numpy()).all()
