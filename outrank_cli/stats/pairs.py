"""Pairwise statistics between features on the row sample (DESIGN "Redundancy").

For a candidate A and a conditioning feature B (usually one already selected), one
three-way table (A, B, target) gives everything the greedy search needs:

* redundancy I(A;B) with its expected value under permutation (so ID-like pairs are not
  "redundant" by chance) and the normalized form (arithmetic-mean AMI, 1 for duplicates);
* conditional relevance I(A;Y|B'), corrected stratum by stratum: within each stratum the
  expected MI of A and Y under permutation is subtracted, which is the exact noise level of
  a column with A's cardinality that adds nothing beyond B. B' is B coarsened to at most
  ``CONDITION_STRATA`` strata (its most frequent levels, the rest pooled as one "other"
  stratum): conditioning on every level of a 4,000-level B leaves a few rows per stratum, where
  the permutation correction eats all of A's information, so any A would look redundant given
  B (Vinh, Chan & Bailey, AAAI 2014: the null distribution of I(A;Y|B) has
  (|A|-1)(|Y|-1)|B| degrees of freedom, so the test loses its power as |B| grows);
* the joint relevance I(A,B;Y) ~ I(B;Y) + I(A;Y|B');
* the Cochran-Mantel-Haenszel statistic of A and Y within the strata of B' (``stats/stratified.py``):
  the test of a gain that is alike in every stratum, with A's own degrees of freedom;
* for an ordered A (a numeric column's bins), the trend test within the strata of B'
  (``stats/trend.py``): a monotone gain alike in every stratum, one degree of freedom a class.

``combined_gain_p`` tests the conditional relevances of A given several features at once
(the automatic stop of ``select``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

from outrank_cli.encode.cells import row_totals
from outrank_cli.kernels import lazy_module
from outrank_cli.stats.chisquare import chi2_sf
from outrank_cli.stats.multiple import simes
from outrank_cli.stats.relevance import LN2, adjusted_normalized, calibrated_p
from outrank_cli.stats.stratified import cmh_statistic, pooled_levels
from outrank_cli.stats.trend import stratified_trend

joint = lazy_module("outrank_cli.kernels.joint")

# strata of the conditioning feature: as many as the default numeric bins, so a binned numeric
# column is conditioned on in full and a many-level one on its 15 most frequent levels + "other"
CONDITION_STRATA = 16
# coarse cells are summed by direct addressing while their key span is at most this many
# times the number of cells (else sorted)
_DIRECT_SPAN = 8
Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class Gather:
    """A column's codes, made or as stored: sample row ``slots[p]``'s code is
    ``then[first[row[p]]]`` (None: ``slots[p]`` is ``p``, a map none; a slot below 0: a
    stored row not in the sample)."""

    row: np.ndarray
    slots: np.ndarray | None = None
    first: np.ndarray | None = None
    then: np.ndarray | None = None


class StoredCodes(Protocol):
    """``use`` of column ``k``'s ``Gather``: see ``SampleColumns.stored``."""

    def __call__(self, k: int, use: Callable[[Gather], Result], /) -> Result: ...


@dataclass(frozen=True, slots=True)
class SampleColumns:
    """Final codes of every feature on the sample (``int32``, or ``uint16`` where they fit when
    asked for, ``Request.scored(narrow_codes=True)``; 0 = missing) and the target.

    ``stored``, when the codes are made as they are read: ``stored(k, use)`` is ``use`` of
    column ``k``'s ``Gather``, its made codes or else the storage they would be made from
    (held while ``use`` runs), so that one pass over every column does not make them all."""

    names: tuple[str, ...]
    codes: Sequence[np.ndarray]  # a tuple, or made when first read (``parallel.OnDemand``)
    levels: tuple[int, ...]  # codes are < levels
    target: np.ndarray
    n_target: int
    # features whose codes are ordered (a numeric view's bins, three or more: trend-tested);
    # empty: none. The target's codes are ordered when it is numeric (binned).
    ordered: tuple[bool, ...] = ()
    target_ordered: bool = False
    stored: StoredCodes | None = None

    @property
    def rows(self) -> int:
        return int(self.target.shape[0])

    def with_codes(self, k: int, use: Callable[[Gather], Result]) -> Result:
        """``use`` of column ``k``'s codes as a ``Gather`` (see ``stored``)."""
        if self.stored is None:
            return use(Gather(self.codes[k]))
        return self.stored(k, use)


