"""Data for the tally figures: the flow diagram (Graphviz DOT), fidelity heatmap, dose bars.

Plain data shaping, so the app's view only draws and the same figures can be
made elsewhere (a report script) from the CSVs of `qualkit tally`.
"""

from __future__ import annotations

import pandas as pd

from .flowchart import flow_dot
from .protocol import Protocol

__all__ = ["dose_data", "flow_dot", "heatmap_data"]


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
