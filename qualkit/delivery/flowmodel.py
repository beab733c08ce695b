"""The study design behind the flow chart, per project (the protocol YAML's ``flow:`` section).

Real designs differ from screened -> eligible -> randomised: citizens are *offered* the
intervention and some decline (with reasons) before or after allocation; allocation may be
non-randomised (two departments, seed 002 lines 43-51) or a draw from a gross list where a
decliner is replaced by the next person (seed 003 lines 684, 715), so eligible people who
were never drawn are no error; after allocation come follow-up, analyses with their own
losses, and the qualitative sub-study (seed 003 lines 1111-1137).

```yaml
flow:
  allocation: drawn                 # randomised (default) | non_randomised | drawn
  allocation_label: Udtrukket        # default: Randomiseret / Tildelt / Udtrukket
  declined_after_allocation: replaced  # analysed (default; intention to treat) | replaced
  not_allocated_ok: true             # default true for drawn: eligible, never drawn
  labels: {screened: På bruttoliste}  # any stage label
  follow_up: {from: randomised_date, days: 548, as_of: 2019-06-01}
  analyses:
    - {id: beskaeftigelse, label: Indgår i analyse af beskæftigelse}
    - {id: spoergeskema, label: Indgår i analyse af spørgeskemadata, lost: spoergeskema_mistet}
  qualitative: kvalitativ            # yes/no register column (the app also counts interviews)
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from qualkit.errors import InputError
from qualkit.tabular import parse_date


class Allocation(StrEnum):
    RANDOMISED = "randomised"
    NON_RANDOMISED = "non_randomised"
    DRAWN = "drawn"


class AfterAllocation(StrEnum):
    """What happens to a person who declines after allocation."""

    ANALYSED = "analysed"  # stays in the arm (intention to treat)
    REPLACED = "replaced"  # leaves; the next on the list takes the place


ALLOCATION_LABELS = {
    Allocation.RANDOMISED: "Randomiseret",
    Allocation.NON_RANDOMISED: "Tildelt",
    Allocation.DRAWN: "Udtrukket",
}
FLOW_KEYS = {
    "allocation",
    "allocation_label",
    "declined_after_allocation",
    "not_allocated_ok",
    "labels",
    "follow_up",
    "analyses",
    "qualitative",
}


@dataclass(frozen=True)
class Analysis:
    id: str
    label: str
    lost: str | None = None  # yes/no register column: lost to follow-up in this analysis


@dataclass(frozen=True)
class FollowUp:
    start: str = "randomised_date"
    days: int = 365
    as_of: date | None = None  # None: today


@dataclass(frozen=True)
class FlowModel:
    allocation: Allocation = Allocation.RANDOMISED
    allocation_label: str = ""
    declined_after: AfterAllocation = AfterAllocation.ANALYSED
    not_allocated_ok: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    follow_up: FollowUp | None = None
    analyses: tuple[Analysis, ...] = ()
    qualitative: str | None = None

    @property
    def allocation_stage(self) -> str:
        """Stage id of allocation in flow.csv: 'randomised' only for a randomised design."""
        return "randomised" if self.allocation == Allocation.RANDOMISED else "allocated"

    def label(self, stage: str, default: str) -> str:
        if stage == self.allocation_stage:
            return self.labels.get(stage) or self.allocation_label or default
        return self.labels.get(stage, default)


DEFAULT_FLOW = FlowModel()


def _fail(where: str, msg: str) -> InputError:
    return InputError(f"{where}, flow: {msg}")


def parse_flow(data: Any, where: str, date_columns: tuple[str, ...]) -> FlowModel:
    if data is None:
        return DEFAULT_FLOW
    if not isinstance(data, dict):
        raise _fail(where, "skal være en mapping (allocation, labels, follow_up, analyses, ...)")
    unknown = set(data) - FLOW_KEYS
    if unknown:
        raise _fail(where, f"ukendt(e) nøgle(r) {', '.join(sorted(unknown))}")
    try:
        alloc = Allocation(str(data.get("allocation", "randomised")))
    except ValueError:
        raise _fail(
            where,
            f"allocation '{data['allocation']}' er ikke randomised, non_randomised eller drawn",
        ) from None
    try:
        after = AfterAllocation(str(data.get("declined_after_allocation", "analysed")))
    except ValueError:
        raise _fail(where, "declined_after_allocation skal være analysed eller replaced") from None
    labels = data.get("labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise _fail(where, "labels skal være en mapping fra stadie til tekst")
    fu = None
    if data.get("follow_up") is not None:
        f = data["follow_up"]
        if not isinstance(f, dict) or not isinstance(f.get("days"), int) or f["days"] < 1:
            raise _fail(where, "follow_up skal have days (helt antal dage >= 1)")
        start = str(f.get("from", "randomised_date"))
        if start not in date_columns:
            raise _fail(where, f"follow_up.from '{start}' er ikke en datokolonne i registret")
        as_of = f.get("as_of")
        if as_of is not None and not isinstance(as_of, date):
            try:
                as_of = parse_date(str(as_of))
            except ValueError:
                raise _fail(where, f"follow_up.as_of '{as_of}' er ikke en dato") from None
        fu = FollowUp(start, int(f["days"]), as_of)
    analyses = []
    for i, a in enumerate(data.get("analyses") or [], start=1):
        if not isinstance(a, dict) or not a.get("id"):
            raise _fail(where, f"analyses nr. {i} skal have et id")
        analyses.append(Analysis(str(a["id"]), str(a.get("label") or a["id"]), a.get("lost")))
    ok = data.get("not_allocated_ok", alloc == Allocation.DRAWN)
    if not isinstance(ok, bool):
        raise _fail(where, "not_allocated_ok skal være true eller false")
    return FlowModel(
        allocation=alloc,
        allocation_label=str(data.get("allocation_label") or ALLOCATION_LABELS[alloc]),
        declined_after=after,
        not_allocated_ok=ok,
        labels={str(k): v for k, v in labels.items()},
        follow_up=fu,
        analyses=tuple(analyses),
        qualitative=data.get("qualitative"),
    )
