"""reach.csv's tests without scipy.stats (qualkit.delivery.reachstats) agree with scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from qualkit.delivery.reachstats import chi2_p, fisher_p, mann_whitney_p, welch_p


def _close(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-10 * max(abs(b), 1e-300)


@pytest.mark.parametrize("seed", range(40))
def test_two_sample_tests_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n1, n2 = (int(x) for x in rng.integers(2, 80, 2))
    if seed % 2:  # ages: many ties
        a = rng.integers(20, 65, n1).astype(float)
        b = rng.integers(20, 65, n2).astype(float) + seed % 5
    else:  # no ties; small samples take the exact Mann-Whitney distribution
        a, b = rng.normal(0, 1, n1), rng.normal(0.4, 1.5, n2)
    assert _close(welch_p(a, b), stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert _close(mann_whitney_p(a, b), stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def test_two_sample_tests_large_and_degenerate() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.integers(20, 65, 4000).astype(float), rng.integers(21, 66, 5000).astype(float)
    assert _close(welch_p(a, b), stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert _close(mann_whitney_p(a, b), stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    same = np.array([3.0, 3.0, 3.0])
    with np.errstate(all="ignore"):
        assert np.isnan(welch_p(same, same))
        assert np.isnan(stats.ttest_ind(same, same, equal_var=False).pvalue)


@pytest.mark.parametrize(
    "table",
    [
        [[5, 5], [5, 5]],  # the observed table is the most likely: p = 1
        [[3, 7], [7, 3]],  # symmetric: the mirrored table counts too
        [[0, 9], [4, 2]],
        [[12, 0], [0, 9]],
        [[2010, 1990], [2400, 2600]],  # register-sized
        [[1, 0], [0, 0]],  # an empty row: p = 1
    ],
)
def test_fisher_matches_scipy(table: list[list[int]]) -> None:
    t = np.array(table)
    assert _close(fisher_p(t), stats.fisher_exact(t)[1])


def test_fisher_and_chi2_match_scipy_on_random_tables() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        t = rng.integers(0, 40, (2, 2))
        assert _close(fisher_p(t), stats.fisher_exact(t)[1]), t
        k = int(rng.integers(2, 7))
        t = rng.integers(1, 60, (k, 2))
        assert _close(chi2_p(t), stats.chi2_contingency(t)[1]), t


def test_distribution_tails_match_scipy_special() -> None:
    from scipy import special

    from qualkit.delivery.reachstats import chi2_sf, normal_cdf, t_cdf

    for df in (1.0, 2.5, 7.0, 30.0, 412.3, 8997.0):
        for t in (-60.0, -12.0, -3.1, -1.0, -0.2, 0.0, 0.7, 2.0, 9.0, float("-inf")):
            assert _close(t_cdf(df, t), float(special.stdtr(df, t))), (df, t)
    for k in (1.0, 2.0, 3.0, 5.0, 17.0, 120.0):
        for x in (0.0, 0.01, 0.5, 1.0, 3.8, 11.0, 60.0, 400.0):
            assert _close(chi2_sf(k, x), float(special.chdtrc(k, x))), (k, x)
    for z in (-30.0, -8.0, -2.0, -0.3, 0.0, 1.5, 6.0):
        assert _close(normal_cdf(z), float(special.ndtr(z))), z


def test_reach_table_imports_no_scipy() -> None:
    """The tally's start-up budget: reach.csv's tests run without importing scipy."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np;"
        "from qualkit.delivery import reachstats as r;"
        "a = np.arange(30.0); b = np.arange(5.0, 45.0);"
        "r.welch_p(a, b); r.mann_whitney_p(a, b); r.fisher_p(np.array([[3, 4], [5, 1]]));"
        "r.chi2_p(np.array([[3, 4], [5, 1], [2, 2]]));"
        "print(any(m == 'scipy' or m.startswith('scipy.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
