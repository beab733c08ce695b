"""The CONSORT-style study flow from the participant register, and the checks that it adds up.

Published flow charts have had stages that do not follow from the one before
(Ishøj: 152 screened - 55 excluded = 97, yet 60 randomised). Here every count
comes from the register itself, and every gap between stages is reported in
checks.csv with the number of people in it, unless the design explains it
(a gross list: eligible people who were never drawn; ``flowmodel.FlowModel``).

Stages (flow.csv ``stage``; labels from the design): screened, not_eligible,
eligible, excluded (by exclusion_reason), offered, declined_before (before
allocation, by declined_reason), randomised or allocated, not_allocated,
declined_after (after allocation; replaced or analysed), started, completed,
dropout (left the intervention: data kept, analysed by intention to treat),
withdrawn (consent withdrawn: data removed), ongoing, not_yet_followup,
in_analysis and lost_to_followup (per analysis, the analysis label as
category), qualitative. Rows without a category carry ``TOTAL``, so the CSV reads
back without empty cells.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from qualkit.tabular import YES

from .flowmodel import DEFAULT_FLOW, AfterAllocation, FlowModel

ALL = "alle"
TOTAL = "i alt"
NO_REASON = "(ingen årsag angivet)"
FLOW_COLUMNS = ["stage", "label", "category", "arm", "n"]
CHECK_COLUMNS = ["check", "severity", "citizen_id", "row", "count", "message"]
STAGE_LABELS = {
    "screened": "Screenet",
    "not_eligible": "Ikke egnet",
    "eligible": "Egnet",
    "excluded": "Ekskluderet",
    "offered": "Tilbudt",
    "declined_before": "Takkede nej før tildeling",
    "randomised": "Randomiseret",
    "allocated": "Tildelt",
    "not_allocated": "Egnet, ikke udtrukket",
    "declined_after": "Takkede nej efter tildeling",
    "started": "Startet",
    "completed": "Gennemført",
    "dropout": "Frafaldet (data bevaret)",
    "withdrawn": "Samtykke trukket tilbage",
    "ongoing": "Igangværende",
    "not_yet_followup": "Endnu ikke ved opfølgning",
    "in_analysis": "Indgår i analyse",
    "lost_to_followup": "Lost to follow-up",
    "qualitative": "Indgår i kvalitativt studie",
}
# Pairs of register dates that must come in this order (earlier, later).
DATE_ORDER = [
    ("screened_date", "randomised_date"),
    ("screened_date", "start_date"),
    ("consent_date", "start_date"),
    ("randomised_date", "start_date"),
    ("start_date", "end_date"),
    ("start_date", "withdrawn_date"),
    ("start_date", "dropout_date"),
    ("screened_date", "offered_date"),
]


def _col(p: pd.DataFrame, name: str) -> pd.Series:
    return p[name] if name in p else pd.Series(pd.NA, index=p.index, dtype=object)


def _text(p: pd.DataFrame, name: str) -> pd.Series:
    s = _col(p, name)
    return s.notna() & s.astype(str).str.strip().ne("") & s.astype(str).ne("None")


def _yes(p: pd.DataFrame, name: str | None) -> pd.Series:
    if not name or name not in p:
        return pd.Series(False, index=p.index)
    s = p[name]
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).astype(bool)
    return s.astype(str).str.strip().str.lower().isin(YES)


def stage_masks(p: pd.DataFrame, model: FlowModel = DEFAULT_FLOW) -> dict[str, pd.Series]:
    """Boolean masks per stage, one definition shared by the flow, the checks and the app."""
    allocated_any = _col(p, "randomised_date").notna() | _col(p, "arm").notna()
    reason = _text(p, "exclusion_reason")
    not_eligible = _col(p, "eligible").eq(False).fillna(False).astype(bool)
    declined = _col(p, "declined_date").notna() | _text(p, "declined_reason")
    declined_before = declined & ~allocated_any
    declined_after = declined & allocated_any
    replaced = declined_after & (model.declined_after == AfterAllocation.REPLACED)
    allocated = allocated_any & ~replaced
    excluded = (not_eligible | reason) & ~allocated_any & ~declined
    started = _col(p, "start_date").notna()
    withdrawn = _col(p, "withdrawn_date").notna()
    dropout = _col(p, "dropout_date").notna() & ~withdrawn
    completed = _col(p, "end_date").notna() & ~withdrawn & ~dropout
    m = {
        "screened": pd.Series(True, index=p.index),
        "not_eligible": not_eligible,
        "eligible": ~not_eligible,
        "excluded": excluded,
        "offered": _col(p, "offered_date").notna(),
        "declined_before": declined_before,
        "allocated": allocated,
        "allocated_any": allocated_any,
        "not_allocated": ~excluded & ~declined_before & ~allocated_any & ~not_eligible,
        "declined_after": declined_after,
        "replaced": replaced,
        "started": started,
        "completed": completed & started,
        "dropout": dropout,
        "withdrawn": withdrawn,
        "ongoing": started & ~completed & ~withdrawn & ~dropout,
        "reason": reason,
        "qualitative": allocated & _yes(p, model.qualitative),
    }
    m["randomised"] = m["allocated"]  # the old name, kept for callers
    if model.follow_up is not None:
        fu = model.follow_up
        as_of = pd.Timestamp(fu.as_of or date.today())
        start = pd.to_datetime(_col(p, fu.start), errors="coerce")
        due = start + pd.Timedelta(days=fu.days)
        m["not_yet_followup"] = allocated & ~withdrawn & (due.isna() | (due > as_of))
    else:
        m["not_yet_followup"] = pd.Series(False, index=p.index)
    base = allocated & ~withdrawn & ~m["not_yet_followup"]
    for a in model.analyses:
        lost = _yes(p, a.lost)
        m[f"in_analysis:{a.id}"] = base & ~lost
        m[f"lost_to_followup:{a.id}"] = base & lost
    return m


def _after_stages(model: FlowModel) -> list[tuple[str, str, str]]:
    """(stage, mask key, category) after allocation, in chart order."""
    out = [(s, s, TOTAL) for s in ("started", "completed", "dropout", "withdrawn", "ongoing")]
    if model.follow_up is not None:
        out.append(("not_yet_followup", "not_yet_followup", TOTAL))
    for a in model.analyses:
        out.append(("in_analysis", f"in_analysis:{a.id}", a.label))
        if a.lost:
            out.append(("lost_to_followup", f"lost_to_followup:{a.id}", a.label))
    if model.qualitative:
        out.append(("qualitative", "qualitative", TOTAL))
    return out


def _reasons(p: pd.DataFrame, mask: pd.Series, column: str) -> pd.Series:
    vals = _col(p, column)[mask]
    return vals.where(_text(p, column)[mask], NO_REASON).astype(str)


def flow_table(p: pd.DataFrame, model: FlowModel = DEFAULT_FLOW) -> pd.DataFrame:
    """Counts per stage; stages after allocation per arm and in total."""
    m = stage_masks(p, model)
    rows: list[dict] = []

    def add(stage: str, n: int, arm: str = ALL, category: str = TOTAL) -> None:
        rows.append(
            {
                "stage": stage,
                "label": model.label(stage, STAGE_LABELS[stage]),
                "category": category,
                "arm": arm,
                "n": int(n),
            }
        )

    for stage in ("screened", "not_eligible", "eligible"):
        add(stage, m[stage].sum())
    add("excluded", m["excluded"].sum())
    reasons = _reasons(p, m["excluded"], "exclusion_reason")
    for reason, n in reasons.value_counts(sort=False).sort_index().items():
        add("excluded", n, category=str(reason))
    if m["offered"].any():
        add("offered", m["offered"].sum())
    if m["declined_before"].any():
        add("declined_before", m["declined_before"].sum())
        for reason, n in (
            _reasons(p, m["declined_before"], "declined_reason").value_counts().items()
        ):
            add("declined_before", n, category=str(reason))
    arms = sorted(p.loc[m["allocated_any"], "arm"].dropna().astype(str).unique())
    arm_of = _col(p, "arm")
    alloc = model.allocation_stage
    add(alloc, m["allocated"].sum())
    for arm in arms:
        add(alloc, (m["allocated"] & arm_of.eq(arm)).sum(), arm=arm)
    if model.not_allocated_ok and m["not_allocated"].any():
        add("not_allocated", m["not_allocated"].sum())
    if m["declined_after"].any():
        for arm in (ALL, *arms):
            sel = m["declined_after"] & (arm_of.eq(arm) if arm != ALL else True)
            add("declined_after", sel.sum(), arm=arm)
            for reason, n in _reasons(p, sel, "declined_reason").value_counts().items():
                add("declined_after", n, arm=arm, category=str(reason))
    for stage, key, category in _after_stages(model):
        mask = m[key] & m["allocated"]
        add(stage, mask.sum(), category=category)
        for arm in arms:
            add(stage, (mask & arm_of.eq(arm)).sum(), arm=arm, category=category)
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def _per_citizen(
    p: pd.DataFrame, mask: pd.Series, check: str, severity: str, message
) -> pd.DataFrame:
    sub = p.loc[mask]
    msgs = message(sub) if callable(message) else message
    return pd.DataFrame(
        {
            "check": check,
            "severity": severity,
            "citizen_id": sub["citizen_id"].to_numpy(),
            "row": pd.NA,
            "count": 1,
            "message": msgs,
        },
        columns=CHECK_COLUMNS,
    )


def _ids(p: pd.DataFrame, mask: pd.Series, limit: int = 20) -> str:
    ids = p.loc[mask, "citizen_id"].astype(str).tolist()
    return ", ".join(ids[:limit]) + (f" og {len(ids) - limit} flere" if len(ids) > limit else "")


def aggregate_check(check: str, severity: str, count: int, message: str) -> pd.DataFrame:
    """One checks.csv row about a count (not one citizen): citizen_id ``ALL``."""
    return pd.DataFrame(
        [
            {
                "check": check,
                "severity": severity,
                "citizen_id": ALL,
                "row": pd.NA,
                "count": int(count),
                "message": message,
            }
        ],
        columns=CHECK_COLUMNS,
    )


def flow_checks(p: pd.DataFrame, model: FlowModel = DEFAULT_FLOW) -> pd.DataFrame:
    """Every place where a stage does not follow from the one before, or dates run backwards."""
    m = stage_masks(p, model)
    out: list[pd.DataFrame] = []
    n_screened, n_excl, n_alloc = (
        int(m["screened"].sum()),
        int(m["excluded"].sum() + m["declined_before"].sum()),
        int(m["allocated_any"].sum()),
    )
    gap = m["not_allocated"]
    alloc_label = model.label(model.allocation_stage, STAGE_LABELS["randomised"]).lower()
    # A register without any allocation or exclusion is a plain list of citizens, not a flow.
    # A draw from a gross list leaves eligible people undrawn on purpose (not_allocated_ok).
    if (
        gap.any()
        and (m["allocated_any"].any() or m["excluded"].any())
        and not model.not_allocated_ok
    ):
        out.append(
            aggregate_check(
                "flow.unaccounted",
                "fejl",
                int(gap.sum()),
                f"{int(gap.sum())} screenede er hverken ekskluderet eller {alloc_label}: "
                f"{n_screened} - {n_excl} = {n_screened - n_excl}, men {n_alloc} {alloc_label} "
                f"({_ids(p, gap)})",
            )
        )
    excl_and_rand = (m["not_eligible"] | m["reason"]) & m["allocated_any"]
    if excl_and_rand.any():
        out.append(
            _per_citizen(
                p,
                excl_and_rand,
                "flow.excluded_but_randomised",
                "fejl",
                f"ikke egnet eller har eksklusionsårsag, men er {alloc_label}",
            )
        )
    no_reason = m["not_eligible"] & ~m["reason"] & ~m["allocated_any"]
    if no_reason.any():
        out.append(
            _per_citizen(
                p,
                no_reason,
                "flow.excluded_without_reason",
                "advarsel",
                "ikke egnet, men ingen eksklusionsårsag angivet",
            )
        )
    no_arm = _col(p, "randomised_date").notna() & _col(p, "arm").isna()
    if no_arm.any():
        out.append(
            _per_citizen(
                p, no_arm, "flow.randomised_without_arm", "fejl", f"{alloc_label} uden arm"
            )
        )
    if m["offered"].any():
        # With an offered stage, nobody declines or is allocated without having been offered.
        skipped = (m["declined_before"] | m["allocated"]) & ~m["offered"]
        if skipped.any():
            out.append(
                _per_citizen(
                    p,
                    skipped,
                    "flow.not_offered",
                    "fejl",
                    f"takkede nej eller er {alloc_label}, men har ingen tilbudsdato",
                )
            )
    if m["allocated_any"].any():
        started_not_rand = m["started"] & ~m["allocated_any"]
        if started_not_rand.any():
            out.append(
                _per_citizen(
                    p,
                    started_not_rand,
                    "flow.started_not_randomised",
                    "fejl",
                    f"har startdato, men er ikke {alloc_label}",
                )
            )
    ended = _col(p, "end_date").notna() | _col(p, "withdrawn_date").notna()
    ended_not_started = (ended | m["dropout"]) & ~m["started"]
    if ended_not_started.any():
        out.append(
            _per_citizen(
                p,
                ended_not_started,
                "flow.ended_not_started",
                "fejl",
                "har slut-, frafalds- eller udtrædelsesdato, men ingen startdato",
            )
        )
    for early, late in DATE_ORDER:
        if early not in p or late not in p:
            continue
        bad = p[early].notna() & p[late].notna() & (p[early] > p[late])
        if bad.any():
            out.append(
                _per_citizen(
                    p,
                    bad,
                    "dates.out_of_order",
                    "fejl",
                    lambda sub, e=early, lt=late: (
                        f"{e} ("
                        + sub[e].dt.strftime("%d-%m-%Y")
                        + f") ligger efter {lt} ("
                        + sub[lt].dt.strftime("%d-%m-%Y")
                        + ")"
                    ).to_numpy(),
                )
            )
    if not out:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    return pd.concat(out, ignore_index=True)


__all__ = [
    "ALL",
    "CHECK_COLUMNS",
    "FLOW_COLUMNS",
    "STAGE_LABELS",
    "TOTAL",
    "aggregate_check",
    "flow_checks",
    "flow_table",
    "stage_masks",
]
