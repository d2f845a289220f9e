"""Permutation null distribution of mutual information, drawn from the margins alone.

Shuffling the target column over the rows is the same as drawing a contingency table with
both margins fixed: each feature level takes its ``b_j`` rows from the remaining pool of
target labels without replacement (a sequence of hypergeometric draws). That needs only the
count table, so the null is exact for the whole table, not for a sample of it.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def _permutation_mi(
    target_counts: np.ndarray, feature_counts: np.ndarray, n_permutations: int, seed: int
) -> np.ndarray:
    np.random.seed(seed)
    n_target = target_counts.shape[0]
    n = 0
    for value in target_counts:
        n += value
    out = np.zeros(n_permutations)
    if n == 0:
        return out
    log_n = math.log(n)
    remaining = np.empty(n_target, dtype=np.int64)
    for p in range(n_permutations):
        remaining[:] = target_counts
        pool = n
        acc = 0.0
        for j in range(feature_counts.shape[0]):
            b = feature_counts[j]
            if b <= 0:
                continue
            left = b
            rest_pool = pool
            for i in range(n_target):
                if left == 0:
                    break
                a = remaining[i]
                rest_pool -= a
                if i == n_target - 1 or rest_pool == 0:
                    k = left
                elif a == 0:
                    k = 0
                else:
                    k = np.random.hypergeometric(a, rest_pool, left)
                if k > 0:
                    acc += k * (log_n + math.log(k) - math.log(target_counts[i]) - math.log(b))
                    remaining[i] -= k
                    left -= k
            pool -= b
        out[p] = max(acc / n, 0.0)
    return out


def permutation_mi(
    target_counts: np.ndarray, feature_counts: np.ndarray, *, n_permutations: int, seed: int
) -> np.ndarray:
    """MI (nats) of ``n_permutations`` random row permutations of the target, as ``float64[B]``.

    ``target_counts`` (``int64[R]``) and ``feature_counts`` (``int64[C]``) are the margins of
    the table; the result depends only on them and ``seed``.
    """
    a = np.ascontiguousarray(target_counts, dtype=np.int64)
    b = np.ascontiguousarray(feature_counts, dtype=np.int64)
    if a.sum() != b.sum():
        raise ValueError(f"margins disagree: {a.sum()} != {b.sum()}")
    return _permutation_mi(a, b, int(n_permutations), int(seed))
