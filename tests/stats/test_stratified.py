"""The Cochran-Mantel-Haenszel statistic (``stats/stratified.py``) against hand-computed values,
the plain-Python reference (``tests/reference.py``) and its null distribution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from outrank_cli.stats.pairs import SampleColumns, pair_stats
from outrank_cli.stats.stratified import cmh_statistic
from tests import reference


def _cells(
    a: np.ndarray, y: np.ndarray, s: np.ndarray, n_y: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells of the (stratum, A) x Y table, one row per (stratum, A) pair present."""
    keys = sorted(set(zip(s.tolist(), a.tolist(), strict=True)))
    index = {key: i for i, key in enumerate(keys)}
    counts = np.zeros((len(keys), n_y), dtype=np.int64)
    for row in range(a.shape[0]):
        counts[index[(int(s[row]), int(a[row]))], int(y[row])] += 1
    return np.array([k[0] for k in keys]), np.array([k[1] for k in keys]), counts


def _statistic(a, y, s) -> tuple[float, float]:
    strata, cell_a, counts = _cells(np.asarray(a), np.asarray(y), np.asarray(s), int(max(y)) + 1)
    return cmh_statistic(strata, cell_a, counts, levels_strata=int(max(s)) + 1, levels_a=int(max(a)) + 1)


def test_two_by_two_tables_match_the_mantel_haenszel_formula():
    # three 2x2 tables [[n11, n12], [n21, n22]]; the classic statistic without continuity
    # correction: (sum (n11 - n1+ n+1 / n))^2 / sum n1+ n2+ n+1 n+2 / (n^2 (n - 1))
    tables = [((12, 5), (7, 9)), ((3, 8), (6, 4)), ((20, 11), (9, 15))]
    a, y, s = [], [], []
    deviation = variance = 0.0
    for stratum, ((n11, n12), (n21, n22)) in enumerate(tables):
        for level, outcome, count in ((0, 0, n11), (0, 1, n12), (1, 0, n21), (1, 1, n22)):
            a += [level] * count
            y += [outcome] * count
            s += [stratum] * count
        n = n11 + n12 + n21 + n22
        row1, row2, col1, col2 = n11 + n12, n21 + n22, n11 + n21, n12 + n22
        deviation += n11 - row1 * col1 / n
        variance += row1 * row2 * col1 * col2 / (n * n * (n - 1))
    statistic, df = _statistic(a, y, s)
    assert df == 1
    assert statistic == pytest.approx(deviation**2 / variance, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(4, 300),
    a_levels=st.integers(2, 24),
    y_levels=st.integers(2, 9),
    strata=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_the_reference(rows, a_levels, y_levels, strata, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, a_levels, rows)
    y = rng.integers(0, y_levels, rows)
    s = rng.integers(0, strata, rows)
    statistic, df = _statistic(a, y, s)
    expected, expected_df = reference.cmh_labels(a.tolist(), y.tolist(), s.tolist())
    assert df == expected_df
    assert statistic == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_nothing_to_test():
    assert _statistic([0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 1]) == (0.0, 0.0)  # one level of A
    assert _statistic([0, 1, 0, 1], [0, 1, 1, 0], [0, 1, 2, 3]) == (0.0, 0.0)  # strata of one row


def test_under_the_null_the_statistic_is_chi_square():
    # A and Y independent within each of 8 strata (each stratum its own rates): the statistic
    # has mean df and its p-values are uniform
    rng = np.random.default_rng(3)
    statistics = []
    for _ in range(400):
        s = rng.integers(0, 8, 600)
        a = (rng.random(600) < 0.2 + 0.08 * s).astype(np.int64) + 2 * (rng.random(600) < 0.5)
        y = (rng.random(600) < 0.9 - 0.1 * s).astype(np.int64)
        statistic, df = _statistic(a, y, s)
        assert df == 3
        statistics.append(statistic)
    values = np.array(statistics)
    assert values.mean() == pytest.approx(3.0, abs=0.35)
    assert np.mean(chi2.sf(values, 3) < 0.05) == pytest.approx(0.05, abs=0.03)


def test_keeps_the_power_that_stratifying_by_many_levels_takes_from_the_mi_test():
    # A carries the same signal in every one of 16 strata of B (A independent of B): the
    # conditional-MI test has 16 times A's degrees of freedom, the CMH test A's own
    rng = np.random.default_rng(11)
    n = 1_500
    a = rng.integers(0, 4, n).astype(np.int32)
    b = rng.integers(0, 16, n).astype(np.int32)
    y = (rng.random(n) < 0.30 + 0.05 * a).astype(np.int32)
    stats = pair_stats(SampleColumns(("a", "b"), (a, b), (4, 16), y, 2), 0, 1)
    assert stats.conditional_df == 3 * 16 and stats.cmh_df == 3
    cmh_p = chi2.sf(stats.cmh_statistic, stats.cmh_df)
    assert cmh_p < 1e-3 < stats.conditional_p