@dataclass(frozen=True, slots=True)
class PairStats:
    """Statistics of feature ``a`` given feature ``b`` on the sample; information in bits."""

    a: int
    b: int
    redundancy: float
    redundancy_expected: float
    redundancy_normalized: float
    conditional_relevance: float  # I(A;Y|B') minus its stratified expected value, B' coarsened B
    conditional_mi: float  # plug-in I(A;Y|B')
    conditional_p: float
    # the test behind conditional_p: I(A;Y|B') scaled so that its null mean is df (a
    # chi-square with df degrees of freedom; 0 when there is nothing to test, inf when E = 0 < I)
    conditional_statistic: float
    conditional_df: float
    # the Cochran-Mantel-Haenszel test of A against Y within the strata of B' (stats/stratified.py)
    cmh_statistic: float = 0.0
    cmh_df: float = 0.0
    # the trend test of ordered A against Y within the strata of B' (stats/trend.py); 0 when
    # A is not ordered
    trend_statistic: float = 0.0
    trend_df: float = 0.0


def coarse_strata(strata: np.ndarray, weights: np.ndarray, levels: int) -> np.ndarray | None:
    """A map ``int64[levels]`` from the levels of the conditioning feature to at most
    ``CONDITION_STRATA`` strata: the levels whose row count is above the
    ``CONDITION_STRATA``-th largest keep a stratum each (so at most ``CONDITION_STRATA - 1``
    of them, chosen without regard to code order), every other level goes to one shared
    stratum. None (keep every level) when there are no more than ``CONDITION_STRATA`` levels."""
    totals = np.bincount(strata, weights=weights, minlength=levels)
    if np.count_nonzero(totals) <= CONDITION_STRATA:
        return None
    return pooled_levels(totals, CONDITION_STRATA)[0]


