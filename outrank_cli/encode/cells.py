"""Re-aggregating count rows: sums by index, runs of equal sorted keys, the coarsest shift.

Used when a column's cells are merged (numeric grid coarsened, hash buckets folded, numbers
binned) and when two counters' levels are united.
"""

from __future__ import annotations

import numpy as np


def sum_rows(rows: np.ndarray, index: np.ndarray, n_out: int) -> np.ndarray:
    """``out[index[i]] += rows[i]`` for an ``int64[n, R]`` table (exact below 2**53 per cell)."""
    out = np.empty((n_out, rows.shape[1]), dtype=np.int64)
    for column in range(rows.shape[1]):
        out[:, column] = np.bincount(index, weights=rows[:, column], minlength=n_out)[:n_out]
    return out


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
