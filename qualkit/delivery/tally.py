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

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qualkit.errors import InputError
from qualkit.tabular import format_n_pct, format_number_dk

from .checks import event_checks
from .flow import ALL, CHECK_COLUMNS, TOTAL, flow_checks, flow_table
from .frames import lookup
from .protocol import Protocol, parse_bin
from .reach import reach_table
from .register import DATE_COLUMNS
from .reported import reported_checks
from .rules import (
    budget_hours,
    caseload_table,
    clock,
    continuing,
    counting_events,
    course_end,
    minutes_by_role,
    team_table,
    yes_column,
)

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
            f"protokol {protocol.name}: reference_date '{protocol.reference_date}' er ikke "
            f"en datokolonne i registret ({', '.join(DATE_COLUMNS)})"
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
    ref = clock(p, protocol, None)
    first = (
        dv.groupby(["citizen_id", "component"], observed=True)["date"]
        .min()
        .unstack()
        .reindex(index=out.index)
    )
    first.columns = first.columns.astype(str)
    cutoff = dv["date"].max() if len(dv) else None
    end = course_end(p, cutoff)
    end_known = pd.Series(p["end_date"].notna().to_numpy(), index=out.index)
    ext = pd.Series(0, index=out.index)
    if protocol.extension_column and protocol.extension_column in p:
        ext = pd.Series(
            pd.to_numeric(p[protocol.extension_column], errors="coerce").fillna(0).to_numpy(),
            index=out.index,
        ).astype(int)
    exempt = pd.Series([frozenset()] * len(out), index=out.index, dtype=object)
    if protocol.exemption_column and protocol.exemption_column in p:
        raw = (
            p[protocol.exemption_column]
            .astype(object)
            .where(p[protocol.exemption_column].notna(), "")
        )
        exempt = pd.Series(
            [frozenset(x for x in re.split(r"[\s,;+]+", str(v)) if x) for v in raw],
            index=out.index,
            dtype=object,
        )
    met_cols: list[str] = []
    applies_cols: list[str] = []
    counted: dict[str, pd.DataFrame] = {}
    for comp in protocol.components:
        if comp.team:
            continue
        sub = counting_events(dv.loc[dv["component"].eq(comp.id)], comp, first, end)
        counted[comp.id] = sub
        n = sub.groupby("citizen_id", observed=True).size().reindex(out.index).fillna(0).astype(int)
        if len(sub) != int(counts[comp.id].sum()):
            out[f"counted_{comp.id}"] = n
        met = n >= comp.min_count
        if comp.max_count is not None:
            met &= n <= comp.max_count
        start = clock(p, protocol, comp.clock) if comp.clock else ref
        if comp.within_days is not None:
            if comp.within_days_of:
                anchor = (
                    first[comp.within_days_of]
                    if comp.within_days_of in first
                    else pd.Series(pd.NaT, index=out.index)
                )
            else:
                anchor = start.reindex(out.index)
            deadline = anchor + pd.to_timedelta(comp.within_days + ext, unit="D")
            on_time_n = (
                (sub["date"] <= lookup(sub["citizen_id"], deadline))
                .groupby(sub["citizen_id"], observed=True)
                .sum()
            )
            on_time_n = on_time_n.reindex(out.index).fillna(0)
            fc = sub.groupby("citizen_id", observed=True)["date"].min().reindex(out.index)
            out[f"days_to_{comp.id}"] = (fc - anchor).dt.days.astype("Int64")
            out[f"on_time_{comp.id}"] = fc.notna() & anchor.notna() & (fc <= deadline)
            met &= anchor.notna() & (on_time_n >= max(comp.min_count, 1))
        if comp.every_days is not None and comp.over_course:
            gap, share, cont = continuing(sub, comp, start, end, out.index)
            out[f"max_gap_{comp.id}"] = gap
            out[f"share_{comp.id}"] = share
            met &= cont
        elif comp.every_days is not None:
            srt = sub.sort_values(["citizen_id", "date"])
            gaps = srt.groupby("citizen_id", observed=True)["date"].diff().dt.days
            max_gap = gaps.groupby(srt["citizen_id"], observed=True).max().reindex(out.index)
            out[f"max_gap_{comp.id}"] = max_gap.astype("Int64")
            met &= max_gap.isna() | (max_gap <= comp.every_days + comp.tolerance_days)
            met &= n >= max(comp.min_count, 1)
        applies = ~exempt.map(lambda e, c=comp.id: c in e).astype(bool)
        if comp.required_when:
            applies &= pd.Series(yes_column(p, comp.required_when).to_numpy(), index=out.index)
        if comp.at_end is not None:
            applies &= end_known  # an end-of-course rule applies once the course has ended
        if comp.core:
            out[f"met_{comp.id}"] = met & applies
            if not applies.all():
                out[f"applies_{comp.id}"] = applies
            met_cols.append(f"met_{comp.id}")
            applies_cols.append(applies)
    for b in protocol.bundles:
        start = (clock(p, protocol, b.clock) if b.clock else ref).reindex(out.index)
        deadline = start + pd.to_timedelta(b.within_days + ext, unit="D")
        ok = pd.Series(True, index=out.index)
        for cid in b.components:
            sub = counted.get(cid, dv.iloc[0:0])
            fc = sub.groupby("citizen_id", observed=True)["date"].min().reindex(out.index)
            ok &= fc.notna() & start.notna() & (fc <= deadline)
        out[f"met_bundle_{b.id}"] = ok
        if b.core:
            met_cols.append(f"met_bundle_{b.id}")
            applies_cols.append(pd.Series(True, index=out.index))
    out["core_met"] = out[met_cols].sum(axis=1).astype(int) if met_cols else 0
    out["core_total"] = (
        pd.concat(applies_cols, axis=1).sum(axis=1).astype(int) if applies_cols else 0
    )
    out["fidelity_score"] = (
        (out["core_met"] / out["core_total"].where(out["core_total"] > 0)).astype(float)
        if met_cols
        else np.nan
    )
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
            out["course_days"] <= protocol.max_days + ext
        )
    if protocol.budget_hours or protocol.packages:
        mins = minutes_by_role(dv, out.index)
        budget = budget_hours(p, protocol, out.index)
        for role in budget.columns:
            hours = (mins[role] if role in mins else pd.Series(0.0, index=out.index)) / 60
            out[f"hours_{role}"] = hours.round(2)
            out[f"budget_hours_{role}"] = budget[role]
            out[f"budget_share_{role}"] = hours / budget[role].where(budget[role] > 0)
    lead = ["citizen_id", "arm", "site", "reached", "events_delivered", "minutes_delivered"]
    return out[lead + [c for c in out.columns if c not in lead]].reset_index(drop=True)


