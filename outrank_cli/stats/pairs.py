"""Pairwise statistics between features on the row sample (DESIGN "Redundancy").

For a candidate A and a conditioning feature B (usually one already selected), one
three-way table (A, B, target) gives everything the greedy search needs:

* redundancy I(A;B) with its expected value under permutation (so ID-like pairs are not
  "redundant" by chance) and the normalized form (arithmetic-mean AMI, 1 for duplicates);
* conditional relevance I(A;Y|B), corrected stratum by stratum: within each value of B the
  expected MI of A and Y under permutation is subtracted, which is the exact noise level of
  a column with A's cardinality that adds nothing beyond B;
* the joint relevance I(A,B;Y) = I(B;Y) + I(A;Y|B).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from outrank_cli.kernels import lazy_module
from outrank_cli.stats.relevance import LN2, adjusted_normalized, calibrated_p

joint = lazy_module("outrank_cli.kernels.joint")


@dataclass(frozen=True, slots=True)
class SampleColumns:
    """Final codes of every feature on the sample (``int32``, 0 = missing) and the target."""

    names: tuple[str, ...]
    codes: tuple[np.ndarray, ...]
    levels: tuple[int, ...]  # codes are < levels
    target: np.ndarray
    n_target: int

    @property
    def rows(self) -> int:
        return int(self.target.shape[0])


@dataclass(frozen=True, slots=True)
class PairStats:
    """Statistics of feature ``a`` given feature ``b`` on the sample; information in bits."""

    a: int
    b: int
    redundancy: float
    redundancy_expected: float
    redundancy_normalized: float
    conditional_relevance: float  # I(A;Y|B) minus its stratified expected value
    conditional_mi: float  # plug-in I(A;Y|B)
    conditional_p: float


def pair_stats(columns: SampleColumns, a: int, b: int, *, with_target: bool = True) -> PairStats:
    """Redundancy of ``a`` with ``b`` and (optionally) ``a``'s relevance to the target given ``b``."""
    target = columns.target if with_target else np.zeros_like(columns.target)
    n_target = columns.n_target if with_target else 1
    # cells come grouped by their first code: make that the conditioning feature b
    cell_b, cell_a, counts = joint.pair_table(
        columns.codes[b], columns.codes[a], target, levels_b=columns.levels[a], n_target=n_target
    )
    mi, expected, h_a, h_b = joint.pair_mi(
        cell_a, cell_b, counts.sum(axis=1), levels_a=columns.levels[a], levels_b=columns.levels[b]
    )
    cmi = cmi_expected = 0.0
    p = 1.0
    if with_target:
        cmi, cmi_expected, df = joint.conditional_mi(cell_b, counts)
        p = calibrated_p(cmi, cmi_expected, df)
    return PairStats(
        a=a,
        b=b,
        redundancy=mi / LN2,
        redundancy_expected=expected / LN2,
        redundancy_normalized=adjusted_normalized(mi, expected, h_a, h_b),
        conditional_relevance=(cmi - cmi_expected) / LN2,
        conditional_mi=cmi / LN2,
        conditional_p=p,
    )
