"""Protocol rules beyond count-within-days, each vectorised over the log (no loop per event).

Used by ``tally.per_citizen``: which events count for a component (required parties, mode or
place, stepped after another component, at the end of the course), whose clock (any register
date column), continuing contact across the whole course with a tolerance, team-level
recurring events, hour budgets per profession, caseload per staff member.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qualkit.errors import InputError

from .frames import lookup, parse_dates
from .protocol import Component, Protocol
from .register import DATE_COLUMNS

_SPLIT = re.compile(r"\s*(?:\+|,|;|/|&|\bog\b|\band\b)\s*")
YES_WORDS = {"ja", "yes", "1", "true", "j", "y", "sand"}


def roles_of(values: pd.Series) -> pd.Series:
    """staff_role cells -> frozensets of roles ("jobkonsulent+læge" -> {jobkonsulent, læge}),
    parsed once per distinct value."""
    cats = pd.Series(values.astype("category").cat.categories.astype(str))
    parsed = {v: frozenset(r for r in _SPLIT.split(v.strip().lower()) if r) for v in cats}
    return values.astype(str).map(parsed)


def column_dates(p: pd.DataFrame, column: str, where: str) -> pd.Series:
    """A participant date column (register date, or a date attribute such as sick-listing)."""
    if column not in p:
        raise InputError(f"{where}: registret har ingen kolonne '{column}' (from)")
    s = p[column]
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    text = s.astype(object).where(s.notna(), "").astype(str)
    parsed, bad = parse_dates(text)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where}: kolonnen '{column}' har '{text.iloc[row]}', som ikke er en dato "
            f"(borger {p['citizen_id'].iloc[row]})"
        )
    return parsed.astype("datetime64[ns]")


def yes_column(p: pd.DataFrame, column: str) -> pd.Series:
    if column not in p:
        return pd.Series(False, index=p.index)
    s = p[column]
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False)
    return s.astype(str).str.strip().str.lower().isin(YES_WORDS)


def clock(p: pd.DataFrame, protocol: Protocol, column: str | None) -> pd.Series:
    """Per citizen (index citizen_id) the date the clock starts from."""
    col = column or protocol.reference_date
    dates = p[col] if col in DATE_COLUMNS else column_dates(p, col, f"protocol {protocol.name}")
    return pd.Series(dates.to_numpy(), index=p["citizen_id"].to_numpy())


def course_end(p: pd.DataFrame, cutoff: pd.Timestamp | None) -> pd.Series:
    """When a citizen's course stopped: dropout, withdrawal or end; else the data cut-off."""
    stop = p["end_date"]
    for c in ("dropout_date", "withdrawn_date"):
        if c in p:
            stop = stop.where(stop.notna() & (p[c].isna() | (stop <= p[c])), p[c])
    if cutoff is not None:
        stop = stop.fillna(cutoff)
    return pd.Series(stop.to_numpy(), index=p["citizen_id"].to_numpy())


def counting_events(
    sub: pd.DataFrame, comp: Component, first: pd.DataFrame, end: pd.Series
) -> pd.DataFrame:
    """The delivered events of one component that count under its rules."""
    keep = pd.Series(True, index=sub.index)
    if comp.parties:
        need = frozenset(comp.parties)
        keep &= roles_of(sub["staff_role"]).map(lambda r: need <= r).astype(bool)
    if comp.modes:
        keep &= sub["mode"].astype(str).str.strip().str.lower().isin(comp.modes)
    if comp.after:
        anchor = first[comp.after] if comp.after in first else pd.Series(dtype="datetime64[ns]")
        a = lookup(sub["citizen_id"], anchor.set_axis(anchor.index.astype(str)))
        keep &= a.notna() & (sub["date"] >= a)
    if comp.at_end is not None:
        before, after = comp.at_end
        e = lookup(sub["citizen_id"], end)
        keep &= (
            e.notna()
            & (sub["date"] >= e - pd.Timedelta(days=before))
            & (sub["date"] <= e + pd.Timedelta(days=after))
        )
    return sub.loc[keep]


