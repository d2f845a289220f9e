"""The chi-square upper tail against scipy, including huge df and p-values near 1e-300."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from outrank_cli.stats.chisquare import chi2_sf

REL = 1e-8

DFS = [0.5, 1.0, 2.0, 3.0, 7.0, 10.0, 33.0, 100.0, 999.0, 1e4, 99_999.0, 1e5]
# statistics placed at these upper-tail probabilities (by scipy's inverse), so every df
# is probed from the bulk to far in the tail
TAILS = [1 - 1e-9, 0.999, 0.9, 0.5, 0.1, 1e-3, 1e-10, 1e-30, 1e-100, 1e-200, 1e-290]


def assert_close(statistic: float, df: float) -> None:
    expected = float(chi2.sf(statistic, df))
    actual = chi2_sf(statistic, df)
    assert math.isclose(actual, expected, rel_tol=REL, abs_tol=0.0), (
        statistic,
        df,
        actual,
        expected,
    )


@pytest.mark.parametrize("df", DFS)
@pytest.mark.parametrize("tail", TAILS)
def test_grid_of_tail_probabilities(df: float, tail: float) -> None:
    statistic = float(chi2.isf(tail, df))
    assert_close(statistic, df)


@pytest.mark.parametrize("df", DFS)
@pytest.mark.parametrize("ratio", [1e-6, 0.01, 0.5, 0.9, 1.0, 1.1, 1.5, 2.0, 3.0])
def test_grid_of_statistic_over_df(df: float, ratio: float) -> None:
    statistic = ratio * df
    if chi2.sf(statistic, df) < 1e-300:
        # below the smallest normal double: only "tiny" is meaningful
        assert 0.0 <= chi2_sf(statistic, df) < 1e-290
        return
    assert_close(statistic, df)


@pytest.mark.parametrize("df", DFS)
def test_around_the_series_fraction_switch(df: float) -> None:
    # the implementation switches methods at statistic = df + 2
    for statistic in (df + 2.0 - 1e-9, df + 2.0, df + 2.0 + 1e-9):
        assert_close(statistic, df)


def test_tiny_p_value() -> None:
    assert_close(2000.0, 1.0)  # p about 1e-439 is not a double: both give 0
    statistic = float(chi2.isf(1e-200, 1e5))
    p = chi2_sf(statistic, 1e5)
    assert p == pytest.approx(1e-200, rel=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    df=st.floats(min_value=0.1, max_value=1e5),
    ratio=st.floats(min_value=1e-3, max_value=4.0),
)
def test_random_points(df: float, ratio: float) -> None:
    statistic = ratio * df
    if chi2.sf(statistic, df) < 1e-300:
        return
    assert_close(statistic, df)


@pytest.mark.parametrize(("statistic", "df"), [(0.0, 1.0), (-3.0, 5.0), (4.0, 0.0), (4.0, -1.0)])
def test_degenerate_inputs_give_one(statistic: float, df: float) -> None:
    assert chi2_sf(statistic, df) == 1.0


def test_monotone_in_statistic() -> None:
    for df in (1.0, 50.0, 1e4):
        values = [chi2_sf(df * r, df) for r in (0.5, 0.8, 0.95, 1.0, 1.05, 1.2, 2.0)]
        assert all(a >= b for a, b in itertools.pairwise(values))


@settings(max_examples=300, deadline=None)
@given(
    df=st.floats(0.5, 2e5, allow_nan=False),
    ratio=st.floats(0.01, 20.0, allow_nan=False),
)
def test_compiled_incomplete_gamma_gives_the_bits_of_the_pure_python_one(df: float, ratio: float) -> None:
    """The loops moved into compiled kernels: p-values in the reports must stay the same bits."""
    from outrank_cli.kernels.chisquare import lower_gamma_series, upper_gamma_fraction
    from tests import reference

    a, x = df / 2.0, df * ratio / 2.0
    if x < a + 1.0:
        assert lower_gamma_series(a, x) == reference.gamma_series(a, x)
    else:
        assert upper_gamma_fraction(a, x) == reference.gamma_continued_fraction(a, x)
