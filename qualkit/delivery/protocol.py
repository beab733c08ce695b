"""Delivery protocols (docs/DESIGN.md "Delivery protocol" YAML): load and validate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualkit.errors import InputError
from qualkit.messages import msg as _msg

from .flowmodel import DEFAULT_FLOW, FlowModel, parse_flow
from .register import DATE_COLUMNS
from .reported import Reported, parse_reported

RULE_TOP_KEYS = {"bundles", "budget_hours", "packages", "caseload", "exemptions", "extensions"}
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
    "flow",
    "reported",
    "sources",
    "assumptions",
    *RULE_TOP_KEYS,
}
# Register columns that can start the clock.
REFERENCE_DATES = DATE_COLUMNS
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
    # rules beyond the first format (docs/DESIGN.md "Delivery protocol", added keys)
    "from",
    "over_course",
    "tolerance_days",
    "min_share",
    "parties",
    "modes",
    "max_count",
    "after",
    "required_when",
    "at_end",
    "team",
    "sources",
    "assumptions",
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
    # The clock of this component: any register date column or a date attribute column.
    clock: str | None = None
    # every_days across the whole course (clock -> end, dropout, withdrawal or data cut-off):
    # the gaps before the first and after the last delivery count too, with a tolerance; or
    # min_share: the share of every_days periods with a delivery ("såfremt det er muligt").
    over_course: bool = False
    tolerance_days: int = 0
    min_share: float | None = None
    # Staff roles that must all take part in one event (staff_role "jobkonsulent+læge").
    parties: tuple[str, ...] = ()
    # Only events in these modes or places count (fremmøde, hjemmebesøg, ...).
    modes: tuple[str, ...] = ()
    # Dose range: met needs min_count..max_count deliveries.
    max_count: int | None = None
    # Stepped: only deliveries on or after the first delivery of this component count.
    after: str | None = None
    # Applies only to citizens with yes in this register column (others are exempt).
    required_when: str | None = None
    # End-of-course: deliveries from before_days before to after_days after the course end.
    at_end: tuple[int, int] | None = None
    # A team-level recurring event (weekly conference): logged with the team's id in
    # citizen_id, measured per team, not per citizen.
    team: bool = False
    sources: dict[str, str] = field(default_factory=dict)
    assumptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Bundle:
    """Several components due together (assessment, coordinator and plan in the first month)."""

    id: str
    label: str
    components: tuple[str, ...]
    within_days: int
    clock: str | None = None
    core: bool = True


@dataclass(frozen=True)
class Caseload:
    """Citizens per staff member of a role (a coordinator's caseload of 20-25)."""

    staff_role: str
    min: int | None = None
    max: int | None = None


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
    flow: FlowModel = DEFAULT_FLOW
    reported: tuple[Reported, ...] = ()
    # Where each number comes from: field -> "seed 001 linje 463", or -> why it is assumed.
    sources: dict[str, str] = field(default_factory=dict)
    assumptions: dict[str, str] = field(default_factory=dict)
    bundles: tuple[Bundle, ...] = ()
    # Hours per staff role per citizen; packages: a register column names each citizen's
    # package, each package its own hours per role.
    budget_hours: dict[str, float] = field(default_factory=dict)
    package_column: str | None = None
    packages: dict[str, dict[str, float]] = field(default_factory=dict)
    caseload: Caseload | None = None
    # Register columns: exemptions lists component ids a citizen is exempt from; extensions
    # gives extra days for every deadline and for max_days.
    exemption_column: str | None = None
    extension_column: str | None = None

    @property
    def component_ids(self) -> set[str]:
        return {c.id for c in self.components}

    @property
    def core_components(self) -> list[Component]:
        return [c for c in self.components if c.core]


def _fail(where: str, msg: str) -> InputError:
    return InputError(f"{where}: {msg}")


def parse_protocol(data: Any, where: str = "protokol") -> Protocol:
    if not isinstance(data, dict):
        raise _fail(where, "en protokol er en YAML-mapping med name og components")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise _fail(where, f"ukendt(e) nøgle(r) {', '.join(sorted(unknown))}")
    if not data.get("name"):
        raise _fail(where, "mangler 'name'")
    comps_raw = data.get("components")
    if not isinstance(comps_raw, list) or not comps_raw:
        raise _fail(where, "'components' skal være en liste, der ikke er tom")
    components: list[Component] = []
    seen: set[str] = set()
    for i, c in enumerate(comps_raw, start=1):
        cw = f"{where}, komponent {i}"
        if not isinstance(c, dict):
            raise _fail(cw, "skal være en mapping")
        cid = str(c.get("id") or "").strip()
        bad = set(c) - COMPONENT_KEYS
        if bad:
            raise _fail(
                f"{cw} ({cid})" if cid else cw, f"ukendt(e) nøgle(r) {', '.join(sorted(bad))}"
            )
        if not cid:
            raise _fail(cw, "har intet 'id'")
        if cid in seen:
            raise _fail(cw, f"id '{cid}' bruges to gange")
        seen.add(cid)
        for key in ("min_count", "within_days", "every_days"):
            if c.get(key) is not None and (not isinstance(c[key], int) or c[key] < 0):
                raise _fail(f"{cw} ({cid})", f"'{key}' skal være et helt tal >= 0")
        if c.get("within_days_of") is not None and not isinstance(c["within_days_of"], str):
            raise _fail(f"{cw} ({cid})", "'within_days_of' skal være et komponent-id")
        if "core" in c and not isinstance(c["core"], bool):
            raise _fail(f"{cw} ({cid})", "'core' skal være true eller false")
        for key in ("max_count", "tolerance_days"):
            if c.get(key) is not None and (
                not isinstance(c[key], int) or isinstance(c[key], bool) or c[key] < 0
            ):
                raise _fail(f"{cw} ({cid})", f"'{key}' skal være et helt tal >= 0")
        ms = c.get("min_share")
        if ms is not None and (not isinstance(ms, int | float) or not 0 < ms <= 1):
            raise _fail(f"{cw} ({cid})", "'min_share' skal være en andel mellem 0 og 1")
        at_end = c.get("at_end")
        if at_end is not None:
            if not isinstance(at_end, dict) or set(at_end) - {"before_days", "after_days"}:
                raise _fail(f"{cw} ({cid})", "'at_end' skal have before_days og/eller after_days")
            at_end = (int(at_end.get("before_days", 0)), int(at_end.get("after_days", 0)))
        if c.get("over_course") and not c.get("every_days"):
            raise _fail(f"{cw} ({cid})", "'over_course' kræver every_days")
        pm = c.get("planned_minutes")
        if pm is not None and (not isinstance(pm, int | float) or pm < 0):
            raise _fail(f"{cw} ({cid})", "'planned_minutes' skal være et tal >= 0")
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
                clock=c.get("from"),
                over_course=bool(c.get("over_course", False)),
                tolerance_days=int(c.get("tolerance_days") or 0),
                min_share=float(ms) if ms is not None else None,
                parties=_words(c.get("parties"), f"{cw} ({cid})", "parties"),
                modes=_words(c.get("modes"), f"{cw} ({cid})", "modes"),
                max_count=c.get("max_count"),
                after=c.get("after"),
                required_when=c.get("required_when"),
                at_end=at_end,
                team=bool(c.get("team", False)),
                sources=_provenance(c.get("sources"), f"{cw} ({cid})", "sources"),
                assumptions=_provenance(c.get("assumptions"), f"{cw} ({cid})", "assumptions"),
            )
        )
    for comp in components:
        if comp.within_days_of and comp.within_days_of not in seen:
            raise _fail(
                f"{where} ({comp.id})",
                f"within_days_of nævner ukendt komponent '{comp.within_days_of}'",
            )
        if comp.within_days_of == comp.id:
            raise _fail(f"{where} ({comp.id})", "within_days_of kan ikke nævne komponenten selv")
        if comp.within_days_of and comp.within_days is None:
            raise _fail(f"{where} ({comp.id})", "within_days_of kræver within_days (antal dage)")
        if comp.every_days == 0:
            raise _fail(f"{where} ({comp.id})", "'every_days' skal være mindst 1")
        if comp.after and (comp.after not in seen or comp.after == comp.id):
            raise _fail(f"{where} ({comp.id})", f"after nævner ukendt komponent '{comp.after}'")
        if comp.max_count is not None and comp.max_count < comp.min_count:
            raise _fail(f"{where} ({comp.id})", "max_count er mindre end min_count")
        if comp.team and (comp.every_days is None or comp.core):
            raise _fail(
                f"{where} ({comp.id})",
                "en teamhændelse (team: true) skal have every_days og kan ikke være core",
            )
    ref = str(data.get("reference_date", "start_date"))
    if ref not in REFERENCE_DATES:
        raise _fail(
            where,
            f"reference_date '{ref}' er ikke en datokolonne i registret "
            f"({', '.join(REFERENCE_DATES)})",
        )
    bins = data.get("dose_bins", ["1", "2-4", "5+"])
    if not isinstance(bins, list) or not bins:
        raise _fail(where, 'dose_bins skal være en liste som ["1", "2-4", "5+"]')
    for b in bins:
        parse_bin(str(b), where)
    md = data.get("max_days")
    if md is not None and (not isinstance(md, int) or isinstance(md, bool) or md < 1):
        raise _fail(where, "max_days skal være et helt antal dage >= 1")
    reached = data.get("reached_when", "any_delivered")
    if isinstance(reached, list):
        missing = [r for r in reached if r not in seen]
        if missing:
            raise _fail(where, f"reached_when nævner ukendt(e) komponent(er) {', '.join(missing)}")
    elif reached != "any_delivered":
        raise _fail(
            where, "reached_when skal være 'any_delivered' eller en liste af komponent-id'er"
        )
    hf = data.get("high_fidelity", 0.8)
    if not isinstance(hf, int | float) or not 0 <= hf <= 1:
        raise _fail(where, "high_fidelity skal være en andel mellem 0 og 1")
    return Protocol(
        name=str(data["name"]),
        components=components,
        reference_date=str(data.get("reference_date", "start_date")),
        reached_when=reached,
        dose_bins=[str(b) for b in data.get("dose_bins", ["1", "2-4", "5+"])],
        high_fidelity=float(hf),
        max_days=data.get("max_days"),
        description=str(data.get("description") or ""),
        flow=parse_flow(data.get("flow"), where, REFERENCE_DATES),
        reported=parse_reported(data.get("reported"), where),
        sources=_provenance(data.get("sources"), where, "sources"),
        assumptions=_provenance(data.get("assumptions"), where, "assumptions"),
        **_rules(data, where, seen),
    )


