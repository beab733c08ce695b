"""Consistency checks on the delivery log against the register and the protocol.

Each check returns rows for checks.csv (one per offending event, with the row
of the log it came from) and, where the tally must act on it, a mask: events
for unknown citizens or components, and repeated duplicates, are left out of
the tallies; events outside a citizen's course are counted but flagged, so the
evaluator decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .flow import CHECK_COLUMNS
from .frames import lookup
from .protocol import Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

CONTROL_ARMS = {"kontrol", "control", "kontrolgruppe", "control group", "sædvanlig indsats"}
# The fields that make two log rows the same event (re-imports and double entries).
DUPLICATE_KEY = ["citizen_id", "date", "component", "staff_id", "minutes", "mode", "status", "note"]


@dataclass
class EventCheckResult:
    checks: pd.DataFrame
    usable: pd.Series  # events the tally counts


def _rows(
    ev: pd.DataFrame,
    mask: pd.Series,
    check: str,
    severity: str,
    message: str | Callable[..., Any],
) -> pd.DataFrame:
    sub = ev.loc[mask]
    msgs = message(sub) if callable(message) else message
    return pd.DataFrame(
        {
            "check": check,
            "severity": severity,
            "citizen_id": sub["citizen_id"].to_numpy(),
            "row": sub["row"].to_numpy(),
            "count": 1,
            "message": msgs,
        },
        columns=CHECK_COLUMNS,
    )


def _group_ids(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One id per distinct combination of ``columns`` (NaN equal to NaN), as
    ``groupby(columns, dropna=False).ngroup()`` would give up to numbering: each column's
    codes (categories' own, else factorized) combined into one integer, factorized once."""
    codes, sizes = [], []
    for c in columns:
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            k, n = s.cat.codes.to_numpy().astype(np.int64), len(s.cat.categories)
        else:
            f, uniques = pd.factorize(s, use_na_sentinel=True)
            k, n = f.astype(np.int64), len(uniques)
        codes.append(k + 1)  # NaN (-1) becomes 0
        sizes.append(n + 1)
    if math.prod(sizes) >= 2**62:  # the combined key would overflow: let pandas group
        return df.groupby(columns, sort=False, dropna=False, observed=True).ngroup().to_numpy()
    key = np.zeros(len(df), dtype=np.int64)
    for k, n in zip(codes, sizes, strict=True):
        key = key * n + k
    return pd.factorize(key)[0]


def _dk(s: pd.Series) -> pd.Series:
    """Dates as dd-mm-yyyy (NaN for none), each distinct date formatted once."""
    codes, uniques = pd.factorize(s)
    if not len(uniques) or (codes < 0).any():
        return s.dt.strftime("%d-%m-%Y")
    text = pd.DatetimeIndex(uniques).strftime("%d-%m-%Y")
    return pd.Series(text.take(codes), index=s.index)


