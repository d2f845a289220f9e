"""Numba source of the pair-table kernels (documented in ``kernels.joint``)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from outrank_cli.kernels.constants import DENSE_CELL_LIMIT
from outrank_cli.kernels.njit.hashing import mix64
from outrank_cli.kernels.njit.information import expected_mi_one_pair
from outrank_cli.kernels.njit.types import (
    F8,
    I8,
    F8Array,
    F8Matrix,
    I4Array,
    I8Array,
    I8Matrix,
    U2Array,
    export,
)


@nb.njit(cache=True, nogil=True)
def _pair_table(
    codes_a: np.ndarray, codes_b: np.ndarray, target: np.ndarray, levels_b: int, n_target: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = codes_a.shape[0]
    levels_a = 0
    for i in range(n):
        # codes as int before any arithmetic: uint16 codes (the narrow twin) wrap in plain
        # Python (the JIT-off suite) where numba widens them
        if int(codes_a[i]) + 1 > levels_a:
            levels_a = int(codes_a[i]) + 1
    if levels_a * levels_b <= DENSE_CELL_LIMIT:
        dense = np.zeros((levels_a * levels_b, n_target), dtype=np.int64)
        for i in range(n):
            dense[int(codes_a[i]) * levels_b + codes_b[i], target[i]] += 1
        m = 0
        for cell in range(levels_a * levels_b):
            for t in range(n_target):
                if dense[cell, t] > 0:
                    m += 1
                    break
        cell_a = np.empty(m, dtype=np.int64)
        cell_b = np.empty(m, dtype=np.int64)
        counts = np.empty((m, n_target), dtype=np.int64)
        k = 0
        for cell in range(levels_a * levels_b):
            nonzero = False
            for t in range(n_target):
                if dense[cell, t] > 0:
                    nonzero = True
                    break
            if nonzero:
                cell_a[k] = cell // levels_b
                cell_b[k] = cell % levels_b
                counts[k] = dense[cell]
                k += 1
        return cell_a, cell_b, counts
    n_slots = 1
    while n_slots < 2 * min(n, levels_a * levels_b) + 2:
        n_slots *= 2
    mask = np.uint64(n_slots - 1)
    slot_key = np.empty(n_slots, dtype=np.int64)
    slot_cell = np.full(n_slots, -1, dtype=np.int64)
    cap = min(n, levels_a * levels_b) + 1
    counts_all = np.zeros((cap, n_target), dtype=np.int64)
    keys_all = np.empty(cap, dtype=np.int64)
    m = 0
    for i in range(n):
        key = np.int64(codes_a[i]) * levels_b + codes_b[i]
        slot = mix64(np.uint64(key)) & mask
        while True:
            cell = slot_cell[slot]
            if cell == -1:
                slot_cell[slot] = m
                slot_key[slot] = key
                keys_all[m] = key
                cell = m
                m += 1
                break
            if slot_key[slot] == key:
                break
            slot = (slot + np.uint64(1)) & mask
        counts_all[cell, target[i]] += 1
    # stable counting sort by the first code, so cells come grouped like the dense path's
    starts = np.zeros(levels_a + 1, dtype=np.int64)
    for k in range(m):
        starts[keys_all[k] // levels_b + 1] += 1
    for v in range(levels_a):
        starts[v + 1] += starts[v]
    cell_a = np.empty(m, dtype=np.int64)
    cell_b = np.empty(m, dtype=np.int64)
    counts = np.empty((m, n_target), dtype=np.int64)
    for k in range(m):
        first = keys_all[k] // levels_b
        position = starts[first]
        starts[first] += 1
        cell_a[position] = first
        cell_b[position] = keys_all[k] % levels_b
        counts[position] = counts_all[k]
    return cell_a, cell_b, counts


@export
@nb.njit(cache=True, nogil=True)
def pair_table(
    codes_a: I4Array, codes_b: I4Array, target: I4Array, levels_b: I8, n_target: I8
) -> tuple[I8Array, I8Array, I8Matrix]:
    return _pair_table(codes_a, codes_b, target, levels_b, n_target)


@export
@nb.njit(cache=True, nogil=True)
def pair_table_narrow(
    codes_a: U2Array, codes_b: U2Array, target: I4Array, levels_b: I8, n_target: I8
) -> tuple[I8Array, I8Array, I8Matrix]:
    """``pair_table`` of two ``uint16`` code columns."""
    return _pair_table(codes_a, codes_b, target, levels_b, n_target)


@export
@nb.njit(cache=True, nogil=True)
def conditional_mi(strata: I8Array, counts: I8Matrix) -> tuple[F8, F8, F8]:
    """Sum over strata s of (n_s/N) I_s and (n_s/N) E_s (nats), and the summed degrees of freedom.

    ``strata`` (grouped: equal values adjacent) gives each row's stratum; ``counts`` is
    ``int64[m, R]``; within a stratum, rows are the levels of the other variable.
    """
    m, n_target = counts.shape
    total = 0.0
    for i in range(m):
        for t in range(n_target):
            total += counts[i, t]
    if total <= 0:
        return 0.0, 0.0, 0.0
    cols = np.zeros(n_target)
    # rows of a stratum with equal totals have equal expected MI terms: count them once
    multiplicity = np.zeros(int(total) + 1, dtype=np.int64)
    distinct_totals = np.empty(m, dtype=np.int64)
    mi_sum = 0.0
    expected_sum = 0.0
    df_sum = 0.0
    start = 0
    while start < m:
        stop = start
        while stop < m and strata[stop] == strata[start]:
            stop += 1
        cols[:] = 0.0
        n_s = 0.0
        nz_rows = 0
        for i in range(start, stop):
            row = 0.0
            for t in range(n_target):
                cols[t] += counts[i, t]
                row += counts[i, t]
            n_s += row
            if row > 0:
                nz_rows += 1
        if n_s > 1:
            nz_cols = 0
            for t in range(n_target):
                if cols[t] > 0:
                    nz_cols += 1
            mi = 0.0
            n_distinct = 0
            for i in range(start, stop):
                row_total = 0
                for t in range(n_target):
                    row_total += counts[i, t]
                if row_total <= 0:
                    continue
                if multiplicity[row_total] == 0:
                    distinct_totals[n_distinct] = row_total
                    n_distinct += 1
                multiplicity[row_total] += 1
                row = float(row_total)
                for t in range(n_target):
                    c = counts[i, t]
                    if c > 0:
                        mi += c * math.log(c * n_s / (row * cols[t]))
            expected = 0.0
            for d in range(n_distinct):
                row_total = distinct_totals[d]
                terms = 0.0
                for t in range(n_target):
                    if cols[t] > 0:
                        terms += expected_mi_one_pair(cols[t], float(row_total), n_s)
                expected += multiplicity[row_total] * terms
                multiplicity[row_total] = 0
            weight = n_s / total
            mi_sum += weight * max(mi / n_s, 0.0)
            expected_sum += weight * expected
            df_sum += (nz_rows - 1) * (nz_cols - 1)
        start = stop
    return mi_sum, expected_sum, df_sum


@export
@nb.njit(cache=True, nogil=True)
def pair_mi(
    cell_a: I8Array, cell_b: I8Array, weights: F8Array, levels_a: I8, levels_b: I8
) -> tuple[F8, F8, F8, F8]:
    """I(A;B), E[I(A;B)], H(A), H(B) in nats from the cells of a pair table."""
    margin_a = np.zeros(levels_a)
    margin_b = np.zeros(levels_b)
    n = 0.0
    for k in range(cell_a.shape[0]):
        margin_a[cell_a[k]] += weights[k]
        margin_b[cell_b[k]] += weights[k]
        n += weights[k]
    if n <= 0:
        return 0.0, 0.0, 0.0, 0.0
    mi = 0.0
    for k in range(cell_a.shape[0]):
        w = weights[k]
        if w > 0:
            mi += w * math.log(w * n / (margin_a[cell_a[k]] * margin_b[cell_b[k]]))
    mi = max(mi / n, 0.0)
    h_a = 0.0
    for v in margin_a:
        if v > 0:
            h_a -= v / n * math.log(v / n)
    h_b = 0.0
    for v in margin_b:
        if v > 0:
            h_b -= v / n * math.log(v / n)
    # group equal margins so ID-like pairs stay cheap
    values_a, multiplicity_a = value_counts(margin_a)
    values_b, multiplicity_b = value_counts(margin_b)
    expected = 0.0
    for i in range(values_a.shape[0]):
        for j in range(values_b.shape[0]):
            expected += (
                multiplicity_a[i] * multiplicity_b[j] * expected_mi_one_pair(values_a[i], values_b[j], n)
            )
    return mi, expected, h_a, h_b


@nb.njit(cache=True, nogil=True)
def value_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    positive = values[values > 0]
    if positive.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    ordered = np.sort(positive)
    distinct = np.empty(ordered.shape[0])
    multiplicity = np.empty(ordered.shape[0])
    k = 0
    distinct[0] = ordered[0]
    multiplicity[0] = 1.0
    for i in range(1, ordered.shape[0]):
        if ordered[i] == distinct[k]:
            multiplicity[k] += 1.0
        else:
            k += 1
            distinct[k] = ordered[i]
            multiplicity[k] = 1.0
    return distinct[: k + 1], multiplicity[: k + 1]


# level sums keep this many interleaved copies of their tables while a table has at most
# ``_LANES_UP_TO`` levels: consecutive rows of one level (a skewed column) then add into
# different copies, not into one slot whose last addition each must wait for (a 20,000-row
# column with 90 % of one level: 51 -> 20 us)
_LANES = 4
_LANES_UP_TO = 4096


@nb.njit(cache=True, nogil=True)
def _sums_of_one(
    row: np.ndarray, slots: np.ndarray, first: np.ndarray, then: np.ndarray, response: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """``_gathered_sums`` of one response (``float64[n]``), without the inner loop."""
    lanes = _LANES if size <= _LANES_UP_TO else 1
    mask = lanes - 1
    has_slots, has_first, has_then = slots.shape[0] > 0, first.shape[0] > 0, then.shape[0] > 0
    counts = np.zeros((lanes, size))
    sums = np.zeros((lanes, size))
    for p in range(row.shape[0]):
        if has_slots and slots[p] < 0:
            continue
        code = int(row[p])
        if has_first:
            code = int(first[code])
        if has_then:
            code = int(then[code])
        lane = p & mask
        counts[lane, code] += 1.0
        sums[lane, code] += response[p]
    return counts.sum(axis=0), sums.sum(axis=0).reshape(1, size)


@nb.njit(cache=True, nogil=True)
def _gathered_sums(
    row: np.ndarray, slots: np.ndarray, first: np.ndarray, then: np.ndarray, weights: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of each code and the sums of each row of ``weights`` (``float64[m, n]``, one
    column a row of ``row``) over them, for codes ``then[first[row[p]]]`` below ``size``
    (empty maps: none), leaving out the rows whose ``slots[p]`` is below 0 (empty: none).
    Codes and weights are read in step, in the order ``row`` has: a row sample's stored
    codes are in the order the rows came, and reading them in the sample's order would wait
    on memory at every row.

    Each loop has its code written out: a helper called per row that numba does not inline
    costs reference counts of its arrays at every call (20 -> 480 us for 20,000 rows)."""
    m = weights.shape[0]
    if m == 1:
        return _sums_of_one(row, slots, first, then, weights[0], size)
    lanes = _LANES if size <= _LANES_UP_TO else 1
    mask = lanes - 1  # lanes is a power of two: a mask, not a division, picks the copy
    has_slots, has_first, has_then = slots.shape[0] > 0, first.shape[0] > 0, then.shape[0] > 0
    counts = np.zeros((lanes, size))
    sums = np.zeros((lanes, m, size))
    for p in range(row.shape[0]):
        if has_slots and slots[p] < 0:
            continue
        code = int(row[p])
        if has_first:
            code = int(first[code])
        if has_then:
            code = int(then[code])
        lane = p & mask
        counts[lane, code] += 1.0
        for j in range(m):
            sums[lane, j, code] += weights[j, p]
    return counts.sum(axis=0), sums.sum(axis=0)


