"""Equal-frequency bins of cells in key order, in one pass."""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels.backend import kernel

_frequency_bins = kernel("frequency_bins")


def frequency_bins(weights: np.ndarray, *, n_bins: int) -> np.ndarray:
    """Bin id (``0 ..``, dense) of each cell, cells in key order with ``weights``
    (``int64[n_cells]``, row counts): a cell goes to the bin holding the midpoint of its
    cumulative weight, ``min(floor(midpoint * n_bins / total), n_bins - 1)``; a cell without
    rows joins the bin before it (leading ones the first). ``int64[n_cells]``."""
    result: np.ndarray = _frequency_bins(np.ascontiguousarray(weights, dtype=np.int64), n_bins)
    return result
