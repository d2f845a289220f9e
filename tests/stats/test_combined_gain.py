"""The combined conditional test of the automatic stop (``combined_gain_p``) against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2

from outrank_cli.stats.pairs import PairStats, SampleColumns, combined_gain_p, pair_stats


def _given(statistic: float, df: float, p: float = 0.5, cmh: float = 0.0, cmh_df: float = 0.0) -> PairStats:
    return PairStats(
        a=0,
        b=1,
        redundancy=0.0,
        redundancy_expected=0.0,
        redundancy_normalized=0.0,
        conditional_relevance=0.0,
        conditional_mi=0.0,
        conditional_p=p,
        conditional_statistic=statistic,
        conditional_df=df,
        cmh_statistic=cmh,
        cmh_df=cmh_df,
    )


def test_one_feature_is_its_own_test():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 6, 3_000).astype(np.int32)
    b = rng.integers(0, 4, 3_000).astype(np.int32)
    y = ((a + rng.integers(0, 3, 3_000)) % 2).astype(np.int32)
    stats = pair_stats(SampleColumns(("a", "b"), (a, b), (6, 4), y, 2), 0, 1)
    assert stats.conditional_df == 4 * 5 * 1 and stats.cmh_df == 5
    # the smaller of the pair's two tests, doubled
    by_cmh = chi2.sf(stats.cmh_statistic, stats.cmh_df)
    assert combined_gain_p([stats]) == pytest.approx(2 * min(stats.conditional_p, by_cmh), rel=1e-9)
    assert 0.0 < stats.conditional_p < 1e-6


def test_equal_degrees_of_freedom_test_the_mean_statistic():
    # perfectly correlated statistics with d degrees of freedom each: the mean is chi2_d
    given = [_given(30.0, 12.0), _given(10.0, 12.0), _given(26.0, 12.0)]
    assert combined_gain_p(given) == pytest.approx(2 * chi2.sf(22.0, 12), rel=1e-10)


def test_unequal_degrees_of_freedom_match_the_scaled_chi_square():
    given = [_given(40.0, 5.0), _given(90.0, 60.0), _given(0.0, 15.0)]
    total, dof = 130.0, 80.0
    roots = math.sqrt(5.0) + math.sqrt(60.0) + math.sqrt(15.0)
    scale = roots**2 / dof  # mean dof, variance 2 roots^2: g = roots^2 / D, h = D / g
    assert combined_gain_p(given) == pytest.approx(2 * chi2.sf(total / scale, dof / scale), rel=1e-10)


def test_the_cmh_statistics_are_combined_the_same_way_and_the_stronger_test_counts():
    # conditional MI statistics near their null, CMH statistics far above theirs (3 df each)
    given = [_given(50.0, 48.0, cmh=14.0, cmh_df=3.0), _given(40.0, 45.0, cmh=20.0, cmh_df=3.0)]
    by_cmh = chi2.sf(17.0, 3)  # equal degrees of freedom: the mean statistic, one chi-square
    assert combined_gain_p(given) == pytest.approx(2 * by_cmh, rel=1e-10)
    # no CMH degrees of freedom: the conditional MI test alone, doubled
    assert combined_gain_p([_given(30.0, 12.0, cmh=0.0, cmh_df=0.0)]) == pytest.approx(
        2 * chi2.sf(30.0, 12), rel=1e-10
    )


def test_edge_cases():
    assert combined_gain_p([]) == 1.0
    assert combined_gain_p([_given(0.0, 0.0)]) == 1.0  # nothing to test
    assert combined_gain_p([_given(0.0, 8.0), _given(0.0, 3.0)]) == 1.0
    assert combined_gain_p([_given(5.0, 4.0), _given(math.inf, 2.0)]) == 0.0  # E = 0 < I
    # a pair without degrees of freedom neither adds to nor dilutes the others
    assert combined_gain_p([_given(30.0, 12.0), _given(0.0, 0.0)]) == combined_gain_p([_given(30.0, 12.0)])