@nb.njit(cache=True, nogil=True)
def _level_sums(codes: np.ndarray, weights: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    size = levels
    for code in codes:
        if code < 0:
            return np.zeros(0), np.zeros((weights.shape[0], 0))
        if code >= size:
            size = int(code) + 1  # int: a uint16 code wraps in plain Python
    none = np.zeros(0, dtype=np.int32)
    return _gathered_sums(codes, none.astype(np.int64), none, none, weights, size)


@export
@nb.njit(cache=True, nogil=True)
def level_sums(codes: I4Array, weights: F8Matrix, levels: I8) -> tuple[F8Array, F8Matrix]:
    return _level_sums(codes, weights, levels)


@export
@nb.njit(cache=True, nogil=True)
def level_sums_narrow(codes: U2Array, weights: F8Matrix, levels: I8) -> tuple[F8Array, F8Matrix]:
    """``level_sums`` of ``uint16`` codes."""
    return _level_sums(codes, weights, levels)


@nb.njit(cache=True, nogil=True)
def _largest(values: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest of ``values`` (with their repeats), ascending; zeros where fewer."""
    top = np.zeros(k)
    for value in values:
        if value > top[0]:
            at = 0
            while at + 1 < k and top[at + 1] < value:
                top[at] = top[at + 1]
                at += 1
            top[at] = value
    return top


@nb.njit(cache=True, nogil=True)
def _residual_anova(
    row: np.ndarray,
    slots: np.ndarray,
    first: np.ndarray,
    then: np.ndarray,
    weights: np.ndarray,
    levels: int,
    cap: int,
    ordered: int,
) -> tuple[int, np.ndarray, np.ndarray]:
    size = levels
    # every code that can be read (the last map's, or every stored one) within the tables
    lowest = 0
    if then.shape[0]:
        for code in then:
            lowest = min(lowest, int(code))
            size = max(size, int(code) + 1)
    elif first.shape[0]:
        for code in first:
            lowest = min(lowest, int(code))
            size = max(size, int(code) + 1)
    else:
        for code in row:
            lowest = min(lowest, int(code))
            size = max(size, int(code) + 1)
    if lowest < 0:
        return -1, np.zeros(0), np.zeros(0)
    counts, sums = _gathered_sums(row, slots, first, then, weights, size)
    n = 0.0  # the rows (those without a slot below 0)
    for level in range(size):
        n += counts[level]
    if n <= 0:  # no rows: nothing to test
        return 0, np.zeros(sums.shape[0]), np.zeros(0)
    occupied = 0
    for level in range(size):
        if counts[level] > 0:
            occupied += 1
    if not ordered and 0 < cap < occupied:  # the cap - 1 most frequent levels, the rest pooled
        bar = _largest(counts, cap)[0]
        kept = 0
        for level in range(size):
            if counts[level] > bar:
                kept += 1
        pooled_counts = np.zeros(kept + 1)
        pooled_sums = np.zeros((sums.shape[0], kept + 1))
        k = 0
        for level in range(size):
            to = kept
            if counts[level] > bar:
                to = k
                k += 1
            pooled_counts[to] += counts[level]
            for j in range(sums.shape[0]):
                pooled_sums[j, to] += sums[j, level]
        counts, sums = pooled_counts, pooled_sums
        occupied = kept + 1
    between = np.zeros(sums.shape[0])
    for j in range(sums.shape[0]):
        total = 0.0
        for level in range(counts.shape[0]):
            if counts[level] > 0:
                between[j] += sums[j, level] ** 2 / counts[level]
                total += sums[j, level]
        between[j] -= total**2 / n
    valued = 0.0
    for level in range(1, counts.shape[0]):
        valued += counts[level]
    if not ordered or valued <= 0:
        return occupied - 1, between, np.zeros(0)
    # the slope on the levels' midranks among the rows with a value; the missing level scores
    # their mean, so that it weighs nothing
    scores = np.zeros(counts.shape[0])
    below = 0.0
    weighted = 0.0
    for level in range(1, counts.shape[0]):
        scores[level] = below + (counts[level] + 1.0) / 2.0
        below += counts[level]
        weighted += counts[level] * scores[level]
    scores[0] = weighted / valued
    mean = (weighted + counts[0] * scores[0]) / n
    spread = 0.0
    for level in range(counts.shape[0]):
        scores[level] -= mean
        spread += counts[level] * scores[level] ** 2
    along = np.zeros(sums.shape[0])
    if spread > 0:
        for j in range(sums.shape[0]):
            dot = 0.0
            for level in range(counts.shape[0]):
                dot += scores[level] * sums[j, level]
            along[j] = dot**2 / spread
    return occupied - 1, between, along


@export
@nb.njit(cache=True, nogil=True)
def residual_anova(
    row: I4Array,
    slots: I8Array,
    first: I4Array,
    then: I4Array,
    weights: F8Matrix,
    levels: I8,
    cap: I8,
    ordered: I8,
) -> tuple[I8, F8Array, F8Array]:
    return _residual_anova(row, slots, first, then, weights, levels, cap, ordered)


@export
@nb.njit(cache=True, nogil=True)
def residual_anova_narrow(
    row: U2Array,
    slots: I8Array,
    first: I4Array,
    then: I4Array,
    weights: F8Matrix,
    levels: I8,
    cap: I8,
    ordered: I8,
) -> tuple[I8, F8Array, F8Array]:
    """``residual_anova`` of ``uint16`` codes."""
    return _residual_anova(row, slots, first, then, weights, levels, cap, ordered)
