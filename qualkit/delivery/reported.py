"""Published numbers checked against the register and against each other.

A report's flow chart or table is a set of numbers with implied arithmetic (101 identified,
43 of them not eligible, 60 included: 101 - 43 = 58, not 60; seed 003 lines 1034-1038).
The protocol's ``reported:`` list states them, each with its source, and the tally reports
every number that does not follow (``report.arithmetic``), whose percentage is wrong
(``report.percent``), or that the register contradicts (``report.register_differs``):

```yaml
reported:
  - {id: identificeret, n: 101, source: "seed 003 linje 1034"}
  - {id: ikke_egnet, n: 43, source: "seed 003 linje 1035"}
  - {id: inkluderet, n: 60, equals: identificeret - ikke_egnet, stage: allocated,
     source: "seed 003 linje 1058"}
  - {id: deltog, n: 69, of: 132, percent: 51, measure: reached, source: "seed 002 linje 945"}
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from qualkit.errors import InputError
from qualkit.tabular import format_number_dk

from .flow import ALL, TOTAL, aggregate_check

REPORTED_KEYS = {
    "id",
    "label",
    "n",
    "equals",
    "of",
    "percent",
    "stage",
    "measure",
    "arm",
    "site",
    "category",
    "subgroup",
    "source",
    "assumption",
}
_TERM = re.compile(r"\s*([+-]?)\s*([A-Za-z_][\w.]*|\d+)\s*")


@dataclass(frozen=True)
class Reported:
    id: str
    n: int
    label: str = ""
    equals: str | None = None
    of: str | int | None = None
    percent: float | None = None
    stage: str | None = None
    measure: str | None = None
    arm: str = ALL
    site: str = ALL
    category: str = TOTAL
    subgroup: str = ""
    source: str = ""


def _terms(expr: str, where: str) -> list[tuple[int, str]]:
    """'a - b + 3' -> [(1, 'a'), (-1, 'b'), (1, '3')]."""
    out, pos = [], 0
    while pos < len(expr):
        m = _TERM.match(expr, pos)
        if not m or m.end() == pos:
            raise InputError(f"{where}: equals '{expr}' er ikke som 'a - b + c'")
        out.append((-1 if m[1] == "-" else 1, m[2]))
        pos = m.end()
    return out


def parse_reported(data: object, where: str) -> tuple[Reported, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise InputError(f"{where}: reported skal være en liste af tal fra rapporten")
    out: list[Reported] = []
    ids: set[str] = set()
    for i, r in enumerate(data, start=1):
        w = f"{where}, reported nr. {i}"
        if not isinstance(r, dict) or not r.get("id") or not isinstance(r.get("n"), int):
            raise InputError(f"{w}: skal have id og n (et helt tal)")
        bad = set(r) - REPORTED_KEYS
        if bad:
            raise InputError(f"{w}: ukendt(e) nøgle(r) {', '.join(sorted(bad))}")
        if not (r.get("source") or r.get("assumption")):
            raise InputError(
                f"{w} ({r['id']}): et rapporteret tal skal have source eller assumption"
            )
        rid = str(r["id"])
        if rid in ids:
            raise InputError(f"{w}: id '{rid}' bruges to gange")
        ids.add(rid)
        if r.get("equals"):
            _terms(str(r["equals"]), w)
        out.append(
            Reported(
                id=rid,
                n=int(r["n"]),
                label=str(r.get("label") or rid),
                equals=str(r["equals"]) if r.get("equals") else None,
                of=r.get("of"),
                percent=float(r["percent"]) if r.get("percent") is not None else None,
                stage=r.get("stage"),
                measure=r.get("measure"),
                arm=str(r.get("arm", ALL)),
                site=str(r.get("site", ALL)),
                category=str(r.get("category", TOTAL)),
                subgroup=str(r.get("subgroup", "")),
                source=str(r.get("source") or f"antagelse: {r.get('assumption')}"),
            )
        )
    known = {r.id for r in out}
    for r in out:
        for _, t in _terms(r.equals or "", where):
            if not t.isdigit() and t not in known:
                raise InputError(f"{where}, reported {r.id}: equals nævner ukendt id '{t}'")
        if isinstance(r.of, str) and r.of not in known:
            raise InputError(f"{where}, reported {r.id}: `of` nævner ukendt id '{r.of}'")
    return tuple(out)


def _lookup(frame: pd.DataFrame, **where: str) -> int | None:
    sel = pd.Series(True, index=frame.index)
    for k, v in where.items():
        sel &= frame[k].astype(str).eq(v)
    rows = frame.loc[sel]
    return int(rows["n"].iloc[0]) if len(rows) else None


def reported_checks(
    items: tuple[Reported, ...], flow: pd.DataFrame, summary: pd.DataFrame
) -> pd.DataFrame:
    """One checks.csv row per published number that does not add up."""
    from .flow import CHECK_COLUMNS

    values = {r.id: r.n for r in items}
    out: list[pd.DataFrame] = []
    for r in items:
        name = f"{r.label} ({r.n}; {r.source})"
        if r.equals:
            terms = _terms(r.equals, r.id)
            total = sum(sign * (int(t) if t.isdigit() else values[t]) for sign, t in terms)
            if total != r.n:
                shown = " ".join(
                    (("- " if sign < 0 else "+ ") if k else ("-" if sign < 0 else ""))
                    + (t if t.isdigit() else str(values[t]))
                    for k, (sign, t) in enumerate(terms)
                )
                out.append(
                    aggregate_check(
                        "report.arithmetic",
                        "fejl",
                        abs(total - r.n),
                        f"{name}: {shown} = {total}, men rapporten siger {r.n}",
                    )
                )
        if r.percent is not None and r.of is not None:
            denom = values[r.of] if isinstance(r.of, str) else int(r.of)
            share = 100 * r.n / denom if denom else float("nan")
            if abs(share - r.percent) > 0.5:
                out.append(
                    aggregate_check(
                        "report.percent",
                        "fejl",
                        r.n,
                        f"{name}: {r.n}/{denom} = {format_number_dk(share, 1)} %, "
                        f"men rapporten siger "
                        f"{format_number_dk(r.percent, 0 if r.percent.is_integer() else 1)} %",
                    )
                )
        got = None
        what = ""
        if r.stage:
            got = _lookup(flow, stage=r.stage, arm=r.arm, category=r.category)
            what = f"registrets flow ({r.stage}, {r.arm})"
        elif r.measure:
            got = _lookup(
                summary,
                measure=r.measure,
                arm=r.arm,
                site=r.site,
                category=r.category,
                subgroup=r.subgroup or ALL,
            )
            what = f"optællingen ({r.measure}, {r.arm})"
        if (r.stage or r.measure) and got != r.n:
            out.append(
                aggregate_check(
                    "report.register_differs",
                    "fejl",
                    abs((got or 0) - r.n),
                    f"{name}: {what} giver {'intet tal' if got is None else got}",
                )
            )
    if not out:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    return pd.concat(out, ignore_index=True)