def _groups(pc: pd.DataFrame):
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

    def add(arm, site, measure, n, denom=None, subgroup=ALL, category=TOTAL, value=None):
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

    bounds = [parse_bin(b) for b in protocol.dose_bins]
    for arm, site, g in _groups(pc):
        total = len(g)
        is_reached = g["reached"].to_numpy(dtype=bool)
        reached = g.loc[is_reached]
        combos = g["components"].to_numpy(dtype=object)
        add(arm, site, "citizens", total)
        add(arm, site, "reached", len(reached), total)
        add(arm, site, "events_delivered", int(g["events_delivered"].sum()))
        mins = float(g["minutes_delivered"].sum())
        add(arm, site, "minutes_delivered", mins, value=format_number_dk(mins, 0))
        n_of = {c: g[f"n_{c}"].to_numpy() for c in comps}
        for c in comps:
            add(arm, site, f"events:{c}", int(n_of[c].sum()))
            add(arm, site, f"citizens:{c}", int((n_of[c] > 0).sum()), total)
        for combo, n in sorted(Counter(combos[is_reached].tolist()).items()):
            add(arm, site, "combination", int(n), len(reached), category=str(combo))
        for c in comps:
            has = n_of[c] > 0
            got_n, got_combo = n_of[c][has], combos[has].tolist()
            labels = np.select(
                [(got_n >= lo) & (got_n <= hi) for lo, hi in bounds], protocol.dose_bins, ""
            ).tolist()
            overall = Counter(labels)
            for b in protocol.dose_bins:
                add(arm, site, f"dose:{c}", int(overall.get(b, 0)), len(got_n), category=b)
            # Dose within each combination of components (the back-pain table's "27/23/5").
            by_combo = Counter(zip(got_combo, labels, strict=True))
            for combo, n_combo in sorted(Counter(got_combo).items()):
                for b in protocol.dose_bins:
                    add(
                        arm,
                        site,
                        f"dose:{c}",
                        int(by_combo.get((combo, b), 0)),
                        int(n_combo),
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
    team_ids = [c.id for c in protocol.components if c.team]
    is_team = (
        events["component"].isin(team_ids) if team_ids else pd.Series(False, index=events.index)
    )
    team_ev = events.loc[is_team]
    events = events.loc[~is_team]
    ec = event_checks(events, participants, protocol)
    usable = events.loc[ec.usable]
    dv = usable.loc[usable["status"].eq("delivered")]
    other = usable.loc[~usable["status"].eq("delivered")]
    pc = per_citizen(participants, dv, other, protocol)
    teams = team_table(team_ev, protocol)
    caseload = caseload_table(dv, protocol)
    summary = summary_table(pc, protocol)
    extra = _rule_rows(teams, caseload, protocol)
    if len(extra):
        summary = pd.concat([summary, extra], ignore_index=True)
    flow = flow_table(participants, protocol.flow)
    parts = [
        c
        for c in (
            flow_checks(participants, protocol.flow),
            reported_checks(protocol.reported, flow, summary),
            ec.checks,
            _rule_checks(teams, caseload, protocol),
        )
        if len(c)
    ]
    checks = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CHECK_COLUMNS)
    return TallyResult(
        per_citizen=pc,
        summary=summary,
        flow=flow,
        checks=checks.reset_index(drop=True),
        reach=reach_table(participants, pc, attributes or []),
    )


