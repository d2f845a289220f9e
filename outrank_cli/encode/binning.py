"""Equal-frequency bins from a fine, ordered grid of cells (DESIGN invariant 3).

Numeric columns are counted on cells of an order-preserving key; at the end, adjacent cells
are merged into about ``n_bins`` bins of equal weight. A bin never splits a cell, so a value
that fills half the rows gets a bin of its own, and the bins depend only on the totals.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels import lazy_module

binning = lazy_module("outrank_cli.kernels.binning")


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
    if bool(np.all(cell_keys[1:] > cell_keys[:-1])):  # in key order already (after finish)
        result: np.ndarray = binning.frequency_bins(cell_weights, n_bins=n_bins)
        return result
    order = np.argsort(cell_keys, kind="stable")  # keys are distinct
    bins_sorted = binning.frequency_bins(cell_weights[order], n_bins=n_bins)
    out = np.empty(n_cells, dtype=np.int64)
    out[order] = bins_sorted
    return out
