"""The trend test: an ordered feature (a numeric column's bins) against the target.

The chi-square of a binned column's table looks for any association, with (B - 1)(C - 1)
degrees of freedom for B bins and C target classes. A monotone effect (the more X, the more
or the less likely each class) is one direction among those: the score test of that direction
has C - 1 degrees of freedom (the mean-score statistic: do the classes differ in their mean
score of X?), and one when the target is numeric (the linear-by-linear, or correlation,
statistic (n - 1) r^2). On a few hundred rows it has about B times the power for such an
effect: on 923 rows of a credit-card table, the number of active accounts has p = 0.09 by the
16-bin chi-square and 0.0005 by the trend test (benchmarks/README.md). Agresti, Categorical
Data Analysis, 3rd ed., sec. 3.4 (linear trend) and 6.4 (the CMH family); Landis, Heyman &
Koch, Int. Stat. Rev. 1978.

The scores are the bins' midranks over the rows with a value (missing rows are left out), so
the test does not depend on how wide the bins are; with the target's midranks for a numeric
target. The mean-score statistic with midranks is the Kruskal-Wallis H with its correction for
ties. With strata (the levels of a selected feature), the deviations of the score sums from
their expected values and their permutation covariances are summed over the strata first (the
CMH mean-score and correlation statistics), so a trend alike in every stratum keeps its one
degree of freedom per class. Under the null of no association the statistic's permutation mean
is exactly its degrees of freedom, whatever the table's sparsity; it is referred to a
chi-square with that many.
"""

from __future__ import annotations

import math

import numpy as np

from outrank_cli.kernels import lazy_module
from outrank_cli.kernels.constants import TREND_TINY
from outrank_cli.stats.chisquare import chi2_sf
from outrank_cli.stats.stratified import MAX_TARGET_LEVELS, pooled_levels, quadratic_form

information = lazy_module("outrank_cli.kernels.information")


def midranks(totals: np.ndarray) -> np.ndarray:
    """The midrank of each level of an ordered variable from its row counts: the mean of
    the positions 1..n its rows take when sorted (ties share them)."""
    totals = totals.astype(np.float64, copy=False)
    return np.cumsum(totals) - (totals - 1.0) / 2.0


def trend_statistic(table: np.ndarray, *, ordered_target: bool) -> tuple[float, float]:
    """``(Q, df)`` of the trend test of a three-way table ``table[stratum, level, class]``,
    levels in order (no missing level); ``(0, 0)`` when there is nothing to test: fewer than
    two levels or classes with rows, no stratum of two rows or more with both varying, or,
    with an unordered target, more than ``MAX_TARGET_LEVELS`` classes. ``ordered_target``
    scores the classes by their midranks (one degree of freedom); otherwise each class is
    compared with the others (C - 1)."""
    table = table.astype(np.float64, copy=False)
    level_totals = table.sum(axis=(0, 2))
    class_totals = table.sum(axis=(0, 1))
    present = class_totals > 0
    n_y = int(present.sum())
    if np.count_nonzero(level_totals) < 2 or n_y < 2 or (not ordered_target and n_y > MAX_TARGET_LEVELS):
        return 0.0, 0.0
    table = table[:, :, present]
    scores = midranks(level_totals)
    n = table.sum(axis=(1, 2))
    table = table[n >= 2]
    n = n[n >= 2]
    by_level = table.sum(axis=2)  # rows of each stratum and level
    by_class = table.sum(axis=1)  # rows of each stratum and class
    mean = by_level @ scores / n
    spread = by_level @ (scores * scores) / n - mean * mean  # the scores' variance in each stratum
    # observed minus expected score sums of each class, summed over the strata
    deviation = (np.einsum("hac,a->hc", table, scores) - mean[:, None] * by_class).sum(axis=0)
    weight = n * n / (n - 1) * np.maximum(spread, 0.0)
    shares = by_class / n[:, None]
    if ordered_target:
        class_scores = midranks(class_totals[present])
        class_mean = shares @ class_scores
        class_spread = np.maximum(shares @ (class_scores * class_scores) - class_mean * class_mean, 0.0)
        variance = float(weight @ class_spread)
        if variance <= TREND_TINY * max(float(n.sum()), 1.0) ** 2:
            return 0.0, 0.0
        statistic = float(deviation @ class_scores)
        return statistic * statistic / variance, 1.0
    # the last class left out: the others' deviations determine it
    kept = shares[:, :-1]
    covariance = np.einsum("h,hij->ij", weight, kept[:, :, None] * (np.eye(n_y - 1)[None] - kept[:, None, :]))
    return quadratic_form(deviation[:-1], covariance)


def trend_p(table: np.ndarray, *, ordered_target: bool) -> float | None:
    """The trend test's p-value of an ordered feature's count table (``table[level, class]``,
    ``int64``, row 0 the missing level, left out); None when fewer than three levels have rows
    (``EncodedFeature.ordered``: on two, a trend is any association, which the chi-square
    tests). One compiled call for a two-class or ordered target (the ranking tests every
    numeric view, 10,000 of a wide table, and each Python step there waits for the
    interpreter lock); ``trend_statistic`` for an unordered target of more classes."""
    if table.shape[0] < 4:  # the missing level and fewer than three others
        return None
    statistic, df, levels = information.trend_test(table[1:], ordered_target=ordered_target)
    if levels < 3:
        return None
    if df < 0:  # more than two classes, unordered: the quadratic form
        return chi2_sf(*trend_statistic(table[None, 1:], ordered_target=False))
    if df == 0.0:
        return 1.0
    return math.erfc(math.sqrt(statistic / 2.0))  # the chi-square tail of one degree


def stratified_trend(
    strata: np.ndarray,
    cell_a: np.ndarray,
    counts: np.ndarray,
    *,
    levels_a: int,
    levels_strata: int,
    ordered_target: bool,
) -> tuple[float, float]:
    """``(Q, df)`` of the trend test of ordered feature A within the strata of another, from
    the cells of their three-way table (``counts[cell, y]``, A's code 0 missing and left
    out)."""
    weights = counts.sum(axis=1).astype(np.float64)
    s_map, n_strata = pooled_levels(
        np.bincount(strata, weights=weights, minlength=levels_strata), np.iinfo(np.int64).max
    )
    cell = s_map[strata] * levels_a + cell_a
    n_y = counts.shape[1]
    table = np.stack(
        [np.bincount(cell, weights=counts[:, j], minlength=n_strata * levels_a) for j in range(n_y)], axis=1
    ).reshape(n_strata, levels_a, n_y)
    return trend_statistic(table[:, 1:], ordered_target=ordered_target)
