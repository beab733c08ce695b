"""Per-citizen reach, fidelity and dose, and their summary by arm and site.

Every figure of a report table is computed from the same per-citizen frame,
so totals and shares cannot disagree with each other (the back-pain report
printed 55 + 11 + 1 = 69 and 69/132 = 51 %). Vectorised pandas throughout:
one pass per protocol component, none per event.

Counting rules (also in README "Optællinger"):
- only events with status delivered count; no_show and cancelled are counted apart;
- events for citizens not in the register, or for components not in the
  protocol, are left out and reported in checks.csv; an exact duplicate row is
  counted once and reported;
- events before start or after end are counted (they happened) and reported;
- a core component is met when at least ``min_count`` deliveries fall within
  ``within_days`` of the reference date (or of the first delivery of
  ``within_days_of``), and, with ``every_days``, no gap between consecutive
  deliveries is longer than ``every_days``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qualkit.errors import InputError
from qualkit.tabular import format_n_pct, format_number_dk

from .checks import event_checks
from .flow import ALL, CHECK_COLUMNS, flow_checks, flow_table
from .frames import lookup
from .protocol import Protocol, parse_bin
from .reach import reach_table
from .register import DATE_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterator

SUMMARY_COLUMNS = ["arm", "site", "measure", "subgroup", "category", "n", "denominator", "value"]
NONE_LABEL = "(ingen)"


@dataclass
class TallyResult:
    per_citizen: pd.DataFrame
    summary: pd.DataFrame
    flow: pd.DataFrame
    checks: pd.DataFrame
    reach: pd.DataFrame


MEASURE_LABELS = {
    "citizens": "Borgere",
    "reached": "Nået",
    "events_delivered": "Leverede hændelser",
    "minutes_delivered": "Leverede minutter",
    "combination": "Komponenter modtaget",
    "fidelity": "Kernekomponenter opfyldt",
    "high_fidelity": "Høj fidelitet",
    "high_fidelity_reached": "Høj fidelitet blandt nåede",
    "minutes_share_median_reached": "Minutter leveret/planlagt (median blandt nåede)",
    "events": "Hændelser",
    "dose": "Dosis",
    "met": "Opfyldt",
    "on_time": "Til tiden",
}


def measure_label(measure: str) -> str:
    """Danish label for a summary measure id ('dose:samtale' -> 'Dosis: samtale')."""
    head, _, comp = measure.partition(":")
    if head == "citizens" and comp:
        return f"Borgere med {comp}"
    label = MEASURE_LABELS.get(head, head)
    return f"{label}: {comp}" if comp else label


def validate_for_tally(protocol: Protocol) -> None:
    """Protocols are validated on load; this guards protocols built in code."""
    if protocol.reference_date not in DATE_COLUMNS:
        raise InputError(
            f"protocol {protocol.name}: reference_date '{protocol.reference_date}' is not "
            f"a date column of the register ({', '.join(DATE_COLUMNS)})"
        )
    for b in protocol.dose_bins:
        parse_bin(b, f"protocol {protocol.name}")


def dose_bin(counts: pd.Series, bins: list[str]) -> pd.Series:
    conds, labels = [], []
    for b in bins:
        lo, hi = parse_bin(b)
        conds.append((counts >= lo) & (counts <= hi))
        labels.append(b)
    return pd.Series(np.select(conds, labels, default=""), index=counts.index)


def per_citizen(
    p: pd.DataFrame, dv: pd.DataFrame, other: pd.DataFrame, protocol: Protocol
) -> pd.DataFrame:
    """One row per register person. ``dv``: usable delivered events; ``other``: usable non-delivered."""
    ids = p["citizen_id"]
    out = pd.DataFrame(
        {"citizen_id": ids.to_numpy(), "arm": p["arm"].to_numpy(), "site": p["site"].to_numpy()},
        index=ids.to_numpy(),
    )
    comps = [c.id for c in protocol.components]
    counts = (
        dv.groupby(["citizen_id", "component"], observed=True)
        .size()
        .unstack(fill_value=0)
        .reindex(index=out.index, columns=comps, fill_value=0)
        .fillna(0)
        .astype(int)
    )
    out["events_delivered"] = counts.sum(axis=1)
    out["minutes_delivered"] = (
        dv.groupby("citizen_id", observed=True)["minutes"].sum().reindex(out.index).fillna(0.0)
    )
    if protocol.reached_when == "any_delivered":
        out["reached"] = out["events_delivered"] > 0
    else:
        out["reached"] = counts[list(protocol.reached_when)].sum(axis=1) > 0
    for c in comps:
        out[f"n_{c}"] = counts[c]
    ref = p.set_index("citizen_id")[protocol.reference_date]
    first = (
        dv.groupby(["citizen_id", "component"], observed=True)["date"]
        .min()
        .unstack()
        .reindex(index=out.index)
    )
    met_cols = []
    for comp in protocol.components:
        sub = dv.loc[dv["component"].eq(comp.id)]
        n = counts[comp.id]
        met = n >= comp.min_count
        if comp.within_days is not None:
            if comp.within_days_of:
                anchor = (
                    first[comp.within_days_of]
                    if comp.within_days_of in first
                    else pd.Series(pd.NaT, index=out.index)
                )
            else:
                anchor = ref.reindex(out.index)
            deadline = anchor + pd.to_timedelta(comp.within_days, unit="D")
            on_time_n = (
                (sub["date"] <= lookup(sub["citizen_id"], deadline))
                .groupby(sub["citizen_id"], observed=True)
                .sum()
            )
            on_time_n = on_time_n.reindex(out.index).fillna(0)
            fc = first[comp.id] if comp.id in first else pd.Series(pd.NaT, index=out.index)
            out[f"days_to_{comp.id}"] = (fc - anchor).dt.days.astype("Int64")
            out[f"on_time_{comp.id}"] = fc.notna() & anchor.notna() & (fc <= deadline)
            met &= anchor.notna() & (on_time_n >= max(comp.min_count, 1))
        if comp.every_days is not None:
            s = sub.sort_values(["citizen_id", "date"])
            gaps = s.groupby("citizen_id", observed=True)["date"].diff().dt.days
            max_gap = gaps.groupby(s["citizen_id"], observed=True).max().reindex(out.index)
            out[f"max_gap_{comp.id}"] = max_gap.astype("Int64")
            met &= max_gap.isna() | (max_gap <= comp.every_days)
            met &= n >= max(comp.min_count, 1)
        if comp.core:
            out[f"met_{comp.id}"] = met
            met_cols.append(f"met_{comp.id}")
    out["core_met"] = out[met_cols].sum(axis=1).astype(int) if met_cols else 0
    out["core_total"] = len(met_cols)
    out["fidelity_score"] = (out["core_met"] / len(met_cols)) if met_cols else np.nan
    out["high_fidelity"] = out["fidelity_score"] >= protocol.high_fidelity
    has = counts > 0
    combo = pd.Series("", index=out.index)
    for c in comps:
        combo = combo + np.where(has[c], c + "+", "")
    out["components"] = combo.str.rstrip("+").replace("", NONE_LABEL)
    planned = sum((c.planned_minutes or 0) * max(c.min_count, 1) for c in protocol.components)
    out["minutes_planned"] = float(planned) if planned else np.nan
    out["minutes_share"] = out["minutes_delivered"] / planned if planned else np.nan
    status_n = (
        other.groupby(["citizen_id", "status"], observed=True)
        .size()
        .unstack(fill_value=0)
        .reindex(out.index)
    )
    for st in ("no_show", "cancelled"):
        out[f"events_{st}"] = (
            (status_n[st] if st in status_n else pd.Series(0, index=out.index))
            .fillna(0)
            .astype(int)
        )
    out["first_event"] = dv.groupby("citizen_id", observed=True)["date"].min().reindex(out.index)
    out["last_event"] = dv.groupby("citizen_id", observed=True)["date"].max().reindex(out.index)
    if protocol.max_days is not None:
        stop = p.set_index("citizen_id")["end_date"].reindex(out.index).fillna(out["last_event"])
        out["course_days"] = (stop - ref.reindex(out.index)).dt.days.astype("Int64")
        out["within_max_days"] = out["course_days"].isna() | (
            out["course_days"] <= protocol.max_days
        )
    lead = ["citizen_id", "arm", "site", "reached", "events_delivered", "minutes_delivered"]
    return out[lead + [c for c in out.columns if c not in lead]].reset_index(drop=True)


def _groups(pc: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame]]:
    yield ALL, ALL, pc
    for site, gs in pc.groupby(pc["site"].fillna("(intet sted)"), sort=True):
        yield ALL, str(site), gs
    for arm, g in pc.groupby(pc["arm"].fillna("(ingen arm)"), sort=True):
        yield str(arm), ALL, g
        for site, gs in g.groupby(g["site"].fillna("(intet sted)"), sort=True):
            yield str(arm), str(site), gs


def summary_table(pc: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Long table: one row per (arm, site, measure, subgroup, category), value written the Danish way."""
    rows: list[dict] = []
    comps = [c.id for c in protocol.components]

    def add(
        arm: str,
        site: str,
        measure: str,
        n: float,
        denom: float | None = None,
        subgroup: str = "",
        category: str = "",
        value: str | None = None,
    ) -> None:
        if value is None:
            value = format_n_pct(int(n), int(denom)) if denom is not None else str(int(n))
        rows.append(
            {
                "arm": arm,
                "site": site,
                "measure": measure,
                "subgroup": subgroup,
                "category": category,
                "n": n,
                "denominator": denom,
                "value": value,
            }
        )

    for arm, site, g in _groups(pc):
        total = len(g)
        reached = g.loc[g["reached"]]
        add(arm, site, "citizens", total)
        add(arm, site, "reached", len(reached), total)
        add(arm, site, "events_delivered", int(g["events_delivered"].sum()))
        mins = float(g["minutes_delivered"].sum())
        add(arm, site, "minutes_delivered", mins, value=format_number_dk(mins, 0))
        for c in comps:
            add(arm, site, f"events:{c}", int(g[f"n_{c}"].sum()))
            add(arm, site, f"citizens:{c}", int((g[f"n_{c}"] > 0).sum()), total)
        for combo, n in reached["components"].value_counts().sort_index().items():
            add(arm, site, "combination", int(n), len(reached), category=str(combo))
        for c in comps:
            got = g.loc[g[f"n_{c}"] > 0]
            bins = dose_bin(got[f"n_{c}"], protocol.dose_bins)
            overall = bins.value_counts()
            for b in protocol.dose_bins:
                add(arm, site, f"dose:{c}", int(overall.get(b, 0)), len(got), category=b)
            if len(got):
                # Dose within each combination of components (the back-pain table's "27/23/5").
                table = pd.crosstab(got["components"], bins)
                for combo, row in table.iterrows():
                    for b in protocol.dose_bins:
                        add(
                            arm,
                            site,
                            f"dose:{c}",
                            int(row.get(b, 0)),
                            int(row.sum()),
                            subgroup=str(combo),
                            category=b,
                        )
        core_total = int(pc["core_total"].max()) if len(pc) else 0
        if core_total:
            for k in range(core_total + 1):
                add(
                    arm,
                    site,
                    "fidelity",
                    int((g["core_met"] == k).sum()),
                    total,
                    category=f"{k} af {core_total}",
                )
            add(
                arm,
                site,
                "high_fidelity",
                int(g["high_fidelity"].sum()),
                total,
                category=f">= {format_number_dk(protocol.high_fidelity * 100, 0)} %",
            )
            add(
                arm,
                site,
                "high_fidelity_reached",
                int(reached["high_fidelity"].sum()),
                len(reached),
                category=f">= {format_number_dk(protocol.high_fidelity * 100, 0)} %",
            )
            for comp in protocol.core_components:
                add(arm, site, f"met:{comp.id}", int(g[f"met_{comp.id}"].sum()), total)
        for comp in protocol.components:
            if f"on_time_{comp.id}" in g:
                with_c = g.loc[g[f"n_{comp.id}"] > 0]
                add(
                    arm,
                    site,
                    f"on_time:{comp.id}",
                    int(with_c[f"on_time_{comp.id}"].sum()),
                    len(with_c),
                )
        if "minutes_share" in g and g["minutes_share"].notna().any():
            med = float(reached["minutes_share"].median()) if len(reached) else float("nan")
            add(
                arm,
                site,
                "minutes_share_median_reached",
                med,
                value="" if np.isnan(med) else format_number_dk(med * 100, 1) + " %",
            )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def tally(
    participants: pd.DataFrame,
    events: pd.DataFrame,
    protocol: Protocol,
    attributes: list[str] | None = None,
) -> TallyResult:
    """The whole report from a register frame, an event frame and a protocol."""
    validate_for_tally(protocol)
    ec = event_checks(events, participants, protocol)
    usable = events.loc[ec.usable]
    dv = usable.loc[usable["status"].eq("delivered")]
    other = usable.loc[~usable["status"].eq("delivered")]
    pc = per_citizen(participants, dv, other, protocol)
    parts = [c for c in (flow_checks(participants), ec.checks) if len(c)]
    checks = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CHECK_COLUMNS)
    return TallyResult(
        per_citizen=pc,
        summary=summary_table(pc, protocol),
        flow=flow_table(participants),
        checks=checks.reset_index(drop=True),
        reach=reach_table(participants, pc, attributes or []),
    )
