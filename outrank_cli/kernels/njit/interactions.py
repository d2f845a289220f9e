"""Numba source of the pair-screening kernel of ``interactions`` (documented in ``kernels.interactions``)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from outrank_cli.kernels.njit.hashing import mix64
from outrank_cli.kernels.njit.types import (
    I8,
    U8,
    F8Array,
    I4Array,
    I8Array,
    U1Array,
    U1Matrix,
    U2Array,
    export,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@nb.njit(cache=True, nogil=True)
def _table_sums(table: np.ndarray, rows: int, n_target: int, xlogx: np.ndarray) -> tuple[float, float, int]:
    """Of a flat (rows x n_target) count table: sum c log c over its cells, sum r log r over
    its row totals, and the number of non-empty rows."""
    cells = 0.0
    totals = 0.0
    nonempty = 0
    for r in range(rows):
        row = 0
        for t in range(n_target):
            v = table[r * n_target + t]
            cells += xlogx[v]
            row += v
        if row > 0:
            totals += xlogx[row]
            nonempty += 1
    return cells, totals, nonempty


@export
@nb.njit(cache=True, nogil=True)
def screen_pairs(
    codes: U1Matrix, target: I4Array, n_target: I8, levels: I8Array, first: I8Array, second: I8Array
) -> F8Array:
    n_features, n = codes.shape
    n_pairs = first.shape[0]
    out = np.zeros(n_pairs)
    target_totals = np.zeros(n_target, dtype=np.int64)
    for i in range(n):
        target_totals[target[i]] += 1
    classes = 0
    for t in range(n_target):
        if target_totals[t] > 0:
            classes += 1
    if n == 0 or classes < 2:
        return out
    # MI from counts without a logarithm per cell: N I = sum c log c - sum_rows r log r
    # - sum_cols k log k + N log N, with x log x looked up for every count 0..N
    xlogx = np.zeros(n + 1)
    for c in range(1, n + 1):
        xlogx[c] = c * math.log(c)
    constant = xlogx[n]
    for t in range(n_target):
        constant -= xlogx[target_totals[t]]
    max_levels = 1
    for f in range(n_features):
        if levels[f] > max_levels:
            max_levels = levels[f]
    # four tables, rows dealt round-robin: a row's count does not wait for the last row's when
    # both hit one cell (3.2 -> 2.2 us a pair with the steps below, 16 levels on 2,048 rows)
    cells = max_levels * max_levels * n_target
    joint = np.zeros(4 * cells, dtype=np.int32)
    margin_a = np.zeros(max_levels * n_target, dtype=np.int64)
    margin_b = np.zeros(max_levels * n_target, dtype=np.int64)
    # the first column's codes with the target's folded in, kept while the pairs share it: a
    # cell is (a, target, b), one multiply-add a row
    first_with_target = np.empty(n, dtype=np.int64)
    folded = -1
    total = float(n)
    for k in range(n_pairs):
        a = first[k]
        b = second[k]
        la = levels[a]
        lb = levels[b]
        size = la * lb * n_target
        for part in range(4):
            joint[part * cells : part * cells + size] = 0
        if a != folded:
            row_a = codes[a]
            for i in range(n):
                first_with_target[i] = np.int64(row_a[i]) * n_target + target[i]
            folded = a
        row_b = codes[b]
        m = n - n % 4
        for i in range(0, m, 4):
            joint[first_with_target[i] * lb + row_b[i]] += 1
            joint[cells + first_with_target[i + 1] * lb + row_b[i + 1]] += 1
            joint[2 * cells + first_with_target[i + 2] * lb + row_b[i + 2]] += 1
            joint[3 * cells + first_with_target[i + 3] * lb + row_b[i + 3]] += 1
        for i in range(m, n):
            joint[first_with_target[i] * lb + row_b[i]] += 1
        for c in range(size):
            joint[c] += joint[cells + c] + joint[2 * cells + c] + joint[3 * cells + c]
        margin_a[: la * n_target] = 0
        margin_b[: lb * n_target] = 0
        cells_ab = 0.0  # sum c log c over the (a, b, y) cells
        rows_ab = 0.0  # sum r log r over the (a, b) cells
        k_ab = 0
        # without a branch on empty cells and rows: 0 log 0 is 0, and adding 0.0 changes no bit
        for va in range(la):
            for vb in range(lb):
                row = 0
                for t in range(n_target):
                    v = joint[(va * n_target + t) * lb + vb]
                    cells_ab += xlogx[v]
                    row += v
                    margin_a[va * n_target + t] += v
                    margin_b[vb * n_target + t] += v
                rows_ab += xlogx[row]
                k_ab += row > 0
        cells_a, rows_a, k_a = _table_sums(margin_a, la, n_target, xlogx)
        cells_b, rows_b, k_b = _table_sums(margin_b, lb, n_target, xlogx)
        mi_ab = max(float((cells_ab - rows_ab + constant) / total), 0.0)
        mi_a = max(float((cells_a - rows_a + constant) / total), 0.0)
        mi_b = max(float((cells_b - rows_b + constant) / total), 0.0)
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


@nb.njit(cache=True, nogil=True)
def _coarse_codes(
    codes: np.ndarray, rows: np.ndarray, levels: int, n_coarse: int, kept: int, seed: int, out: np.ndarray
) -> int:
    size = max(levels, 1)
    for i in range(rows.shape[0]):
        size = max(size, int(codes[rows[i]]) + 1)  # int: a uint16 code wraps in plain Python
    counts = np.zeros(size, dtype=np.int32)
    for i in range(rows.shape[0]):
        counts[codes[rows[i]]] += 1
    n_present = 0
    for code in range(size):
        if counts[code] > 0:
            n_present += 1
    present = np.empty(n_present, dtype=np.int64)
    k = 0
    for code in range(size):
        if counts[code] > 0:
            present[k] = code
            k += 1
    mapping = np.zeros(size, dtype=np.uint8)
    result = max(n_present, 1)
    if n_present <= n_coarse:
        for k in range(n_present):
            mapping[present[k]] = k
    else:
        # the kept most frequent in one pass over the levels in code order, into a short list
        # by falling count: a later level gets in only with a larger count, so the first of
        # equal counts wins (a pass per place took 8 passes; 18,000 levels: 36 -> 21 us)
        top = np.empty(kept, dtype=np.int64)  # indices into present
        n_top = 0
        for k in range(n_present):
            count = counts[present[k]]
            if n_top == kept and count <= counts[present[top[kept - 1]]]:
                continue
            place = n_top if n_top < kept else kept - 1
            while place > 0 and counts[present[top[place - 1]]] < count:
                if place < kept:
                    top[place] = top[place - 1]
                place -= 1
            if n_top < kept:
                n_top += 1
            top[place] = k
        taken = np.zeros(n_present, dtype=np.bool_)
        for rank in range(n_top):
            taken[top[rank]] = True
            mapping[present[top[rank]]] = rank
        salt = seed * _GOLDEN
        buckets = np.uint64(n_coarse - kept)
        mask = buckets - np.uint64(1)
        if buckets & mask == 0:  # a power of two: a mask, not a division a level (same buckets)
            for k in range(n_present):
                if not taken[k]:
                    mapping[present[k]] = kept + (mix64(np.uint64(present[k]) ^ salt) & mask)
        else:
            for k in range(n_present):
                if not taken[k]:
                    mapping[present[k]] = kept + mix64(np.uint64(present[k]) ^ salt) % buckets
        result = n_coarse
    for i in range(rows.shape[0]):
        out[i] = mapping[codes[rows[i]]]
    return result


@export
@nb.njit(cache=True, nogil=True)
def coarse_codes(
    codes: I4Array, rows: I8Array, levels: I8, n_coarse: I8, kept: I8, seed: U8, out: U1Array
) -> I8:
    """``out[i]``: the coarse code of ``codes[rows[i]]``; returns the number of coarse levels.
    With at most ``n_coarse`` levels present, each keeps its own (renumbered in code order);
    otherwise the ``kept`` most frequent (ties by code) get ``0 .. kept - 1`` in that order,
    and every other level ``kept + mix64(code ^ seed * golden) % (n_coarse - kept)``."""
    return _coarse_codes(codes, rows, levels, n_coarse, kept, seed, out)


@export
@nb.njit(cache=True, nogil=True)
def coarse_codes_narrow(
    codes: U2Array, rows: I8Array, levels: I8, n_coarse: I8, kept: I8, seed: U8, out: U1Array
) -> I8:
    """``coarse_codes`` of ``uint16`` codes."""
    return _coarse_codes(codes, rows, levels, n_coarse, kept, seed, out)
