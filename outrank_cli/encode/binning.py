"""Equal-frequency bins from a fine, ordered grid of cells (DESIGN invariant 3).

Numeric columns are counted on cells of an order-preserving key; at the end, adjacent cells
are merged into about ``n_bins`` bins of equal weight. A bin never splits a cell, so a value
that fills half the rows gets a bin of its own, and the bins depend only on the totals.
"""

from __future__ import annotations

import numpy as np


def equal_frequency_bins(cell_keys: np.ndarray, cell_weights: np.ndarray, *, n_bins: int) -> np.ndarray:
    """Bin id (``0 .. n_bins-1``, dense, in key order) of each cell, as ``int64[n_cells]``.

    ``cell_keys`` are distinct ordered keys (any order); ``cell_weights`` are their row
    counts. A cell goes to the bin holding the midpoint of its cumulative weight.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    n_cells = cell_keys.shape[0]
    if n_cells == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(cell_keys, kind="stable")  # keys are distinct; already sorted after finish
    weights = cell_weights[order].astype(np.float64)
    total = weights.sum()
    if total <= 0:
        bins_sorted = np.zeros(n_cells, dtype=np.int64)
    else:
        midpoints = np.cumsum(weights) - weights / 2.0
        raw = np.minimum((midpoints * n_bins / total).astype(np.int64), n_bins - 1)
        # cells without rows join the bin of the cell before them (leading ones the first bin)
        raw = np.maximum.accumulate(np.where(weights > 0, raw, -1))
        raw[raw < 0] = raw[raw >= 0].min()
        # ``raw`` is non-decreasing: number its runs (what np.unique's inverse would be)
        bins_sorted = np.zeros(n_cells, dtype=np.int64)
        np.cumsum(raw[1:] != raw[:-1], out=bins_sorted[1:])
    out = np.empty(n_cells, dtype=np.int64)
    out[order] = bins_sorted
    return out
