"""Joint count tables of two code columns (and the target) on the row sample.

A pair table has one row per non-empty cell ``(a, b)`` and one column per target code.
It is counted densely when ``levels_a * levels_b`` is small and with an open-addressing
hash table otherwise, so two 50,000-level columns cost O(rows), not O(50,000^2).
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels.backend import kernel
from outrank_cli.kernels.constants import DENSE_CELL_LIMIT as DENSE_CELL_LIMIT

_pair_table = kernel("pair_table")
_pair_table_narrow = kernel("pair_table_narrow")
_conditional_mi = kernel("conditional_mi")
_pair_mi = kernel("pair_mi")
_level_sums = kernel("level_sums")
_level_sums_narrow = kernel("level_sums_narrow")
_residual_anova = kernel("residual_anova")
_residual_anova_narrow = kernel("residual_anova_narrow")
_NO_SLOTS = np.zeros(0, dtype=np.int64)
_NO_MAP = np.zeros(0, dtype=np.int32)


def pair_table(
    codes_a: np.ndarray, codes_b: np.ndarray, target: np.ndarray, *, levels_b: int, n_target: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-empty cells of the (a, b, target) table: ``cell_a``, ``cell_b`` (``int64[m]``) and
    ``counts`` (``int64[m, n_target]``), grouped by ``a`` (ascending). Codes are non-negative,
    both ``uint16`` (read as they are) or else read as ``int32``; ``levels_b`` bounds b.
    """
    narrow = codes_a.dtype == np.uint16 and codes_b.dtype == np.uint16
    wanted = np.uint16 if narrow else np.int32
    a = np.ascontiguousarray(codes_a, dtype=wanted)
    b = np.ascontiguousarray(codes_b, dtype=wanted)
    y = np.ascontiguousarray(target, dtype=np.int32)
    if not (a.shape == b.shape == y.shape):
        raise ValueError(f"code columns differ in length: {a.shape}, {b.shape}, {y.shape}")
    table = _pair_table_narrow if narrow else _pair_table
    cell_a, cell_b, counts = table(a, b, y, int(levels_b), int(n_target))
    return cell_a, cell_b, counts


def conditional_mi(strata: np.ndarray, counts: np.ndarray) -> tuple[float, float, float]:
    """``(sum_s w_s I_s, sum_s w_s E[I_s], df)`` in nats for rows grouped by stratum."""
    mi, expected, df = _conditional_mi(
        np.ascontiguousarray(strata, dtype=np.int64), np.ascontiguousarray(counts, dtype=np.int64)
    )
    return float(mi), float(expected), float(df)


def pair_mi(
    cell_a: np.ndarray, cell_b: np.ndarray, weights: np.ndarray, *, levels_a: int, levels_b: int
) -> tuple[float, float, float, float]:
    """``(I(A;B), E[I(A;B)], H(A), H(B))`` in nats from the cells of a pair table."""
    mi, expected, h_a, h_b = _pair_mi(
        np.ascontiguousarray(cell_a, dtype=np.int64),
        np.ascontiguousarray(cell_b, dtype=np.int64),
        np.ascontiguousarray(weights, dtype=np.float64),
        int(levels_a),
        int(levels_b),
    )
    return float(mi), float(expected), float(h_a), float(h_b)


def level_sums(codes: np.ndarray, weights: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows of each code and the sums of each row of ``weights`` (``float64[m, n]``) over
    them: ``(counts float64[size], sums float64[m, size])``, ``size`` ``levels`` or past the
    largest code; in one pass without the GIL (``uint16`` codes read as they are, others as
    ``int32``). Codes are non-negative."""
    narrow = codes.dtype == np.uint16
    c = np.ascontiguousarray(codes, dtype=np.uint16 if narrow else np.int32)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != c.shape[0]:
        raise ValueError(f"weights must be (m, {c.shape[0]}), got {w.shape}")
    counts, sums = (_level_sums_narrow if narrow else _level_sums)(c, w, int(levels))
    if c.shape[0] and counts.shape[0] == 0:
        raise ValueError(f"codes must be >= 0, got {int(c.min())}")
    return counts, sums


def residual_anova(
    codes: np.ndarray,
    weights: np.ndarray,
    levels: int,
    *,
    slots: np.ndarray | None = None,
    first: np.ndarray | None = None,
    then: np.ndarray | None = None,
    cap: int = 0,
    ordered: bool = False,
) -> tuple[int, np.ndarray, np.ndarray | None]:
    """The one-way analysis of each row of ``weights`` (``float64[m, n]``, centred, one column
    a code) by the codes ``then[first[codes]]`` (None: no map; ``codes`` ``uint16`` read as
    they are, others as ``int32``), leaving out those whose ``slots`` are below 0 (None:
    none), in one pass without the GIL. Returns ``(df, between, along)``: ``df`` the occupied
    levels less one, ``between[j]`` row ``j``'s sum of squares between the levels, ``along[j]``
    its sum of squares along the levels' midranks among the rows with a value (the missing
    level, code 0, at their mean) when ``ordered`` and a row has one, else None. Unless
    ``ordered``, more than ``cap`` (> 0) occupied levels are pooled to ``cap``: those above
    the ``cap``-th largest count keep their own, the others share one
    (``stats.stratified.pooled_levels``). Codes are below ``levels`` or widen it."""
    narrow = codes.dtype == np.uint16
    row = np.ascontiguousarray(codes, dtype=np.uint16 if narrow else np.int32)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    places = _NO_SLOTS if slots is None else np.ascontiguousarray(slots, dtype=np.int64)
    maps = [_NO_MAP if m is None else np.ascontiguousarray(m, dtype=np.int32) for m in (first, then)]
    if slots is not None and places.shape[0] != row.shape[0]:
        raise ValueError(f"slots must be one a code: {places.shape[0]} for {row.shape[0]}")
    if w.ndim != 2 or w.shape[1] != row.shape[0]:
        raise ValueError(f"weights must be (m, {row.shape[0]}), got {w.shape}")
    df, between, along = (_residual_anova_narrow if narrow else _residual_anova)(
        row, places, *maps, w, int(levels), int(cap), int(ordered)
    )
    if df < 0:
        raise ValueError("codes must be >= 0")
    return int(df), between, along if along.shape[0] else None
