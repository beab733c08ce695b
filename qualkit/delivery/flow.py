"""The CONSORT-style study flow from the participant register, and the checks that it adds up.

Published flow charts have had stages that do not follow from the one before
(Ishøj: 152 screened - 55 excluded = 97, yet 60 randomised). Here every count
comes from the register itself, and every gap between stages is reported in
checks.csv with the number of people in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Callable

ALL = "alle"
NO_REASON = "(ingen årsag angivet)"
FLOW_COLUMNS = ["stage", "label", "category", "arm", "n"]
CHECK_COLUMNS = ["check", "severity", "citizen_id", "row", "count", "message"]
STAGE_LABELS = {
    "screened": "Screenet",
    "not_eligible": "Ikke egnet",
    "eligible": "Egnet",
    "excluded": "Ekskluderet",
    "randomised": "Randomiseret",
    "started": "Startet",
    "completed": "Gennemført",
    "withdrawn": "Udtrådt",
    "ongoing": "Igangværende",
}
# Pairs of register dates that must come in this order (earlier, later).
DATE_ORDER = [
    ("screened_date", "randomised_date"),
    ("screened_date", "start_date"),
    ("consent_date", "start_date"),
    ("randomised_date", "start_date"),
    ("start_date", "end_date"),
    ("start_date", "withdrawn_date"),
]


def stage_masks(p: pd.DataFrame) -> dict[str, pd.Series]:
    """Boolean masks per stage, one definition shared by the flow, the checks and the app."""
    randomised = p["randomised_date"].notna() | p["arm"].notna()
    reason = p["exclusion_reason"].notna() & p["exclusion_reason"].astype(str).str.strip().ne("")
    not_eligible = p["eligible"].eq(False).fillna(False).astype(bool)
    excluded = (not_eligible | reason) & ~randomised
    started = p["start_date"].notna()
    withdrawn = p["withdrawn_date"].notna()
    completed = p["end_date"].notna() & ~withdrawn
    return {
        "screened": pd.Series(True, index=p.index),
        "not_eligible": not_eligible,
        "eligible": ~not_eligible,
        "excluded": excluded,
        "randomised": randomised,
        "started": started,
        "completed": completed & started,
        "withdrawn": withdrawn,
        "ongoing": started & ~completed & ~withdrawn,
        "reason": reason,
    }


def flow_table(p: pd.DataFrame) -> pd.DataFrame:
    """Counts per stage; stages after randomisation per arm and in total."""
    m = stage_masks(p)
    rows: list[dict] = []

    def add(stage: str, n: int, arm: str = ALL, category: str = "") -> None:
        rows.append(
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "category": category,
                "arm": arm,
                "n": int(n),
            }
        )

    for stage in ("screened", "not_eligible", "eligible"):
        add(stage, m[stage].sum())
    add("excluded", m["excluded"].sum())
    reasons = p.loc[m["excluded"], "exclusion_reason"].where(m["reason"][m["excluded"]], NO_REASON)
    for reason, n in reasons.value_counts(sort=False).sort_index().items():
        add("excluded", n, category=str(reason))
    arms = sorted(p.loc[m["randomised"], "arm"].dropna().astype(str).unique())
    for stage in ("randomised", "started", "completed", "withdrawn", "ongoing"):
        add(stage, (m[stage] & m["randomised"] if stage != "randomised" else m[stage]).sum())
        for arm in arms:
            add(stage, (m[stage] & m["randomised"] & p["arm"].eq(arm)).sum(), arm=arm)
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def _per_citizen(
    p: pd.DataFrame,
    mask: pd.Series,
    check: str,
    severity: str,
    message: str | Callable[..., Any],
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


def flow_checks(p: pd.DataFrame) -> pd.DataFrame:
    """Every place where a stage does not follow from the one before, or dates run backwards."""
    m = stage_masks(p)
    out: list[pd.DataFrame] = []
    n_screened, n_excl, n_rand = (
        int(m["screened"].sum()),
        int(m["excluded"].sum()),
        int(m["randomised"].sum()),
    )
    gap = m["screened"] & ~m["excluded"] & ~m["randomised"]
    # A register without any randomisation or exclusion is a plain list of citizens, not a flow.
    if gap.any() and (m["randomised"].any() or m["excluded"].any()):
        out.append(
            pd.DataFrame(
                [
                    {
                        "check": "flow.unaccounted",
                        "severity": "fejl",
                        "citizen_id": "",
                        "row": pd.NA,
                        "count": int(gap.sum()),
                        "message": (
                            f"{int(gap.sum())} screenede er hverken ekskluderet eller randomiseret: "
                            f"{n_screened} - {n_excl} = {n_screened - n_excl}, men {n_rand} randomiseret "
                            f"({_ids(p, gap)})"
                        ),
                    }
                ],
                columns=CHECK_COLUMNS,
            )
        )
    excl_and_rand = (m["not_eligible"] | m["reason"]) & m["randomised"]
    if excl_and_rand.any():
        out.append(
            _per_citizen(
                p,
                excl_and_rand,
                "flow.excluded_but_randomised",
                "fejl",
                "ikke egnet eller har eksklusionsårsag, men er randomiseret",
            )
        )
    no_reason = m["not_eligible"] & ~m["reason"] & ~m["randomised"]
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
    no_arm = p["randomised_date"].notna() & p["arm"].isna()
    if no_arm.any():
        out.append(
            _per_citizen(
                p, no_arm, "flow.randomised_without_arm", "fejl", "randomiseringsdato uden arm"
            )
        )
    if m["randomised"].any():
        started_not_rand = m["started"] & ~m["randomised"]
        if started_not_rand.any():
            out.append(
                _per_citizen(
                    p,
                    started_not_rand,
                    "flow.started_not_randomised",
                    "fejl",
                    "har startdato, men er ikke randomiseret",
                )
            )
    ended_not_started = (p["end_date"].notna() | p["withdrawn_date"].notna()) & ~m["started"]
    if ended_not_started.any():
        out.append(
            _per_citizen(
                p,
                ended_not_started,
                "flow.ended_not_started",
                "fejl",
                "har slut- eller udtrædelsesdato, men ingen startdato",
            )
        )
    for early, late in DATE_ORDER:
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
