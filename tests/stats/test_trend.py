"""The trend test (``stats/trend.py``) against hand-computed values, scipy's Kruskal-Wallis and
Spearman statistics, the plain-Python reference (``tests/reference.py``) and its null."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2, chi2_contingency, kruskal, rankdata, spearmanr

from outrank_cli.stats.pairs import SampleColumns, combined_gain_p, pair_stats
from outrank_cli.stats.trend import midranks, stratified_trend, trend_p, trend_statistic
from tests import reference


def _table(x: np.ndarray, y: np.ndarray, s: np.ndarray | None = None) -> np.ndarray:
    """The dense ``[stratum, level, class]`` table of codes ``x`` (levels in order), ``y``, ``s``."""
    s = np.zeros_like(x) if s is None else s
    table = np.zeros((int(s.max()) + 1, int(x.max()) + 1, int(y.max()) + 1), dtype=np.int64)
    np.add.at(table, (s, x, y), 1)
    return table


def _cells(x: np.ndarray, y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells of the (stratum, A) x Y table as ``pair_stats`` hands them over."""
    table = _table(x, y, s)
    strata, levels = np.nonzero(table.sum(axis=2))
    return strata, levels, table[strata, levels]


def test_midranks():
    # levels with 2, 1, 0 and 3 rows take positions 1-2, 3, none and 4-6
    assert midranks(np.array([2, 1, 0, 3])).tolist() == [1.5, 3.0, 3.5, 5.0]
    assert reference.midranks_of([3.0, 1.0, 3.0, 2.0, 1.0]) == [4.5, 1.5, 4.5, 3.0, 1.5]