def _coarsen(
    cell_b: np.ndarray, cell_a: np.ndarray, counts: np.ndarray, mapping: np.ndarray, levels_a: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells re-aggregated over the coarse strata of b: ``(strata, a, counts)``, grouped
    by stratum."""
    key = mapping[cell_b] * levels_a + cell_a
    span = (int(mapping.max()) + 1) * levels_a
    if span <= _DIRECT_SPAN * max(key.shape[0], 1):
        # a counting sort: the keys are few enough to address directly
        summed = np.stack(
            [np.bincount(key, weights=counts[:, j], minlength=span) for j in range(counts.shape[1])], axis=1
        )
        cells = np.flatnonzero(row_totals(summed) > 0)
        merged = summed[cells].astype(counts.dtype)
    else:
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        cells = ordered[starts]
        merged = np.add.reduceat(counts[order], starts, axis=0)
    return cells // levels_a, cells % levels_a, merged


def pair_stats(columns: SampleColumns, a: int, b: int, *, with_target: bool = True) -> PairStats:
    """Redundancy of ``a`` with ``b`` and (optionally) ``a``'s relevance to the target given ``b``."""
    target = columns.target if with_target else np.zeros_like(columns.target)
    n_target = columns.n_target if with_target else 1
    # cells come grouped by their first code: make that the conditioning feature b
    cell_b, cell_a, counts = joint.pair_table(
        columns.codes[b], columns.codes[a], target, levels_b=columns.levels[a], n_target=n_target
    )
    totals = row_totals(counts)
    mi, expected, h_a, h_b = joint.pair_mi(
        cell_a, cell_b, totals, levels_a=columns.levels[a], levels_b=columns.levels[b]
    )
    cmi = cmi_expected = df = cmh = cmh_df = trend = trend_df = 0.0
    p = 1.0
    if with_target:
        row_counts = totals.astype(np.float64)
        mapping = coarse_strata(cell_b, row_counts, columns.levels[b])
        weights: np.ndarray | None = row_counts
        if mapping is None:
            strata, cells_a, coarse_counts, levels = cell_b, cell_a, counts, columns.levels[b]
        else:
            strata, cells_a, coarse_counts = _coarsen(cell_b, cell_a, counts, mapping, columns.levels[a])
            weights, levels = None, CONDITION_STRATA
        cmi, cmi_expected, df = joint.conditional_mi(strata, coarse_counts)
        p = calibrated_p(cmi, cmi_expected, df)
        cmh, cmh_df = cmh_statistic(
            strata, cells_a, coarse_counts, levels_strata=levels, levels_a=columns.levels[a], weights=weights
        )
        if columns.ordered and columns.ordered[a]:
            trend, trend_df = stratified_trend(
                strata,
                cells_a,
                coarse_counts,
                levels_a=columns.levels[a],
                levels_strata=levels,
                ordered_target=columns.target_ordered,
            )
    return PairStats(
        a=a,
        b=b,
        redundancy=mi / LN2,
        redundancy_expected=expected / LN2,
        redundancy_normalized=adjusted_normalized(mi, expected, h_a, h_b),
        conditional_relevance=(cmi - cmi_expected) / LN2,
        conditional_mi=cmi / LN2,
        conditional_p=p,
        conditional_statistic=calibrated_statistic(cmi, cmi_expected, df),
        conditional_df=max(df, 0.0),
        cmh_statistic=cmh,
        cmh_df=cmh_df,
        trend_statistic=trend,
        trend_df=trend_df,
    )


def calibrated_statistic(mi: float, expected_mi: float, df: float) -> float:
    """The statistic ``calibrated_p`` refers to a chi-square with ``df`` degrees of freedom:
    I / (E[I] / df), a chi-square scaled so that its mean is the exact permutation mean E[I].
    0 when there is nothing to test (df <= 0 or I <= 0), inf when E[I] <= 0 < I."""
    if df <= 0 or mi <= 0.0:
        return 0.0
    if expected_mi <= 0.0:
        return math.inf
    return mi / (expected_mi / df)


def _combined_p(statistics: Sequence[tuple[float, float]]) -> float:
    """The sum of dependent chi-square statistics ``(T_j, d_j)`` referred to the scaled
    chi-square with its mean and its largest possible variance (``combined_gain_p``)."""
    statistic = dof = root = 0.0
    for value, df in statistics:
        if df <= 0:
            continue
        if math.isinf(value):
            return 0.0
        statistic += value
        dof += df
        root += math.sqrt(df)
    if dof <= 0:
        return 1.0
    scale = root * root / dof
    return chi2_sf(statistic / scale, dof / scale)


def combined_gain_p(given: Sequence[PairStats]) -> float:
    """One p-value for "A adds nothing given any of the conditioning features" from the
    conditional tests of A given each of them (``given``: A's pairs, one per feature).

    The pairwise statistics T_j (each ~ chi-square with d_j degrees of freedom under its own
    null) are summed. They share A and Y, so they are dependent: the sum has mean D = sum d_j
    whatever the dependence, and at most the variance of perfectly correlated statistics,
    2 (sum sqrt d_j)^2. The sum is referred to the scaled chi-square g * chi2_h with that
    mean and that (largest) variance (Satterthwaite): g = (sum sqrt d_j)^2 / D, h = D / g.
    With equal d_j this is the mean statistic tested as one chi-square with d degrees of
    freedom; with one feature, that feature's own test. 1 when there is nothing to test.

    Two such tests are made, one of the conditional MI statistics (any association in any
    stratum) and one of the Cochran-Mantel-Haenszel statistics (an association alike across
    strata, with the degrees of freedom of A alone), and for an ordered A a third, of the
    stratified trend statistics (a monotone association alike across strata, with one degree
    of freedom per target class, or one for a numeric target); their p-values are combined by
    Simes' rule (``stats/multiple.py``).
    """
    tests = [
        _combined_p([(s.conditional_statistic, s.conditional_df) for s in given]),
        _combined_p([(s.cmh_statistic, s.cmh_df) for s in given]),
    ]
    if any(s.trend_df > 0 for s in given):
        tests.append(_combined_p([(s.trend_statistic, s.trend_df) for s in given]))
    return simes(tests)
