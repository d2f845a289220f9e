"""Entropy, mutual information and expected mutual information from count tables.

All values are in nats. ``counts`` is an ``int64[n_feature_levels, n_target_levels]``
contingency table; empty rows or columns are allowed and contribute nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from outrank_cli.kernels import code_array
from outrank_cli.kernels.backend import kernel

_entropy = kernel("entropy")
_mutual_information = kernel("mutual_information")
_entropy_of_counts = kernel("entropy_of_counts")
_entropy_of_codes = kernel("entropy_of_codes")
_entropy_of_narrow_codes = kernel("entropy_of_narrow_codes")
_mutual_information_of_counts = kernel("mutual_information_of_counts")
_table_summaries = kernel("table_summaries")
_expected_mutual_information = kernel("expected_mutual_information")
_trend_test = kernel("trend_test")


def entropy(counts: np.ndarray) -> float:
    """Plug-in entropy (nats) of a vector of counts."""
    if _is_integer_table(counts, 1):  # no float64 copy: the kernel converts each count
        return float(_entropy_of_counts(counts))
    return float(_entropy(np.ascontiguousarray(counts, dtype=np.float64).ravel()))


def entropy_of_codes(codes: np.ndarray, levels: int) -> float:
    """Plug-in entropy (nats) of the counts of non-negative codes (``uint16`` as they are,
    anything else as ``int32``; ``levels``: the codes' room, the counts grow past it if a
    code needs)."""
    c = code_array(codes)
    result = float((_entropy_of_narrow_codes if c.dtype == np.uint16 else _entropy_of_codes)(c, levels))
    if result < 0:
        raise ValueError(f"codes must be >= 0, got {int(codes.min())}")
    return result


def mutual_information(counts: np.ndarray) -> float:
    """Plug-in mutual information (nats) of a 2-D contingency table of counts."""
    if _is_integer_table(counts, 2):  # a count table: no float64 copy (same result)
        return float(_mutual_information_of_counts(counts))
    table = np.ascontiguousarray(counts, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError(f"counts must be 2-D, got shape {table.shape}")
    return float(_mutual_information(table))


def _is_integer_table(counts: object, ndim: int) -> bool:
    """A C-contiguous ``int64`` array of ``ndim`` dimensions, which the integer kernels take
    as it is."""
    return (
        isinstance(counts, np.ndarray)
        and counts.dtype == np.int64
        and counts.ndim == ndim
        and counts.flags.c_contiguous
    )


def expected_mutual_information(target_counts: np.ndarray, feature_counts: np.ndarray) -> float:
    """Expected MI (nats) under random permutation of the rows with both margins fixed.

    This is the hypergeometric model of Vinh, Epps & Bailey (JMLR 2010), as used by
    scikit-learn's ``adjusted_mutual_info_score``. Feature levels with equal counts are
    grouped, and each hypergeometric sum is taken only where its mass is not negligible,
    so the cost is about ``sum_j sqrt(b_j)`` per target level rather than ``N``.
    """
    a = np.asarray(target_counts, dtype=np.int64).ravel()
    b = np.asarray(feature_counts, dtype=np.int64).ravel()
    if a.sum() != b.sum():
        raise ValueError(f"margins disagree: target total {a.sum()} != feature total {b.sum()}")
    values, multiplicity = value_counts(b[b > 0])
    return float(
        _expected_mutual_information(
            a[a > 0].astype(np.float64), values.astype(np.float64), multiplicity.astype(np.float64)
        )
    )


# value_counts counts by direct addressing while the largest value is at most this many times
# the number of values (plus a little), else it sorts
_DIRECT_SPAN = 4


def value_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct non-negative ``int64`` values in increasing order and how often each
    occurs: ``np.unique(values, return_counts=True)``. A feature's level counts are mostly
    small (1, 2, 3 rows on an ID column), so a bincount does it without the sort (0.5 ms
    for 18,000 levels)."""
    if values.size == 0 or int(values.max()) > _DIRECT_SPAN * values.size + 1024:
        distinct, multiplicity = np.unique(values, return_counts=True)
        return distinct, multiplicity
    counts = np.bincount(values)
    distinct = np.flatnonzero(counts)
    return distinct, counts[distinct]


# the columns of a row of ``table_summaries``
SUMMARY_MI, SUMMARY_EXPECTED_MI, SUMMARY_H_FEATURE, SUMMARY_H_TARGET = 0, 1, 2, 3
SUMMARY_ROWS, SUMMARY_FEATURE_LEVELS, SUMMARY_TARGET_LEVELS = 4, 5, 6


def table_summaries(tables: Sequence[np.ndarray]) -> np.ndarray:
    """``float64[len(tables), 7]``: each ``int64`` count table's MI, expected MI, H(feature),
    H(target) (nats), rows, and levels of the feature and of the target with rows (columns
    ``SUMMARY_*``), in one compiled pass a table: the same bits as ``mutual_information``,
    ``expected_mutual_information`` and ``entropy`` one by one (each a dozen numpy calls of
    Python, for each of 20,000 views of a 10,000-column table), and one call for all the
    tables. The tables have the same number of target levels."""
    if not tables:
        return np.zeros((0, 7))
    widths = {table.shape[1] for table in tables}
    if len(widths) != 1 or any(table.ndim != 2 for table in tables):
        raise ValueError(f"tables must be matrices of one width, got widths {sorted(widths)}")
    starts = np.zeros(len(tables) + 1, dtype=np.int64)
    np.cumsum([table.shape[0] for table in tables], out=starts[1:])
    stacked = np.concatenate(tables, axis=0, dtype=np.int64)
    summaries: np.ndarray = _table_summaries(stacked, starts)
    return summaries


def trend_test(counts: np.ndarray, *, ordered_target: bool) -> tuple[float, float, int]:
    """The trend test (``stats/trend.py``) of an ``int64[levels, classes]`` table of an ordered
    feature (levels in order, no missing level) in one compiled pass: ``(Q, df, levels)`` for a
    two-class or ordered target ((0, 0) when there is nothing to test), df = -1 for more
    classes unordered (``trend_statistic`` forms that Q); ``levels``: the levels with rows."""
    statistic, df, levels = _trend_test(
        np.ascontiguousarray(counts, dtype=np.int64), 1 if ordered_target else 0
    )
    return float(statistic), float(df), int(levels)
