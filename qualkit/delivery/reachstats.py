"""The four tests of reach.csv on ``scipy.special`` alone, not ``scipy.stats``.

Importing ``scipy.stats`` costs about a second, more than the rest of a 500,000-event
`qualkit tally`; ``scipy.special`` a sixth of that. These follow scipy.stats' own formulas
(scipy 1.17: ``ttest_ind(equal_var=False)``, ``mannwhitneyu`` asymptotic with continuity and
tie correction, ``fisher_exact`` two-sided, ``chi2_contingency``) and agree with it to about
1e-12 (tests/test_reach_stats.py compares them); reach.csv prints three decimals. The one
case they do not cover, Mann-Whitney's exact distribution (a sample of 8 or fewer without
ties), is handed to scipy.stats.
"""

from __future__ import annotations

import math

import numpy as np


def welch_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p of Welch's t-test (both samples of two or more)."""
    from scipy import special

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n1, n2 = len(a), len(b)
    m1, m2 = np.mean(a), np.mean(b)
    d1, d2 = a - m1, b - m2
    v1 = np.mean(d1 * d1) * (n1 / (n1 - 1))
    v2 = np.mean(d2 * d2) * (n2 / (n2 - 1))
    vn1, vn2 = v1 / n1, v2 / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
        df = np.where(np.isnan(df), 1.0, df)
        t = np.divide(m1 - m2, np.sqrt(vn1 + vn2))
    return float(2 * special.stdtr(df, -np.abs(t)))


def mann_whitney_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p of the Mann-Whitney U test, scipy's method "auto"."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n1, n2 = len(a), len(b)
    xy = np.concatenate([a, b])
    _, inverse, counts = np.unique(xy, return_inverse=True, return_counts=True)
    ties = bool((counts > 1).any())
    if not (n1 > 8 and n2 > 8) and not ties:  # the exact distribution: scipy's own
        from scipy import stats

        return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    from scipy import special

    upper = np.cumsum(counts).astype(float)
    ranks = (upper - (counts - 1) / 2)[inverse]
    r1 = np.sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    t = counts.astype(float)
    n = n1 + n2
    s = np.sqrt(n1 * n2 / 12 * ((n + 1) - np.sum(t**3 - t) / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / s
    return float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))


def fisher_p(table: np.ndarray) -> float:
    """Two-sided p of Fisher's exact test on a 2x2 table, in exact integer arithmetic.

    As scipy: the tables as likely as the observed one or less (within a relative 1e-14)."""
    c = np.asarray(table, dtype=np.int64)
    if 0 in c.sum(axis=0) or 0 in c.sum(axis=1):
        return 1.0
    n1, n2, n = int(c[0, 0] + c[0, 1]), int(c[1, 0] + c[1, 1]), int(c[0, 0] + c[1, 0])
    lo, hi = max(0, n - n2), min(n, n1)
    w = math.comb(n1, lo) * math.comb(n2, n - lo)  # C(n1, x) C(n2, n - x), stepped in x:
    weights = [w]  # each step's division is exact, so the weights stay whole numbers
    for x in range(lo, hi):
        w = w * (n1 - x) * (n - x) // ((x + 1) * (n2 - n + x + 1))
        weights.append(w)
    exact = weights[int(c[0, 0]) - lo]
    mode = int((n + 1) * (n1 + 1) / (n1 + n2 + 2))
    top = weights[mode - lo]
    scale = 10**14  # gamma = 1 + 1e-14, in integers
    if abs(exact - top) * scale <= max(exact, top):
        return 1.0
    limit = exact * (scale + 1)
    tail = sum(w for w in weights if w * scale <= limit)
    return min(tail / math.comb(n1 + n2, n), 1.0)


def chi2_p(table: np.ndarray) -> float:
    """p of Pearson's chi-square test of independence (Yates' correction at one degree)."""
    from scipy import special

    obs = np.asarray(table, dtype=float)
    total = obs.sum()
    expected = np.multiply.outer(obs.sum(axis=1), obs.sum(axis=0)) / total
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return 1.0
    if dof == 1:  # Yates: move each cell half a count towards its expectation
        diff = expected - obs
        direction = np.sign(diff)
        magnitude = np.minimum(0.5, np.abs(diff))
        obs = obs + magnitude * direction
    stat = np.sum((obs - expected) ** 2 / expected)
    return float(special.chdtrc(dof, stat))