def test_by_hand():
    # levels with 2, 2 and 2 rows: midranks 1.5, 3.5, 5.5, mean 3.5, variance 8/3. Class 0
    # holds scores 1.5, 1.5, 3.5: sum 6.5 against 3 x 3.5, a deviation of -4. Its variance:
    # 6^2 / 5 x 8/3 x (1/2)(1/2) = 4.8. Q = 16 / 4.8 = 10/3 with one degree of freedom.
    table = np.array([[[2, 0], [1, 1], [0, 2]]])
    statistic, df = trend_statistic(table, ordered_target=False)
    assert df == 1
    assert statistic == pytest.approx(10.0 / 3.0, rel=1e-12)
    # a binary target's two orders test the same thing
    assert trend_statistic(table, ordered_target=True) == pytest.approx((10.0 / 3.0, 1.0), rel=1e-12)
    # the missing level (row 0 of a count table) is left out
    with_missing = np.array([[40, 3], [2, 0], [1, 1], [0, 2]])
    assert trend_p(with_missing, ordered_target=False) == pytest.approx(chi2.sf(10.0 / 3.0, 1), rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("classes", [2, 3, 7])
def test_unordered_target_is_kruskal_wallis(seed, classes):
    # the mean-score statistic with midranks is the Kruskal-Wallis H with its tie correction
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 500))
    x = rng.integers(0, int(rng.integers(3, 17)), n)
    y = (rng.integers(0, classes, n) + (x > x.mean()) * rng.integers(0, 2, n)) % classes
    statistic, df = trend_statistic(_table(x, y), ordered_target=False)
    expected = kruskal(*[x[y == c] for c in np.unique(y)]).statistic
    assert df == len(np.unique(y)) - 1
    assert statistic == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_ordered_target_is_n_minus_one_times_spearman_squared(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 500))
    x = rng.integers(0, 16, n)
    y = np.clip(x // 3 + rng.integers(-3, 4, n), 0, None)
    statistic, df = trend_statistic(_table(x, y), ordered_target=True)
    rho = spearmanr(x, y).statistic
    assert df == 1
    assert statistic == pytest.approx((n - 1) * rho * rho, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(4, 300),
    levels=st.integers(2, 20),
    y_levels=st.integers(2, 9),
    strata=st.integers(1, 20),
    ordered=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_matches_the_reference(rows, levels, y_levels, strata, ordered, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, levels, rows)  # code 0: missing
    y = rng.integers(0, y_levels, rows)
    s = rng.integers(0, strata, rows)
    cells = _cells(x, y, s)
    statistic, df = stratified_trend(*cells, levels_a=levels, levels_strata=strata, ordered_target=ordered)
    labels = [None if v == 0 else int(v) for v in x]
    expected, expected_df = reference.trend_labels(labels, y.tolist(), s.tolist(), ordered_target=ordered)
    assert df == expected_df
    assert statistic == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_nothing_to_test():
    assert trend_statistic(np.array([[[3, 4], [0, 0]]]), ordered_target=False) == (0.0, 0.0)  # one level
    assert trend_statistic(np.array([[[3, 0], [4, 0]]]), ordered_target=False) == (0.0, 0.0)  # one class
    one_row_strata = np.array([[[1, 0], [0, 0]], [[0, 0], [0, 1]]])
    assert trend_statistic(one_row_strata, ordered_target=False) == (0.0, 0.0)
    assert trend_statistic(one_row_strata, ordered_target=True) == (0.0, 0.0)


def test_under_the_null_the_statistic_is_chi_square():
    # X and Y independent within each of 6 strata (each its own rates): mean df, uniform p
    rng = np.random.default_rng(7)
    statistics = []
    for _ in range(400):
        s = rng.integers(0, 6, 500)
        x = rng.integers(0, 8, 500) + s
        y = (rng.random(500) < 0.2 + 0.1 * s).astype(np.int64) + (rng.random(500) < 0.3)
        statistic, df = stratified_trend(
            *_cells(x + 1, y, s), levels_a=15, levels_strata=6, ordered_target=False
        )
        assert df == 2
        statistics.append(statistic)
    values = np.array(statistics)
    assert values.mean() == pytest.approx(2.0, abs=0.25)
    assert np.mean(chi2.sf(values, 2) < 0.05) == pytest.approx(0.05, abs=0.03)


def test_has_the_power_for_a_monotone_effect_that_the_chi_square_spreads_thin():
    # 16 bins, a small monotone effect on 900 rows: the chi-square of the table has 15 degrees
    # of freedom, the trend test one
    rng = np.random.default_rng(1)
    n = 900
    x = rng.integers(0, 16, n)
    y = (rng.random(n) < 0.65 + 0.012 * x).astype(np.int64)
    table = _table(x + 1, y)[0]
    chi_square_p = chi2_contingency(table[1:], correction=False).pvalue
    assert trend_p(table, ordered_target=False) < 0.01 < chi_square_p


def test_pair_stats_trend_tests_only_an_ordered_feature():
    rng = np.random.default_rng(4)
    n = 1_200
    a = rng.integers(1, 12, n).astype(np.int32)
    b = rng.integers(0, 16, n).astype(np.int32)
    y = (rng.random(n) < 0.3 + 0.02 * a).astype(np.int32)
    columns = SampleColumns(("a", "b"), (a, b), (12, 16), y, 2)
    plain = pair_stats(columns, 0, 1)
    assert plain.trend_df == 0
    ordered = pair_stats(SampleColumns(("a", "b"), (a, b), (12, 16), y, 2, ordered=(True, False)), 0, 1)
    expected, df = reference.trend_labels(a.tolist(), y.tolist(), b.tolist())
    assert ordered.trend_df == df == 1
    assert ordered.trend_statistic == pytest.approx(expected, rel=1e-9)
    # the combined test: the smallest of three p-values, tripled
    tests = [
        ordered.conditional_p,
        chi2.sf(ordered.cmh_statistic, ordered.cmh_df),
        chi2.sf(ordered.trend_statistic, 1),
    ]
    assert combined_gain_p([ordered]) == pytest.approx(min(1.0, 3 * min(tests)), rel=1e-9)
    assert combined_gain_p([plain]) == pytest.approx(min(1.0, 2 * min(tests[:2])), rel=1e-9)
    assert chi2.sf(ordered.trend_statistic, 1) < min(tests[:2])


def test_ranks_not_values():
    # the scores are the levels' midranks: spreading the levels apart changes nothing
    rng = np.random.default_rng(2)
    x = rng.integers(0, 5, 200)
    y = (rng.random(200) < 0.3 + 0.1 * x).astype(np.int64)
    spread = np.array([0, 1, 2, 30, 31])[x]
    assert reference.trend_labels(x.tolist(), y.tolist()) == pytest.approx(
        reference.trend_labels(spread.tolist(), y.tolist())
    )
    assert trend_statistic(_table(x, y), ordered_target=False)[0] == pytest.approx(
        kruskal(*[rankdata(x)[y == c] for c in (0, 1)]).statistic, rel=1e-9
    )


@pytest.mark.parametrize("seed", range(12))
def test_the_compiled_sums_give_the_statistic_of_one_stratum(seed):
    # trend_p sums in one compiled pass; trend_statistic is the numpy form of any strata
    rng = np.random.default_rng(seed)
    levels, classes = int(rng.integers(2, 18)), int(rng.integers(2, 7))
    table = rng.integers(0, 30, (levels, classes)) * (rng.random((levels, classes)) < 0.7)
    for ordered in (False, True):
        statistic, df = trend_statistic(table[None, 1:], ordered_target=ordered)
        if np.count_nonzero(table[1:].sum(axis=1)) < 3:
            assert trend_p(table, ordered_target=ordered) is None  # two levels: no trend test
        else:
            expected = chi2.sf(statistic, df) if df else 1.0
            assert trend_p(table, ordered_target=ordered) == pytest.approx(expected, rel=1e-9)


def test_the_compiled_sums_with_nothing_to_test():
    # fewer than three levels with rows: no trend test at all
    assert trend_p(np.array([[5, 5], [3, 4], [0, 0], [2, 2]]), ordered_target=False) is None
    assert trend_p(np.array([[5, 5], [1, 0], [0, 0]]), ordered_target=True) is None  # one row
    assert trend_p(np.zeros((1, 2), dtype=np.int64), ordered_target=False) is None
    # three levels but one class, or many classes unordered: a test with nothing to show
    assert trend_p(np.array([[5, 5], [3, 0], [4, 0], [1, 0]]), ordered_target=False) == 1.0
    many = np.ones((4, 40), dtype=np.int64)
    assert trend_p(many, ordered_target=False) == 1.0
    assert trend_p(many, ordered_target=True) == 1.0  # no association at all: Q = 0
