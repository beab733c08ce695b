"""Agreement statistics exactly as docs/DESIGN.md defines `qualkit agreement`.

Units are every (document_id, segment_id) pair seen; every coder is taken to have
coded every unit; for each code a coder's value on a unit is 1 if they applied
the code there, else 0. ``overall`` pools every (unit, code) decision into one
reliability table (units x codes rows, one column per coder).

Conventions (documented in README "Agreement"):
- ``observed_agreement`` is the mean pairwise agreement: over all units and all
  pairs of coders, the share of pairs that gave the same value (for two coders
  this is plain percent agreement).
- ``kappa`` is Cohen's kappa for exactly two coders, else None.
- ``alpha`` is Krippendorff's alpha for nominal data (any number of coders >= 2).
- When a statistic is undefined (no variance at all: every value the same, so the
  expected disagreement is 0), it is None and written as an empty cell, which is
  also what the `krippendorff` package does (it refuses such data).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

Unit = tuple[str, str]


@dataclass(frozen=True)
class AgreementRow:
    code: str
    units: int
    coders: int
    observed_agreement: float | None
    kappa: float | None
    alpha: float | None


def _patterns(table: Sequence[Sequence[object]]) -> Counter:
    """Identical rows counted once: a 0/1 table of two coders has at most four patterns,
    which keeps the statistics fast on long transcripts (800 segments x 70 codes)."""
    return Counter(tuple(row) for row in table)


def observed_pairwise(table: Sequence[Sequence[int]]) -> float | None:
    """Mean pairwise agreement over units (rows) x coder pairs (columns)."""
    agree = total = 0
    for row, n in _patterns(table).items():
        for a, b in combinations(row, 2):
            total += n
            agree += n * (a == b)
    return agree / total if total else None


def cohen_kappa(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Cohen's kappa of two coders' values on the same units; None when undefined."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    values = set(a) | set(b)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pe = sum((a.count(v) / n) * (b.count(v) / n) for v in values)
    if pe >= 1.0:
        return None
    return (po - pe) / (1 - pe)


def krippendorff_alpha_nominal(table: Sequence[Sequence[object]]) -> float | None:
    """Krippendorff's alpha, nominal metric, rows = units, columns = coders (None = missing).

    Built from the coincidence matrix: units with fewer than two values are not
    pairable and drop out. None when undefined (fewer than two pairable values or
    a single value in the whole table).
    """
    coincidence: dict[tuple[object, object], float] = {}
    for row, times in _patterns(table).items():
        counts = Counter(v for v in row if v is not None)
        m = sum(counts.values())
        if m < 2:
            continue
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nc - 1) if c == k else nc * nk
                if pairs:
                    coincidence[(c, k)] = coincidence.get((c, k), 0.0) + times * pairs / (m - 1)
    n = sum(coincidence.values())
    if n <= 1:
        return None
    marg: dict[object, float] = {}
    for (c, _k), w in coincidence.items():
        marg[c] = marg.get(c, 0.0) + w
    d_o = sum(w for (c, k), w in coincidence.items() if c != k) / n
    d_e = sum(marg[c] * marg[k] for c in marg for k in marg if c != k) / (n * (n - 1))
    if d_e == 0:
        return None
    return 1.0 - d_o / d_e


def _stats(name: str, n_units: int, coders: list[str], table: list[list[int]]) -> AgreementRow:
    kappa = None
    if len(coders) == 2:
        kappa = cohen_kappa([r[0] for r in table], [r[1] for r in table])
    alpha = krippendorff_alpha_nominal(table) if len(coders) >= 2 else None
    return AgreementRow(name, n_units, len(coders), observed_pairwise(table), kappa, alpha)


def agreement_rows(decisions: Iterable[tuple[str, str, str, str]]) -> list[AgreementRow]:
    """(document_id, segment_id, coder, code) rows -> one AgreementRow per code, then ``overall``.

    An empty ``code`` marks a unit the coder saw but left uncoded. Codes are listed
    in sorted order; ``overall`` comes last.
    """
    units: set[Unit] = set()
    coders: set[str] = set()
    applied: set[tuple[Unit, str, str]] = set()
    codes: set[str] = set()
    for doc, seg, coder, code in decisions:
        unit = (doc, seg)
        units.add(unit)
        coders.add(coder)
        if code:
            codes.add(code)
            applied.add((unit, coder, code))
    unit_list = sorted(units)
    coder_list = sorted(coders)
    rows: list[AgreementRow] = []
    pooled: list[list[int]] = []
    for code in sorted(codes):
        table = [[1 if (u, c, code) in applied else 0 for c in coder_list] for u in unit_list]
        pooled.extend(table)
        rows.append(_stats(code, len(unit_list), coder_list, table))
    rows.append(_stats("overall", len(unit_list), coder_list, pooled))
    return rows
