"""Delivery protocols (docs/DESIGN.md "Delivery protocol" YAML): load and validate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualkit.errors import InputError

TOP_KEYS = {
    "name",
    "reference_date",
    "reached_when",
    "components",
    "dose_bins",
    "high_fidelity",
    "description",
    "source",
    "max_days",
}
# Register columns that can start the clock (register.DATE_COLUMNS).
REFERENCE_DATES = (
    "screened_date",
    "randomised_date",
    "consent_date",
    "start_date",
    "end_date",
    "withdrawn_date",
)
COMPONENT_KEYS = {
    "id",
    "label",
    "core",
    "min_count",
    "within_days",
    "planned_minutes",
    "description",
    "within_days_of",
    "every_days",
}


@dataclass
class Component:
    id: str
    label: str
    core: bool = False
    min_count: int = 1
    within_days: int | None = None
    planned_minutes: float | None = None
    description: str = ""
    # Deadline counted from the first delivery of another component instead of reference_date.
    within_days_of: str | None = None
    # Expected interval between deliveries (e.g. weekly follow-up: 7).
    every_days: int | None = None


@dataclass
class Protocol:
    name: str
    components: list[Component]
    reference_date: str = "start_date"
    reached_when: str | list[str] = "any_delivered"
    dose_bins: list[str] = field(default_factory=lambda: ["1", "2-4", "5+"])
    high_fidelity: float = 0.8
    max_days: int | None = None
    description: str = ""

    @property
    def component_ids(self) -> set[str]:
        return {c.id for c in self.components}

    @property
    def core_components(self) -> list[Component]:
        return [c for c in self.components if c.core]


def _fail(where: str, msg: str) -> InputError:
    return InputError(f"{where}: {msg}")


def parse_protocol(data: Any, where: str = "protocol") -> Protocol:
    if not isinstance(data, dict):
        raise _fail(where, "a protocol is a YAML mapping with name and components")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    if not data.get("name"):
        raise _fail(where, "missing 'name'")
    comps_raw = data.get("components")
    if not isinstance(comps_raw, list) or not comps_raw:
        raise _fail(where, "'components' must be a non-empty list")
    components: list[Component] = []
    seen: set[str] = set()
    for i, c in enumerate(comps_raw, start=1):
        cw = f"{where}, component {i}"
        if not isinstance(c, dict):
            raise _fail(cw, "must be a mapping")
        cid = str(c.get("id") or "").strip()
        bad = set(c) - COMPONENT_KEYS
        if bad:
            raise _fail(f"{cw} ({cid})" if cid else cw, f"unknown key(s) {', '.join(sorted(bad))}")
        if not cid:
            raise _fail(cw, "has no 'id'")
        if cid in seen:
            raise _fail(cw, f"id '{cid}' is used twice")
        seen.add(cid)
        for key in ("min_count", "within_days", "every_days"):
            if c.get(key) is not None and (not isinstance(c[key], int) or c[key] < 0):
                raise _fail(f"{cw} ({cid})", f"'{key}' must be a whole number >= 0")
        if c.get("within_days_of") is not None and not isinstance(c["within_days_of"], str):
            raise _fail(f"{cw} ({cid})", "'within_days_of' must be a component id")
        if "core" in c and not isinstance(c["core"], bool):
            raise _fail(f"{cw} ({cid})", "'core' must be true or false")
        pm = c.get("planned_minutes")
        if pm is not None and (not isinstance(pm, int | float) or pm < 0):
            raise _fail(f"{cw} ({cid})", "'planned_minutes' must be a number >= 0")
        components.append(
            Component(
                id=cid,
                label=str(c.get("label") or cid),
                core=bool(c.get("core", False)),
                min_count=int(c.get("min_count", 1)),
                within_days=c.get("within_days"),
                planned_minutes=pm,
                description=str(c.get("description") or ""),
                within_days_of=c.get("within_days_of"),
                every_days=c.get("every_days"),
            )
        )
    for comp in components:
        if comp.within_days_of and comp.within_days_of not in seen:
            raise _fail(
                f"{where} ({comp.id})",
                f"within_days_of names unknown component '{comp.within_days_of}'",
            )
        if comp.within_days_of == comp.id:
            raise _fail(f"{where} ({comp.id})", "within_days_of cannot name the component itself")
        if comp.within_days_of and comp.within_days is None:
            raise _fail(
                f"{where} ({comp.id})", "within_days_of needs within_days (the number of days)"
            )
        if comp.every_days == 0:
            raise _fail(f"{where} ({comp.id})", "'every_days' must be at least 1")
    ref = str(data.get("reference_date", "start_date"))
    if ref not in REFERENCE_DATES:
        raise _fail(
            where,
            f"reference_date '{ref}' is not a date column of the register "
            f"({', '.join(REFERENCE_DATES)})",
        )
    bins = data.get("dose_bins", ["1", "2-4", "5+"])
    if not isinstance(bins, list) or not bins:
        raise _fail(where, 'dose_bins must be a list such as ["1", "2-4", "5+"]')
    for b in bins:
        parse_bin(str(b), where)
    md = data.get("max_days")
    if md is not None and (not isinstance(md, int) or isinstance(md, bool) or md < 1):
        raise _fail(where, "max_days must be a whole number of days >= 1")
    reached = data.get("reached_when", "any_delivered")
    if isinstance(reached, list):
        missing = [r for r in reached if r not in seen]
        if missing:
            raise _fail(where, f"reached_when names unknown component(s) {', '.join(missing)}")
    elif reached != "any_delivered":
        raise _fail(where, "reached_when must be 'any_delivered' or a list of component ids")
    hf = data.get("high_fidelity", 0.8)
    if not isinstance(hf, int | float) or not 0 <= hf <= 1:
        raise _fail(where, "high_fidelity must be a share between 0 and 1")
    return Protocol(
        name=str(data["name"]),
        components=components,
        reference_date=str(data.get("reference_date", "start_date")),
        reached_when=reached,
        dose_bins=[str(b) for b in data.get("dose_bins", ["1", "2-4", "5+"])],
        high_fidelity=float(hf),
        max_days=data.get("max_days"),
        description=str(data.get("description") or ""),
    )


def parse_bin(spec: str, where: str = "protocol") -> tuple[int, float]:
    """A dose bin: '1' -> (1, 1), '2-4' -> (2, 4), '5+' -> (5, inf)."""
    s = spec.strip()
    if m := re.fullmatch(r"(\d+)", s):
        return int(m[1]), int(m[1])
    if m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", s):
        if int(m[1]) > int(m[2]):
            raise _fail(where, f"dose bin '{spec}' runs backwards")
        return int(m[1]), int(m[2])
    if m := re.fullmatch(r"(\d+)\s*\+", s):
        return int(m[1]), float("inf")
    raise _fail(where, f"dose bin '{spec}' is not like '1', '2-4' or '5+'")


def load_protocol_text(text: str, where: str = "protocol") -> Protocol:
    from qualkit.limits import load_yaml  # size, depth, node and alias limits first

    return parse_protocol(load_yaml(text, where), where)


def load_protocol(path: str | Path) -> Protocol:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: file not found.")
    from qualkit.limits import MAX_YAML_BYTES, read_text_file

    return load_protocol_text(read_text_file(p, MAX_YAML_BYTES, "protokol"), str(path))