def _rule_rows(teams: pd.DataFrame, caseload: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Summary rows for team-level events (per team) and caseload (per staff member)."""
    rows = []
    for r in teams.itertuples():
        base = {"arm": ALL, "site": r.team, "subgroup": ALL, "denominator": None}
        rows.append(
            {
                **base,
                "measure": f"team:{r.component}",
                "category": "møder",
                "n": r.events,
                "value": str(r.events),
            }
        )
        rows.append(
            {
                **base,
                "measure": f"team:{r.component}",
                "category": "længste pause (dage)",
                "n": r.max_gap,
                "value": str(r.max_gap),
            }
        )
        rows.append(
            {
                **base,
                "measure": f"team:{r.component}",
                "category": "opfyldt",
                "n": int(r.met),
                "value": "ja" if r.met else "nej",
            }
        )
    cl = protocol.caseload
    if cl is not None:  # caseload_table is empty without a caseload rule
        for r in caseload.itertuples():
            rows.append(
                {
                    "arm": ALL,
                    "site": ALL,
                    "subgroup": ALL,
                    "denominator": None,
                    "measure": f"caseload:{cl.staff_role}",
                    "category": r.staff_id,
                    "n": r.citizens,
                    "value": str(r.citizens),
                }
            )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _rule_checks(teams: pd.DataFrame, caseload: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    from .flow import aggregate_check

    out = []
    every = {c.id: c for c in protocol.components if c.team}
    for r in teams.loc[~teams["met"].astype(bool)].itertuples():
        c = every[r.component]
        # parse_protocol refuses a team component without every_days.
        assert c.every_days is not None
        out.append(
            aggregate_check(
                "team.gap",
                "advarsel",
                r.max_gap,
                f"{r.team}: '{c.label}' holdt pause i {r.max_gap} dage "
                f"(højst {c.every_days + c.tolerance_days})",
            )
        )
    cl = protocol.caseload
    if cl is not None:  # caseload_table is empty without a caseload rule
        for r in caseload.itertuples():
            if (cl.max is not None and r.citizens > cl.max) or (
                cl.min is not None and r.citizens < cl.min
            ):
                out.append(
                    aggregate_check(
                        "caseload.outside",
                        "advarsel",
                        r.citizens,
                        f"{cl.staff_role} {r.staff_id} har {r.citizens} borgere "
                        f"(protokol: {cl.min if cl.min is not None else '-'}-"
                        f"{cl.max if cl.max is not None else '-'})",
                    )
                )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=CHECK_COLUMNS)
