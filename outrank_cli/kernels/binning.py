"""Equal-frequency bins of cells in key order, and the sums of count rows by bin."""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels.backend import kernel

_frequency_bins = kernel("frequency_bins")
_sum_rows_by_index = kernel("sum_rows_by_index")
_binned_table = kernel("binned_table")


def frequency_bins(weights: np.ndarray, *, n_bins: int) -> np.ndarray:
    """Bin id (``0 ..``, dense) of each cell, cells in key order with ``weights``
    (``int64[n_cells]``, row counts): a cell goes to the bin holding the midpoint of its
    cumulative weight, ``min(floor(midpoint * n_bins / total), n_bins - 1)``; a cell without
    rows joins the bin before it (leading ones the first). ``int64[n_cells]``."""
    result: np.ndarray = _frequency_bins(np.ascontiguousarray(weights, dtype=np.int64), n_bins)
    return result


def sum_rows_by_index(rows: np.ndarray, index: np.ndarray, n_out: int) -> np.ndarray:
    """``out[index[i]] += rows[i]`` of an ``int64[n, R]`` table into ``int64[n_out, R]``; every
    ``index`` must lie in ``0 .. n_out - 1``."""
    index = np.ascontiguousarray(index, dtype=np.int64)
    if index.shape[0] != rows.shape[0]:
        raise ValueError(f"index has {index.shape[0]} entries for {rows.shape[0]} rows")
    if index.size and (int(index.min()) < 0 or int(index.max()) >= n_out):
        raise ValueError(f"index must lie in 0..{n_out - 1}, got {int(index.min())}..{int(index.max())}")
    result: np.ndarray = _sum_rows_by_index(np.ascontiguousarray(rows, dtype=np.int64), index, n_out)
    return result


def binned_table(
    table: np.ndarray, level_keys: np.ndarray, *, n_bins: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The numeric view of an ``int64[n_levels + 1, R]`` count table (row 0: missing values)
    whose cells' ``level_keys`` (``uint64[n_levels + 1]``, entry 0 unused) rise: the cells
    merged by ``frequency_bins`` of their row totals, ``int64[bins + 1, R]`` with row 0 kept,
    and the code map ``int32[n_levels + 1]`` (0, then each cell's bin + 1). None when the keys
    do not rise."""
    if table.shape[0] < 2 or level_keys.shape[0] != table.shape[0]:
        raise ValueError(
            f"a table of {table.shape[0]} rows needs cells and as many keys, got {level_keys.shape[0]}"
        )
    binned, code_map = _binned_table(
        np.ascontiguousarray(table, dtype=np.int64), np.ascontiguousarray(level_keys, dtype=np.uint64), n_bins
    )
    return None if code_map.shape[0] == 0 else (binned, code_map)
