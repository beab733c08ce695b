"""Data for the tally figures: the flow diagram (Graphviz DOT), fidelity heatmap, dose bars.

Plain data shaping, so the app's view only draws and the same figures can be
made elsewhere (a report script) from the CSVs of `qualkit tally`.
"""

from __future__ import annotations

import pandas as pd

from .flow import ALL, STAGE_LABELS
from .protocol import Protocol


def _esc(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def flow_dot(flow: pd.DataFrame, checks: pd.DataFrame | None = None) -> str:
    """A CONSORT-style diagram; a gap between stages (checks) is drawn as a red note."""

    def n(stage: str, arm: str = ALL, category: str = "") -> int:
        r = flow[(flow["stage"] == stage) & (flow["arm"] == arm) & (flow["category"] == category)]
        return int(r["n"].iloc[0]) if len(r) else 0

    lines = ["digraph flow {", "  rankdir=TB; node [shape=box, style=rounded, fontname=Helvetica];"]
    lines.append(f'  screened [label="Screenet: {n("screened")}"];')
    reasons = flow[(flow["stage"] == "excluded") & (flow["category"] != "")]
    excl = "".join(f"{_esc(r.category)}: {int(r.n)}\\l" for r in reasons.itertuples())
    lines.append(f'  excluded [label="Ekskluderet: {n("excluded")}\\l{excl}", style=""];')
    lines.append("  screened -> excluded;")
    arms = [a for a in flow.loc[flow["stage"] == "randomised", "arm"].unique() if a != ALL]
    lines.append(f'  randomised [label="Randomiseret: {n("randomised")}"];')
    lines.append("  screened -> randomised;")
    for i, arm in enumerate(arms):
        label = "\\n".join(
            [_esc(arm)]
            + [
                f"{STAGE_LABELS[st]}: {n(st, arm)}"
                for st in ("randomised", "started", "completed", "withdrawn", "ongoing")
            ]
        )
        lines.append(f'  arm{i} [label="{label}"];')
        lines.append(f"  randomised -> arm{i};")
    if checks is not None and len(checks):
        gap = checks[checks["check"] == "flow.unaccounted"]
        if len(gap):
            lines.append(
                f'  gap [label="Hverken ekskluderet eller randomiseret: {gap["count"].iloc[0]}", '
                "color=red, fontcolor=red];"
            )
            lines.append("  screened -> gap [color=red, style=dashed];")
    lines.append("}")
    return "\n".join(lines)


def heatmap_data(per_citizen: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Long (citizen, component, delivered count, met) for the reached citizens."""
    pc = per_citizen.loc[per_citizen["reached"]]
    frames = []
    for c in protocol.components:
        met = pc[f"met_{c.id}"] if f"met_{c.id}" in pc else pd.Series(pd.NA, index=pc.index)
        frames.append(
            pd.DataFrame(
                {
                    "citizen_id": pc["citizen_id"].to_numpy(),
                    "component": c.label,
                    "core": c.core,
                    "count": pc[f"n_{c.id}"].to_numpy(),
                    "status": [
                        ("opfyldt" if m else "ikke opfyldt") if c.core else "ikke kerne"
                        for m in met.to_numpy()
                    ],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def dose_data(per_citizen: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Citizens by number of deliveries of each component (among those who got it)."""
    frames = []
    for c in protocol.components:
        col = per_citizen[f"n_{c.id}"]
        counts = col[col > 0].value_counts().sort_index()
        frames.append(
            pd.DataFrame(
                {
                    "component": c.label,
                    "deliveries": counts.index.astype(int),
                    "citizens": counts.to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
