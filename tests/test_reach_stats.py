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