def continuing(
    sub: pd.DataFrame, comp: Component, start: pd.Series, end: pd.Series, index: pd.Index
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Contact across the course: (longest gap in days including before the first and after
    the last delivery, share of every_days periods with a delivery, met)."""
    every = int(comp.every_days or 1)
    st = start.reindex(index)
    en = end.reindex(index)
    days = (en - st).dt.days
    s = sub.assign(_st=lookup(sub["citizen_id"], start), _en=lookup(sub["citizen_id"], end))
    s = s.loc[(s["date"] >= s["_st"]) & (s["date"] <= s["_en"])].sort_values(["citizen_id", "date"])
    cid = s["citizen_id"].astype(str)
    inner = s.groupby(cid, observed=True)["date"].diff().dt.days
    max_inner = inner.groupby(cid).max().reindex(index)
    first = s.groupby(cid)["date"].min().reindex(index)
    last = s.groupby(cid)["date"].max().reindex(index)
    head = (first - st).dt.days
    tail = (en - last).dt.days
    gap = pd.concat([max_inner, head, tail], axis=1).max(axis=1)
    gap = gap.where(first.notna(), days)
    periods = np.ceil(days.clip(lower=1) / every)
    period_of = ((s["date"] - s["_st"]).dt.days // every).clip(upper=None)
    covered = (
        pd.DataFrame({"c": cid.to_numpy(), "k": period_of.to_numpy()})
        .drop_duplicates()
        .groupby("c")
        .size()
        .reindex(index)
        .fillna(0)
    )
    share = (covered / periods).clip(upper=1.0)
    if comp.min_share is not None:
        met = share >= comp.min_share
    else:
        met = gap <= every + comp.tolerance_days
    return gap.astype("Int64"), share, (met & st.notna() & en.notna()).astype(bool)


def team_table(team_ev: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Per team (the id logged in citizen_id) and team component: meetings, longest gap, met."""
    rows = []
    for comp in (c for c in protocol.components if c.team):
        sub = team_ev.loc[team_ev["component"].eq(comp.id) & team_ev["status"].eq("delivered")]
        if sub.empty:
            continue
        s = sub.sort_values(["citizen_id", "date"])
        team = s["citizen_id"].astype(str)
        gaps = s.groupby(team)["date"].diff().dt.days.groupby(team).max()
        g = s.groupby(team)["date"].agg(["min", "max", "size"])
        for t, r in g.iterrows():
            gap = gaps.get(t)
            gap = int(gap) if pd.notna(gap) else 0
            rows.append(
                {
                    "team": t,
                    "component": comp.id,
                    "events": int(r["size"]),
                    "first": r["min"],
                    "last": r["max"],
                    "max_gap": gap,
                    "met": gap <= int(comp.every_days or 0) + comp.tolerance_days,
                }
            )
    cols = ["team", "component", "events", "first", "last", "max_gap", "met"]
    return pd.DataFrame(rows, columns=cols)


def minutes_by_role(dv: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Minutes per citizen and staff role; an event with several roles counts for each."""
    roles = roles_of(dv["staff_role"])
    exploded = pd.DataFrame(
        {"citizen_id": dv["citizen_id"].astype(str), "role": roles, "minutes": dv["minutes"]}
    ).explode("role")
    exploded = exploded.loc[exploded["role"].notna()]
    return (
        exploded.groupby(["citizen_id", "role"])["minutes"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(index)
        .fillna(0.0)
    )


def budget_hours(p: pd.DataFrame, protocol: Protocol, index: pd.Index) -> pd.DataFrame:
    """Planned hours per citizen and role: the package's (package column) or the one budget."""
    roles = sorted(set(protocol.budget_hours) | {r for h in protocol.packages.values() for r in h})
    base = pd.DataFrame(
        {r: float(protocol.budget_hours.get(r, np.nan)) for r in roles}, index=index
    )
    if protocol.package_column:
        if protocol.package_column not in p:
            # No package column in this register: no budget to compare with (empty cells).
            return base
        pk = pd.Series(
            p[protocol.package_column].astype(object).to_numpy(), index=p["citizen_id"].to_numpy()
        ).reindex(index)
        for name, hours in protocol.packages.items():
            sel = pk.astype(str).str.strip().eq(name)
            for r in roles:
                base.loc[sel, r] = hours.get(r, 0.0)
    return base


def caseload_table(dv: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Distinct citizens per staff member of the caseload role."""
    cl = protocol.caseload
    cols = ["staff_id", "citizens", "min", "max"]
    if cl is None or dv.empty:
        return pd.DataFrame(columns=cols)
    mine = dv.loc[roles_of(dv["staff_role"]).map(lambda r: cl.staff_role in r).astype(bool)]
    ids = mine["staff_id"].astype(str).str.split(r"\s*\+\s*").explode()
    frame = pd.DataFrame(
        {"staff_id": ids, "citizen_id": mine["citizen_id"].astype(str).reindex(ids.index)}
    )
    frame = frame.loc[frame["staff_id"].ne("")]
    n = frame.groupby("staff_id")["citizen_id"].nunique()
    return pd.DataFrame(
        {"staff_id": n.index, "citizens": n.to_numpy(), "min": cl.min, "max": cl.max},
        columns=cols,
    )
