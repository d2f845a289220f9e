"""Re-aggregating count rows: sums by index, runs of equal sorted keys, the coarsest shift.

Used when a column's cells are merged (numeric grid coarsened, hash buckets folded, numbers
binned) and when two counters' levels are united.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels import lazy_module

binning = lazy_module("outrank_cli.kernels.binning")

# sorted_order: direct addressing while the keys span at most this many times their number;
# 18,000 keys: 150 us at a span of 5.5 times (argsort 750 us), 360 us at 17 times (770 us)
_DIRECT_SPAN = 16


def sum_rows(rows: np.ndarray, index: np.ndarray, n_out: int) -> np.ndarray:
    """``out[index[i]] += rows[i]`` for an ``int64[n, R]`` table, exactly (one compiled pass;
    a float ``bincount`` per target column took a third of a 10,000-column table's views)."""
    out: np.ndarray = binning.sum_rows_by_index(rows, index, n_out)
    return out


def row_totals(table: np.ndarray) -> np.ndarray:
    """``table.sum(axis=1)`` of an integer ``[n, R]`` count table, one column at a time:
    numpy's sum across the short axis of a tall table is about 15 times slower (1 ms for a
    65,537 x 2 table, and a wide table has thousands of them)."""
    if table.shape[1] == 0:
        return np.zeros(table.shape[0], dtype=table.dtype)
    totals = table[:, 0].copy()
    for column in range(1, table.shape[1]):
        totals += table[:, column]
    return totals


def column_totals(table: np.ndarray) -> np.ndarray:
    """``table.sum(axis=0)`` of an integer ``[n, R]`` count table, one column at a time (as
    slow as ``row_totals``' case in numpy's own reduction)."""
    return np.array([table[:, column].sum() for column in range(table.shape[1])], dtype=table.dtype)


def sorted_order(distinct_keys: np.ndarray) -> np.ndarray:
    """``argsort`` of distinct ``uint64`` keys. Keys that lie in a span of at most a few
    times their number (the levels of an integer column) are ordered by direct addressing,
    about 7 times faster than a comparison sort on 60,000 keys; any sort of distinct keys
    gives the same order."""
    n = distinct_keys.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    low = distinct_keys.min()
    span = int(distinct_keys.max() - low) + 1
    if span > _DIRECT_SPAN * n:
        return np.argsort(distinct_keys)
    offsets = (distinct_keys - low).astype(np.intp)
    present = np.zeros(span, dtype=bool)
    present[offsets] = True
    position = np.empty(span, dtype=np.intp)
    position[offsets] = np.arange(n)
    return position[np.flatnonzero(present)]


def distinct_sorted(sorted_keys: np.ndarray, shift: int) -> int:
    """How many distinct values the sorted keys take once shifted right by ``shift``."""
    shifted = sorted_keys >> np.uint64(shift)
    return 1 + int(np.count_nonzero(shifted[1:] != shifted[:-1])) if shifted.size else 0


def smallest_shift(sorted_keys: np.ndarray, limit: int, *, at_least: int = 1) -> int:
    """The smallest right shift (>= ``at_least``) after which the sorted keys take at most
    ``limit`` values (the count falls as the shift grows, so a binary search finds it)."""
    low, high = at_least, 63
    if distinct_sorted(sorted_keys, low) <= limit:
        return low
    while low < high:
        middle = (low + high) // 2
        if distinct_sorted(sorted_keys, middle) <= limit:
            high = middle
        else:
            low = middle + 1
    return low


def group_sorted(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index of each run of equal keys, and the run number of every position."""
    new_run = np.empty(sorted_keys.shape[0], dtype=np.bool_)
    new_run[:1] = True
    new_run[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return np.flatnonzero(new_run), np.cumsum(new_run) - 1


def merge_sorted_rows(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unite rows of equal keys: the distinct keys in order, their summed rows, and the
    position (0-based) of each input row's key among them."""
    order = np.argsort(keys, kind="stable")
    starts, run_of_sorted = group_sorted(keys[order])
    merged = np.add.reduceat(np.take(rows, order, axis=0), starts, axis=0) if keys.size else rows[:0]
    position = np.empty(keys.shape[0], dtype=np.int64)
    position[order] = run_of_sorted
    return keys[order][starts], merged, position
