"""Permutation null distribution of mutual information, drawn from the margins alone.

Shuffling the target column over the rows is the same as drawing a contingency table with
both margins fixed: each feature level takes its ``b_j`` rows from the remaining pool of
target labels without replacement (a sequence of hypergeometric draws). That needs only the
count table, so the null is exact for the whole table, not for a sample of it.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels.backend import kernel

_permutation_mi = kernel("permutation_mi")


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
    result: np.ndarray = _permutation_mi(a, b, int(n_permutations), int(seed))
    return result
