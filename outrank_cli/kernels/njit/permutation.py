"""Numba source of the permutation null of MI (documented in ``kernels.permutation``)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from outrank_cli.kernels.njit.types import I8, F8Array, I8Array, export


@export
@nb.njit(cache=True, nogil=True)
def permutation_mi(target_counts: I8Array, feature_counts: I8Array, n_permutations: I8, seed: I8) -> F8Array:
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
