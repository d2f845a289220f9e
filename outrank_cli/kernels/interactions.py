"""Screening of feature pairs for ``interactions``: one kernel over many pairs.

Each feature is first cut to at most a few coarse levels (``uint8`` codes) on a subsample of
rows; for every pair the kernel counts the (a, b, target) table and returns the gain test
I(A,B;Y) - max(I(A;Y), I(B;Y)) as a standard normal deviate (Wilson-Hilferty transform of
G = 2N x gain against chi-square with (cells(A,B) - cells(best)) x (classes - 1) degrees of
freedom). It does not look at either column's own relevance: the parts of a XOR have none.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels import code_array
from outrank_cli.kernels.backend import kernel
from outrank_cli.kernels.hashing import word

_screen_pairs = kernel("screen_pairs")
_coarse_codes = kernel("coarse_codes")
_coarse_codes_narrow = kernel("coarse_codes_narrow")


def screen_pairs(
    codes: np.ndarray,
    target: np.ndarray,
    *,
    n_target: int,
    levels: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
) -> np.ndarray:
    """``float64[len(first)]``: the screening deviate of each pair ``(first[k], second[k])``.

    ``codes`` is ``uint8[features, rows]`` with ``codes[f] < levels[f]``; ``target`` is
    ``int32[rows]`` with values ``< n_target``. Larger is stronger evidence of a gain; about
    standard normal for a pair that adds nothing to its better column.
    """
    matrix = np.ascontiguousarray(codes, dtype=np.uint8)
    y = np.ascontiguousarray(target, dtype=np.int32)
    if matrix.ndim != 2 or matrix.shape[1] != y.shape[0]:
        raise ValueError(f"codes must be [features, rows] with rows = {y.shape[0]}, got {matrix.shape}")
    a = np.ascontiguousarray(first, dtype=np.int64)
    b = np.ascontiguousarray(second, dtype=np.int64)
    if a.shape != b.shape:
        raise ValueError(f"pair index arrays differ in length: {a.shape} and {b.shape}")
    return np.asarray(
        _screen_pairs(matrix, y, int(n_target), np.ascontiguousarray(levels, dtype=np.int64), a, b)
    )


def coarse_codes(
    codes: np.ndarray, rows: np.ndarray, *, levels: int, n_coarse: int, kept: int, seed: int
) -> tuple[np.ndarray, int]:
    """``(uint8 codes of rows, coarse levels)`` of the codes at ``rows`` (``uint16`` as they
    are, anything else as ``int32``), in one pass
    (the kernel's rule: ``kernels.njit.interactions.coarse_codes``); ``kept < n_coarse <= 256``."""
    if not 0 <= kept < n_coarse <= 256:
        raise ValueError(f"need 0 <= kept < n_coarse <= 256, got kept={kept}, n_coarse={n_coarse}")
    out = np.empty(rows.shape[0], dtype=np.uint8)
    c = code_array(codes)
    count = (_coarse_codes_narrow if c.dtype == np.uint16 else _coarse_codes)(
        c,
        np.ascontiguousarray(rows, dtype=np.int64),
        int(levels),
        int(n_coarse),
        int(kept),
        word(seed),
        out,
    )
    return out, int(count)
