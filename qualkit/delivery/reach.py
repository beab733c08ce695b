"""Reach with representativeness: do those reached differ from the eligible not reached?

RE-AIM reach is a share *and* a comparison. The population is everyone in the
register who is not marked ineligible and is not in a control arm; participants
are those reached by the intervention (the protocol's ``reached_when``), the
others are eligible non-participants. Every descriptive attribute (and site)
is compared: numbers by mean (sd) with Welch's t-test and Mann-Whitney U,
categories by counts with Fisher's exact test (2x2) or chi-square (`reachstats`: scipy.stats'
formulas without its second of start-up).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualkit.tabular import format_n_pct, format_number_dk

from .checks import CONTROL_ARMS
from .reachstats import chi2_p, fisher_p, mann_whitney_p, welch_p

REACH_COLUMNS = [
    "attribute",
    "level",
    "kind",
    "participants",
    "non_participants",
    "test",
    "p_value",
]


def _p(x: float | None) -> str:
    if x is None or not np.isfinite(x):
        return ""
    return "< 0,001" if x < 0.001 else format_number_dk(x, 3)


def _numeric(s: pd.Series) -> pd.Series | None:
    v = s.dropna()
    v = v[v.astype(str).str.strip().ne("")]
    if v.empty:
        return None
    num = pd.to_numeric(v.astype(str).str.replace(",", ".", regex=False), errors="coerce")
    return num.reindex(s.index) if num.notna().all() else None


def reach_table(p: pd.DataFrame, pc: pd.DataFrame, attributes: list[str]) -> pd.DataFrame:
    arm = p["arm"].astype(str).str.strip().str.lower()
    pop = ~p["eligible"].eq(False).fillna(False).astype(bool) & ~arm.isin(CONTROL_ARMS)
    reached = pd.Series(pc["reached"].to_numpy(), index=p.index).astype(bool)
    part, non = pop & reached, pop & ~reached
    rows: list[dict] = [
        {
            "attribute": "antal",
            "level": "",
            "kind": "count",
            "participants": str(int(part.sum())),
            "non_participants": str(int(non.sum())),
            "test": "",
            "p_value": "",
        }
    ]
    for attr in ["site", *attributes]:
        if attr not in p:
            continue
        col = p[attr]
        num = _numeric(col)
        if num is not None:
            a, b = num[part].dropna(), num[non].dropna()

            def desc(x: pd.Series) -> str:
                if x.empty:
                    return ""
                sd = format_number_dk(float(x.std(ddof=1)), 1) if len(x) > 1 else "-"
                return f"{format_number_dk(float(x.mean()), 1)} (sd {sd}; n {len(x)})"

            t_p = mw_p = None
            if len(a) > 1 and len(b) > 1:
                t_p = welch_p(a.to_numpy(dtype=float), b.to_numpy(dtype=float))
                mw_p = mann_whitney_p(a.to_numpy(dtype=float), b.to_numpy(dtype=float))
            rows.append(
                {
                    "attribute": attr,
                    "level": "",
                    "kind": "mean",
                    "participants": desc(a),
                    "non_participants": desc(b),
                    "test": "Welch t-test",
                    "p_value": _p(t_p),
                }
            )
            rows.append(
                {
                    "attribute": attr,
                    "level": "",
                    "kind": "mean",
                    "participants": desc(a),
                    "non_participants": desc(b),
                    "test": "Mann-Whitney U",
                    "p_value": _p(mw_p),
                }
            )
            continue
        cat = col.astype(object).where(col.notna(), "(ukendt)").astype(str)
        table = pd.crosstab(cat[pop], part[pop]).reindex(columns=[True, False], fill_value=0)
        test, pv = "", None
        if table.shape[0] >= 2 and table.to_numpy().sum() > 0 and (table.sum(axis=0) > 0).all():
            if table.shape == (2, 2):
                test, pv = "Fisher", fisher_p(table.to_numpy())
            else:
                test, pv = "chi-i-anden", chi2_p(table.to_numpy())
        n_part, n_non = int(part.sum()), int(non.sum())
        for i, (level, r) in enumerate(table.iterrows()):
            rows.append(
                {
                    "attribute": attr,
                    "level": str(level),
                    "kind": "count",
                    "participants": format_n_pct(int(r[True]), n_part),
                    "non_participants": format_n_pct(int(r[False]), n_non),
                    "test": test if i == 0 else "",
                    "p_value": _p(pv) if i == 0 else "",
                }
            )
    return pd.DataFrame(rows, columns=REACH_COLUMNS)
