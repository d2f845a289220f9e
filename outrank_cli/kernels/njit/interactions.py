"""Numba source of the pair-screening kernel of ``interactions`` (documented in ``kernels.interactions``)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from outrank_cli.kernels.njit.types import I8, F8Array, I4Array, I8Array, U1Matrix, export


@nb.njit(cache=True, nogil=True)
def _plugin_mi(table: np.ndarray, rows: int, columns: int, column_totals: np.ndarray, n: float) -> float:
    """Plug-in MI (nats) of ``table[rows, columns]`` (flat, row-major) with known column totals."""
    mi = 0.0
    for r in range(rows):
        row_total = 0.0
        for c in range(columns):
            row_total += table[r * columns + c]
        if row_total <= 0:
            continue
        for c in range(columns):
            v = table[r * columns + c]
            if v > 0:
                mi += v * math.log(v * n / (row_total * column_totals[c]))
    return max(mi / n, 0.0)


@nb.njit(cache=True, nogil=True)
def _nonempty_rows(table: np.ndarray, rows: int, columns: int) -> int:
    k = 0
    for r in range(rows):
        for c in range(columns):
            if table[r * columns + c] > 0:
                k += 1
                break
    return k


@export
@nb.njit(cache=True, nogil=True)
def screen_pairs(
    codes: U1Matrix, target: I4Array, n_target: I8, levels: I8Array, first: I8Array, second: I8Array
) -> F8Array:
    n_features, n = codes.shape
    n_pairs = first.shape[0]
    out = np.zeros(n_pairs)
    max_levels = 1
    for f in range(n_features):
        max_levels = max(max_levels, levels[f])
    joint = np.zeros(max_levels * max_levels * n_target)
    margin_a = np.zeros(max_levels * n_target)
    margin_b = np.zeros(max_levels * n_target)
    target_totals = np.zeros(n_target)
    for i in range(n):
        target_totals[target[i]] += 1.0
    classes = 0
    for t in range(n_target):
        if target_totals[t] > 0:
            classes += 1
    if n == 0 or classes < 2:
        return out
    total = float(n)
    for k in range(n_pairs):
        a = first[k]
        b = second[k]
        la = levels[a]
        lb = levels[b]
        cells = la * lb * n_target
        joint[:cells] = 0.0
        row_a = codes[a]
        row_b = codes[b]
        for i in range(n):
            joint[(np.int64(row_a[i]) * lb + row_b[i]) * n_target + target[i]] += 1.0
        margin_a[: la * n_target] = 0.0
        margin_b[: lb * n_target] = 0.0
        for va in range(la):
            for vb in range(lb):
                base = (va * lb + vb) * n_target
                for t in range(n_target):
                    v = joint[base + t]
                    margin_a[va * n_target + t] += v
                    margin_b[vb * n_target + t] += v
        mi_ab = _plugin_mi(joint, la * lb, n_target, target_totals, total)
        mi_a = _plugin_mi(margin_a, la, n_target, target_totals, total)
        mi_b = _plugin_mi(margin_b, lb, n_target, target_totals, total)
        k_ab = _nonempty_rows(joint, la * lb, n_target)
        k_a = _nonempty_rows(margin_a, la, n_target)
        k_b = _nonempty_rows(margin_b, lb, n_target)
        # the better single column by its chance-corrected MI (E[I] ~ df / 2N)
        if mi_a - (k_a - 1) * (classes - 1) / (2.0 * total) >= mi_b - (k_b - 1) * (classes - 1) / (
            2.0 * total
        ):
            mi_best = mi_a
            k_best = k_a
        else:
            mi_best = mi_b
            k_best = k_b
        df = float((k_ab - k_best) * (classes - 1))
        if df <= 0:
            continue
        g = 2.0 * total * max(mi_ab - mi_best, 0.0)
        # Wilson-Hilferty: the chi-square(df) quantile of G as a standard normal deviate
        h = 2.0 / (9.0 * df)
        out[k] = ((g / df) ** (1.0 / 3.0) - (1.0 - h)) / math.sqrt(h)
    return out