def _words(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"'{key}' skal være en liste af navne")
    return tuple(v.strip().lower() for v in value)


def _hours(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value.values()
    ):
        raise _fail(where, "timer pr. faggruppe skal være en mapping fra rolle til timer >= 0")
    return {str(k).strip().lower(): float(v) for k, v in value.items()}


def _rules(data: dict, where: str, seen: set[str]) -> dict[str, Any]:
    """The top-level rules: bundles, hour budgets and packages, caseload, exemptions."""
    out: dict[str, Any] = {}
    bundles = []
    for i, b in enumerate(data.get("bundles") or [], start=1):
        bw = f"{where}, bundle {i}"
        if not isinstance(b, dict) or not b.get("id") or not isinstance(b.get("within_days"), int):
            raise _fail(bw, "en bundle skal have id, components og within_days")
        comps = tuple(b.get("components") or [])
        missing = [c for c in comps if c not in seen]
        if len(comps) < 2 or missing:
            raise _fail(bw, f"components skal nævne mindst to kendte komponenter ({missing})")
        bundles.append(
            Bundle(
                str(b["id"]),
                str(b.get("label") or b["id"]),
                comps,
                int(b["within_days"]),
                b.get("from"),
                bool(b.get("core", True)),
            )
        )
    out["bundles"] = tuple(bundles)
    if data.get("budget_hours") is not None:
        out["budget_hours"] = _hours(data["budget_hours"], f"{where}, budget_hours")
    if data.get("packages") is not None:
        pk = data["packages"]
        if (
            not isinstance(pk, dict)
            or not pk.get("column")
            or not isinstance(pk.get("hours"), dict)
        ):
            raise _fail(where, "packages skal have column og hours (pakke -> rolle -> timer)")
        out["package_column"] = str(pk["column"])
        out["packages"] = {
            str(name): _hours(h, f"{where}, packages {name}") for name, h in pk["hours"].items()
        }
    if data.get("caseload") is not None:
        cl = data["caseload"]
        if not isinstance(cl, dict) or not cl.get("staff_role"):
            raise _fail(where, "caseload skal have staff_role (og min og/eller max)")
        out["caseload"] = Caseload(str(cl["staff_role"]).lower(), cl.get("min"), cl.get("max"))
    for key, attr in (("exemptions", "exemption_column"), ("extensions", "extension_column")):
        v = data.get(key)
        if v is not None:
            if not isinstance(v, dict) or not v.get("column"):
                raise _fail(where, f"{key} skal have column (en kolonne i registret)")
            out[attr] = str(v["column"])
    return out