def event_checks(ev: pd.DataFrame, p: pd.DataFrame, protocol: Protocol) -> EventCheckResult:
    """All event-level inconsistencies, vectorised over the log."""
    out: list[pd.DataFrame] = []
    known_citizen = ev["citizen_id"].isin(p["citizen_id"])
    known_comp = ev["component"].isin(protocol.component_ids)
    if (~known_citizen).any():
        out.append(
            _rows(
                ev,
                ~known_citizen,
                "event.unknown_citizen",
                "fejl",
                "borgeren findes ikke i deltagerregistret; hændelsen er ikke talt med",
            )
        )
    if (~known_comp).any():
        out.append(
            _rows(
                ev,
                ~known_comp,
                "event.unknown_component",
                "fejl",
                lambda sub: (
                    "komponenten '"
                    + sub["component"].astype(str)
                    + f"' findes ikke i protokollen {protocol.name}; "
                    "hændelsen er ikke talt med"
                ).to_numpy(),
            )
        )
    # One grouping gives both the repeats and the row each repeats (NaN equal to NaN, as in
    # DataFrame.duplicated): ids number the groups 0, 1, ... in order of first appearance.
    ids = _group_ids(ev, DUPLICATE_KEY)
    first_at = np.unique(ids, return_index=True)[1][ids] if len(ids) else ids
    dup = first_at != np.arange(len(ids))
    if dup.any():
        first_row = pd.Series(ev["row"].to_numpy()[first_at], index=ev.index)
        out.append(
            _rows(
                ev,
                pd.Series(dup, index=ev.index),
                "event.duplicate",
                "advarsel",
                lambda sub: (
                    "samme hændelse som række "
                    + first_row[sub.index].astype(str)
                    + "; talt med én gang"
                ).to_numpy(),
            )
        )
    usable = known_citizen & known_comp & ~pd.Series(dup, index=ev.index)

    pi = p.set_index("citizen_id")
    ok = ev.loc[known_citizen]
    start = lookup(ok["citizen_id"], pi["start_date"])
    end = lookup(ok["citizen_id"], pi["end_date"])
    withdrawn = lookup(ok["citizen_id"], pi["withdrawn_date"])
    arm = lookup(ok["citizen_id"], pi["arm"].astype(object))
    delivered = ok["status"].eq("delivered")
    before = start.notna() & (ok["date"] < start)
    if before.any():
        out.append(
            _rows(
                ok,
                before,
                "event.before_start",
                "fejl",
                lambda sub: (
                    "dato " + _dk(sub["date"]) + " ligger før startdato " + _dk(start[sub.index])
                ).to_numpy(),
            )
        )
    stop = end.where(withdrawn.isna() | (end.notna() & (end < withdrawn)), withdrawn)
    after = stop.notna() & (ok["date"] > stop)
    if after.any():
        out.append(
            _rows(
                ok,
                after,
                "event.after_end",
                "fejl",
                lambda sub: (
                    "dato "
                    + _dk(sub["date"])
                    + " ligger efter slut/udtræden "
                    + _dk(stop[sub.index])
                ).to_numpy(),
            )
        )
    no_start = start.isna() & delivered
    if no_start.any():
        out.append(
            _rows(
                ok,
                no_start,
                "event.not_started",
                "advarsel",
                "leveret til en borger uden startdato i registret",
            )
        )
    # Each citizen's arm judged once, then looked up per event.
    in_control = pi["arm"].astype(object).astype(str).str.strip().str.lower().isin(CONTROL_ARMS)
    control = lookup(ok["citizen_id"], in_control).astype(bool) & delivered
    if control.any():
        out.append(
            _rows(
                ok,
                control,
                "event.control_arm",
                "advarsel",
                lambda sub: (
                    "leveret til en borger i kontrolarmen (" + arm[sub.index].astype(str) + ")"
                ).to_numpy(),
            )
        )
    out.extend(_prerequisite_checks(ev.loc[usable & ev["status"].eq("delivered")], protocol))
    checks = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=CHECK_COLUMNS)
    return EventCheckResult(checks, usable)


def _prerequisite_checks(dv: pd.DataFrame, protocol: Protocol) -> list[pd.DataFrame]:
    """A component timed from another (within_days_of) cannot come before that one."""
    out = []
    for comp in protocol.components:
        if not comp.within_days_of:
            continue
        first = (
            dv.loc[dv["component"].eq(comp.within_days_of)]
            .groupby("citizen_id", observed=True)["date"]
            .min()
        )
        sub = dv.loc[dv["component"].eq(comp.id)]
        anchor = lookup(sub["citizen_id"], first.set_axis(first.index.astype(str)))
        bad = anchor.isna() | (sub["date"] < anchor)
        if bad.any():
            out.append(
                _rows(
                    sub,
                    bad,
                    "event.before_prerequisite",
                    "fejl",
                    lambda s, c=comp, a=anchor: np.where(
                        a[s.index].isna(),
                        f"'{c.id}' leveret, men '{c.within_days_of}' er aldrig leveret til borgeren",
                        f"'{c.id}' leveret før første '{c.within_days_of}'",
                    ),
                )
            )
    return out
