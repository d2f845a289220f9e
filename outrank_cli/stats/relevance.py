"""Relevance statistics of a feature from its count table (DESIGN "Statistics").

Inside, everything is in nats; ``Relevance`` reports bits. The relevance ``score`` is chosen
by name from ``CORRECTIONS`` (a registry, so the CLI and the library accept strings).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from outrank_cli.kernels import lazy_module
from outrank_cli.stats.chisquare import chi2_sf
from outrank_cli.stats.outrank_compat import outrank_score

LN2 = math.log(2.0)
information = lazy_module("outrank_cli.kernels.information")
permutation = lazy_module("outrank_cli.kernels.permutation")
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class TableSummary:
    """What every correction may use: the table, its rows and levels with rows, and the basic
    quantities (nats)."""

    table: np.ndarray
    n: int
    mi: float
    expected_mi: float
    feature_entropy: float
    target_entropy: float
    feature_levels: int  # levels of the feature with rows
    target_levels: int  # levels of the target with rows
    permutations: int
    seed: int

    @classmethod
    def of(cls, table: np.ndarray, *, permutations: int = 0, seed: int = 0) -> TableSummary:
        return cls.of_each([table], permutations=permutations, seed=seed)[0]

    @classmethod
    def of_each(
        cls, tables: Sequence[np.ndarray], *, permutations: int = 0, seed: int = 0
    ) -> list[TableSummary]:
        """The summary of each of ``tables``, from one compiled call for each width (the views
        of a pass have their target's)."""
        tables = [np.ascontiguousarray(table, dtype=np.int64) for table in tables]
        rows: list[list[float]] = [[] for _ in tables]
        by_width: dict[int, list[int]] = {}
        for index, table in enumerate(tables):
            by_width.setdefault(table.shape[1], []).append(index)
        for indices in by_width.values():
            for index, row in zip(
                indices, information.table_summaries([tables[i] for i in indices]).tolist(), strict=True
            ):
                rows[index] = row
        return [
            cls(
                table=table,
                n=int(row[information.SUMMARY_ROWS]),
                mi=row[information.SUMMARY_MI],
                expected_mi=row[information.SUMMARY_EXPECTED_MI],
                feature_entropy=row[information.SUMMARY_H_FEATURE],
                target_entropy=row[information.SUMMARY_H_TARGET],
                feature_levels=int(row[information.SUMMARY_FEATURE_LEVELS]),
                target_levels=int(row[information.SUMMARY_TARGET_LEVELS]),
                permutations=permutations,
                seed=seed,
            )
            for table, row in zip(tables, rows, strict=True)
        ]

    @cached_property
    def target_counts(self) -> np.ndarray:
        counts: np.ndarray = self.table.sum(axis=0)
        return counts

    @cached_property
    def feature_counts(self) -> np.ndarray:
        counts: np.ndarray = self.table.sum(axis=1)
        return counts

    @cached_property
    def null_sample(self) -> np.ndarray:
        """MI of ``permutations`` random target permutations (nats), seeded; drawn once."""
        return np.asarray(
            permutation.permutation_mi(
                self.target_counts, self.feature_counts, n_permutations=self.permutations, seed=self.seed
            )
        )


def _no_correction(summary: TableSummary) -> float:
    return summary.mi


def _adjusted(summary: TableSummary) -> float:
    return summary.mi - summary.expected_mi


def _miller_madow(summary: TableSummary) -> float:
    """I + ((m_X - 1) + (m_Y - 1) - (m_XY - 1)) / 2N with m = non-empty cells (Miller 1955)."""
    if summary.n == 0:
        return 0.0
    m_x = summary.feature_levels
    m_y = summary.target_levels
    m_xy = int(np.count_nonzero(summary.table))
    return summary.mi + ((m_x - 1) + (m_y - 1) - (m_xy - 1)) / (2.0 * summary.n)


def _permutation(summary: TableSummary) -> float:
    return summary.mi - float(summary.null_sample.mean())


def _outrank(summary: TableSummary) -> float:
    return outrank_score(summary.table, seed=summary.seed)


CORRECTIONS: dict[str, Callable[[TableSummary], float]] = {
    "ami": _adjusted,
    "none": _no_correction,
    "miller-madow": _miller_madow,
    "permutation": _permutation,
    "outrank": _outrank,
}


@dataclass(frozen=True, slots=True)
class Relevance:
    """Relevance of one feature to the target. Information quantities are in bits."""

    score: float
    mi: float
    expected_mi: float
    ami_normalized: float
    symmetric_uncertainty: float
    p_value: float
    entropy: float


def adjusted_normalized(mi: float, expected_mi: float, h_x: float, h_y: float) -> float:
    """(I - E[I]) / (mean(H(X), H(Y)) - E[I]): scikit-learn's arithmetic-mean AMI."""
    if h_x == 0.0 and h_y == 0.0:
        return 1.0
    denominator = (h_x + h_y) / 2.0 - expected_mi
    denominator = min(denominator, -_EPS) if denominator < 0 else max(denominator, _EPS)
    return (mi - expected_mi) / denominator


def calibrated_chi2_p(summary: TableSummary) -> float:
    """P-value of G = 2 N I against a chi-square scaled so its mean is 2 N E[I] exactly.

    The plain G-test assumes E[G] = df, which fails badly for sparse tables (ID-like
    columns have G close to its maximum by chance). Scaling by the exact permutation mean
    keeps the chi-square shape but centres it where the permutation null really is.
    """
    df = (summary.feature_levels - 1) * (summary.target_levels - 1)
    return calibrated_p(summary.mi, summary.expected_mi, float(df))


def calibrated_p(mi: float, expected_mi: float, df: float) -> float:
    """The calibrated chi-square p-value of an MI (nats) with its expected value and ``df``."""
    if df <= 0 or mi <= 0.0:
        return 1.0
    if expected_mi <= 0.0:
        return 0.0
    return chi2_sf(mi / (expected_mi / df), df)


def permutation_p(summary: TableSummary) -> float:
    """(1 + #{null >= observed}) / (1 + B), the standard unbiased permutation p-value."""
    null = summary.null_sample
    # the null and the observed MI are sums in different orders: compare with a relative slack
    tolerance = 1e-9 * summary.mi + 1e-12
    return float((1 + np.count_nonzero(null >= summary.mi - tolerance)) / (1 + null.shape[0]))


def relevance(summary: TableSummary, *, correction: str) -> Relevance:
    """All relevance figures for one table, with ``score`` from the named correction."""
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r}; valid: {', '.join(CORRECTIONS)}")
    score = CORRECTIONS[correction](summary)
    h_x, h_y = summary.feature_entropy, summary.target_entropy
    su = 2.0 * summary.mi / (h_x + h_y) if h_x + h_y > 0 else 0.0
    p_value = permutation_p(summary) if correction == "permutation" else calibrated_chi2_p(summary)
    return Relevance(
        score=score / LN2,
        mi=summary.mi / LN2,
        expected_mi=summary.expected_mi / LN2,
        ami_normalized=adjusted_normalized(summary.mi, summary.expected_mi, h_x, h_y),
        symmetric_uncertainty=su,
        p_value=p_value,
        entropy=h_x / LN2,
    )