def _provenance(data: Any, where: str, key: str) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _fail(where, f"'{key}' skal være en mapping fra felt til kilde eller begrundelse")
    return {str(k): str(v) for k, v in data.items()}


def parse_bin(spec: str, where: str = "protokol") -> tuple[int, float]:
    """A dose bin: '1' -> (1, 1), '2-4' -> (2, 4), '5+' -> (5, inf)."""
    s = spec.strip()
    if m := re.fullmatch(r"(\d+)", s):
        return int(m[1]), int(m[1])
    if m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", s):
        if int(m[1]) > int(m[2]):
            raise _fail(where, f"dosisgruppen '{spec}' går baglæns")
        return int(m[1]), int(m[2])
    if m := re.fullmatch(r"(\d+)\s*\+", s):
        return int(m[1]), float("inf")
    raise _fail(where, f"dosisgruppen '{spec}' er ikke som '1', '2-4' eller '5+'")


def load_protocol_text(text: str, where: str = "protokol") -> Protocol:
    from qualkit.limits import load_yaml  # size, depth, node and alias limits first

    return parse_protocol(load_yaml(text, where), where)


def load_protocol(path: str | Path) -> Protocol:
    p = Path(path)
    if not p.exists():
        raise InputError(_msg("file.not_found", path=path))
    from qualkit.limits import MAX_YAML_BYTES, read_text_file

    return load_protocol_text(read_text_file(p, MAX_YAML_BYTES, "protokol"), str(path))


