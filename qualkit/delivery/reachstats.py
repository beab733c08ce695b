"""The four tests of reach.csv without ``scipy.stats`` (nor ``scipy.special``).

Importing ``scipy.stats`` costs about a second, more than the rest of a 500,000-event
`qualkit tally`; ``scipy.special`` alone still a third of one. The three distribution tails
needed (normal, Student's t, chi-square) are the regularised incomplete beta and gamma
functions, computed here by their series and continued fractions (Numerical Recipes 6.2,
6.4). The tests follow scipy.stats' own formulas
(scipy 1.17: ``ttest_ind(equal_var=False)``, ``mannwhitneyu`` asymptotic with continuity and
tie correction, ``fisher_exact`` two-sided, ``chi2_contingency``) and agree with it to about
1e-10 or better (tests/test_reach_stats.py compares them); reach.csv prints three decimals. The one
case they do not cover, Mann-Whitney's exact distribution (a sample of 8 or fewer without
ties), is handed to scipy.stats.
"""

from __future__ import annotations

import math

import numpy as np

_EPS = 1e-16
_TINY = 1e-300
_MAX_STEPS = 100_000


def _gamma_p_series(a: float, x: float) -> float:
    """P(a, x) by its series (converges fast for x < a + 1)."""
    ap, term = a, 1.0 / a
    total = term
    for _ in range(_MAX_STEPS):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_q_fraction(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction, modified Lentz (for x >= a + 1)."""
    b = x + 1.0 - a
    c, d = 1.0 / _TINY, 1.0 / b
    h = d
    for i in range(1, _MAX_STEPS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi2_sf(dof: float, x: float) -> float:
    """P(X > x) for X chi-square with ``dof`` degrees of freedom (scipy's chdtrc)."""
    if math.isnan(x):
        return math.nan
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    a, y = dof / 2.0, x / 2.0
    return 1.0 - _gamma_p_series(a, y) if y < a + 1.0 else _gamma_q_fraction(a, y)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function, modified Lentz."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (_TINY if abs(d) < _TINY else d)
    h = d
    for m in range(1, _MAX_STEPS):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (_TINY if abs(d) < _TINY else d)
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (_TINY if abs(d) < _TINY else d)
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(df: float, t: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom (scipy's stdtr)."""
    if math.isnan(t) or math.isnan(df):
        return math.nan
    if math.isinf(t):
        return 0.0 if t < 0 else 1.0
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t < 0 else 1.0 - tail


def normal_cdf(z: float) -> float:
    """P(Z <= z) for the standard normal (scipy's ndtr)."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def welch_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p of Welch's t-test (both samples of two or more)."""
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
    return 2 * t_cdf(float(df), -abs(float(t)))


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
    p = 2 * normal_cdf(-float(z))
    return p if math.isnan(p) else min(max(p, 0.0), 1.0)


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
    return chi2_sf(float(dof), float(stat))
