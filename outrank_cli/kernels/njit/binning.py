"""Numba source of equal-frequency binning (documented in ``kernels.binning``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from outrank_cli.kernels.njit.types import I8, I8Array, I8Matrix, export


@export
@nb.njit(cache=True, nogil=True)
def frequency_bins(weights: I8Array, n_bins: I8) -> I8Array:
    n_cells = weights.shape[0]
    out = np.zeros(n_cells, dtype=np.int64)
    total = 0.0
    for i in range(n_cells):
        total += float(weights[i])
    if total <= 0.0:
        return out
    # the bin of each cell's midpoint, carried forward over empty cells (-1 before the first)
    running = -1
    cumulative = 0.0
    for i in range(n_cells):
        weight = float(weights[i])
        cumulative += weight
        if weight > 0.0:
            raw = min(int(np.int64((cumulative - weight / 2.0) * n_bins / total)), n_bins - 1)
            if raw > running:
                running = raw
        out[i] = running
    first = -1
    for i in range(n_cells):
        if out[i] >= 0:
            first = out[i]
            break
    # number the runs of equal bins densely
    current = 0
    previous = first
    for i in range(n_cells):
        value = out[i] if out[i] >= 0 else first
        if value != previous:
            current += 1
            previous = value
        out[i] = current
    return out


@export
@nb.njit(cache=True, nogil=True)
def sum_rows_by_index(rows: I8Matrix, index: I8Array, n_out: I8) -> I8Matrix:
    out = np.zeros((n_out, rows.shape[1]), dtype=np.int64)
    for i in range(rows.shape[0]):
        target = index[i]
        for j in range(rows.shape[1]):
            out[target, j] += rows[i, j]
    return out