@dataclass(frozen=True)
class NumberSource:
    """One number of a protocol and where it comes from (a seed line) or that it is assumed."""

    where: str  # component id, or "" for the protocol itself
    field: str
    value: str
    source: str
    assumption: bool


NUMERIC_COMPONENT_FIELDS = (
    "min_count",
    "max_count",
    "within_days",
    "every_days",
    "tolerance_days",
    "min_share",
    "planned_minutes",
    "at_end",
)


def number_sources(data: dict[str, Any]) -> list[NumberSource]:
    """Every number in a protocol mapping (as loaded from YAML) with its source or assumption;
    a number with neither has source "" (the shipped-protocol test refuses those)."""
    out: list[NumberSource] = []

    def mark(where: str, name: str, value: Any, srcs: dict, assumed: dict) -> None:
        if name in srcs:
            out.append(NumberSource(where, name, str(value), str(srcs[name]), False))
        elif name in assumed:
            out.append(NumberSource(where, name, str(value), str(assumed[name]), True))
        else:
            out.append(NumberSource(where, name, str(value), "", False))

    for c in data.get("components") or []:
        srcs, assumed = c.get("sources") or {}, c.get("assumptions") or {}
        for f in NUMERIC_COMPONENT_FIELDS:
            if c.get(f) is not None:
                mark(str(c.get("id")), f, c[f], srcs, assumed)
    srcs, assumed = data.get("sources") or {}, data.get("assumptions") or {}
    for f in ("high_fidelity", "max_days", "dose_bins"):
        if data.get(f) is not None:
            mark("", f, data[f], srcs, assumed)
    fu = (data.get("flow") or {}).get("follow_up")
    if fu and fu.get("days") is not None:
        mark("", "flow.follow_up.days", fu["days"], srcs, assumed)
    for b in data.get("bundles") or []:
        mark("", f"bundles.{b.get('id')}.within_days", b.get("within_days"), srcs, assumed)
    cl = data.get("caseload") or {}
    for f in ("min", "max"):
        if cl.get(f) is not None:
            mark("", f"caseload.{f}", cl[f], srcs, assumed)
    for f in ("budget_hours",):
        if data.get(f) is not None:
            mark("", f, data[f], srcs, assumed)
    if data.get("packages") is not None:
        mark("", "packages.hours", "pakker", srcs, assumed)
    return out


def protocol_number_sources(path: str | Path) -> list[NumberSource]:
    from qualkit.limits import MAX_YAML_BYTES, load_yaml, read_text_file

    text = read_text_file(Path(path), MAX_YAML_BYTES, "protokol")
    return number_sources(load_yaml(text, str(path)) or {})
