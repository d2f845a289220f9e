"""Slow, obviously-correct reference implementations for the statistics kernels.

Plain Python loops over dicts and lists, exact integer/rational arithmetic where it matters;
nothing here is meant to be fast. All information quantities are in nats.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from fractions import Fraction

import numpy as np

# counts may come as lists or numpy arrays
Counts = Sequence[int] | np.ndarray


# -- tables -----------------------------------------------------------------------------------
def contingency(rows: Sequence[Hashable], cols: Sequence[Hashable]) -> np.ndarray:
    """Count table ``int64[n_row_levels, n_col_levels]`` of two label sequences (sorted levels)."""
    if len(rows) != len(cols):
        raise ValueError("label sequences differ in length")
    row_levels = sorted(set(rows), key=repr)
    col_levels = sorted(set(cols), key=repr)
    row_index = {level: i for i, level in enumerate(row_levels)}
    col_index = {level: j for j, level in enumerate(col_levels)}
    table = np.zeros((len(row_levels), len(col_levels)), dtype=np.int64)
    for r, c in zip(rows, cols, strict=True):
        table[row_index[r], col_index[c]] += 1
    return table


def _as_lists(table: np.ndarray) -> list[list[int]]:
    return [[int(v) for v in row] for row in np.asarray(table)]


def margins(table: np.ndarray) -> tuple[list[int], list[int], int]:
    """(row sums, column sums, total) as Python ints."""
    cells = _as_lists(table)
    n_cols = len(cells[0]) if cells else 0
    row_sums = [sum(row) for row in cells]
    col_sums = [sum(row[j] for row in cells) for j in range(n_cols)]
    return row_sums, col_sums, sum(row_sums)


# -- entropy and MI ---------------------------------------------------------------------------
def entropy(counts: Counts) -> float:
    """H = -sum p log p over the non-zero counts; 0 for an empty or all-zero vector."""
    values = [int(v) for v in np.asarray(counts).ravel()]
    total = sum(values)
    if total == 0:
        return 0.0
    h = 0.0
    for v in values:
        if v > 0:
            p = v / total
            h -= p * math.log(p)
    return h


def mutual_information_table(table: np.ndarray) -> float:
    """Plug-in MI: sum_ij n_ij/N log(N n_ij / (a_i b_j))."""
    cells = _as_lists(table)
    row_sums, col_sums, n = margins(table)
    if n == 0:
        return 0.0
    mi = 0.0
    for i, row in enumerate(cells):
        for j, nij in enumerate(row):
            if nij > 0:
                mi += nij / n * math.log(n * nij / (row_sums[i] * col_sums[j]))
    return max(mi, 0.0)


def mutual_information_labels(x: Sequence[Hashable], y: Sequence[Hashable]) -> float:
    """Plug-in MI straight from two label sequences (no table object in between)."""
    n = len(x)
    if n == 0:
        return 0.0
    joint = Counter(zip(x, y, strict=True))
    px = Counter(x)
    py = Counter(y)
    mi = 0.0
    for (u, v), nuv in joint.items():
        mi += nuv / n * math.log(n * nuv / (px[u] * py[v]))
    return max(mi, 0.0)


def hypergeometric_pmf(k: int, a: int, b: int, n: int) -> float:
    """P(n_ij = k) for a_i, b_j fixed margins in N rows, exactly (rational), rounded once."""
    if k < max(0, a + b - n) or k > min(a, b):
        return 0.0
    return float(Fraction(math.comb(b, k) * math.comb(n - b, a - k), math.comb(n, a)))


def expected_mutual_information(target_counts: Counts, feature_counts: Counts) -> float:
    """E[I] under the permutation (hypergeometric) model by the full exact sum.

    Vinh, Epps & Bailey (2010), eq. (24a): sum over i, j and every admissible n_ij of
    (n_ij / N) log(N n_ij / (a_i b_j)) P_hyp(n_ij; a_i, b_j, N). The probabilities are exact
    rationals (integer binomials), so the only rounding is in the logs and the final sum.
    """
    a_all = [int(v) for v in np.asarray(target_counts).ravel()]
    b_all = [int(v) for v in np.asarray(feature_counts).ravel()]
    n = sum(a_all)
    if n != sum(b_all):
        raise ValueError("margins disagree")
    total = 0.0
    for a in a_all:
        if a == 0:
            continue
        for b in b_all:
            if b == 0:
                continue
            for k in range(max(1, a + b - n), min(a, b) + 1):
                total += k / n * math.log(n * k / (a * b)) * hypergeometric_pmf(k, a, b, n)
    return total


def expected_mutual_information_lgamma(target_counts: Counts, feature_counts: Counts) -> float:
    """The same full sum with log-gamma probabilities (for N too large for exact binomials)."""
    a_all = [int(v) for v in np.asarray(target_counts).ravel()]
    b_all = [int(v) for v in np.asarray(feature_counts).ravel()]
    n = sum(a_all)
    lg = math.lgamma
    total = 0.0
    for a in a_all:
        if a == 0:
            continue
        for b in b_all:
            if b == 0:
                continue
            log_norm = lg(a + 1) + lg(b + 1) + lg(n - a + 1) + lg(n - b + 1) - lg(n + 1)
            for k in range(max(1, a + b - n), min(a, b) + 1):
                log_p = log_norm - lg(k + 1) - lg(a - k + 1) - lg(b - k + 1) - lg(n - a - b + k + 1)
                total += k / n * math.log(n * k / (a * b)) * math.exp(log_p)
    return total


def expected_mutual_information_table(table: np.ndarray) -> float:
    row_sums, col_sums, _ = margins(table)
    return expected_mutual_information(col_sums, row_sums)


# -- corrections and normalizations -----------------------------------------------------------
def miller_madow_entropy(counts: Counts) -> float:
    """H + (m - 1) / 2N with m the number of non-empty cells (Miller 1955)."""
    values = [int(v) for v in np.asarray(counts).ravel()]
    n = sum(values)
    if n == 0:
        return 0.0
    m = sum(1 for v in values if v > 0)
    return entropy(values) + (m - 1) / (2 * n)


def miller_madow_mi(table: np.ndarray) -> float:
    """I_MM = H_MM(X) + H_MM(Y) - H_MM(X, Y), each entropy Miller-Madow corrected."""
    row_sums, col_sums, n = margins(table)
    if n == 0:
        return 0.0
    joint = [int(v) for v in np.asarray(table).ravel()]
    # the plug-in part through the table MI (clamped at 0 like every plug-in MI), the
    # corrections through the cell counts
    m_x = sum(1 for v in row_sums if v > 0)
    m_y = sum(1 for v in col_sums if v > 0)
    m_xy = sum(1 for v in joint if v > 0)
    mi = mutual_information_table(table)
    correction = (
        (miller_madow_entropy(row_sums) - entropy(row_sums))
        + (miller_madow_entropy(col_sums) - entropy(col_sums))
        - (miller_madow_entropy(joint) - entropy(joint))
    )
    assert math.isclose(correction, ((m_x - 1) + (m_y - 1) - (m_xy - 1)) / (2 * n), abs_tol=1e-15)
    return mi + correction


def symmetric_uncertainty(table: np.ndarray) -> float:
    """2 I / (H(X) + H(Y)); 0 when both entropies are 0."""
    row_sums, col_sums, _ = margins(table)
    h = entropy(row_sums) + entropy(col_sums)
    return 2.0 * mutual_information_table(table) / h if h > 0 else 0.0


def ami_normalized(table: np.ndarray) -> float:
    """(I - E[I]) / (mean(H(X), H(Y)) - E[I]), scikit-learn's arithmetic AMI; 1 if H = 0 twice."""
    row_sums, col_sums, _ = margins(table)
    h_x, h_y = entropy(row_sums), entropy(col_sums)
    if h_x == 0.0 and h_y == 0.0:
        return 1.0
    mi = mutual_information_table(table)
    emi = expected_mutual_information(col_sums, row_sums)
    return (mi - emi) / ((h_x + h_y) / 2.0 - emi)


# -- binning ------------------------------------------------------------------------------------
def equal_frequency_bins(cell_keys: Counts, cell_weights: Counts, *, n_bins: int) -> list[int]:
    """Midpoint rule, as documented in ``outrank_cli.binning``, in exact rational arithmetic.

    In key order, a cell with weight w whose cumulative weight before it is c goes to raw bin
    ``min(floor((c + w/2) * n_bins / total), n_bins - 1)``. A cell without rows joins the bin
    of the cell before it; a cell without rows before every weighted cell joins the first
    bin (the bin of the first weighted cell), so no bin is empty of weight. Raw bins are then
    renumbered densely 0..k-1. All cells share bin 0 when the total weight is 0.
    """
    keys = [int(k) for k in cell_keys]
    weights = [int(w) for w in cell_weights]
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    total = sum(weights)
    out = [0] * len(keys)
    if total <= 0:
        return out
    raw: list[int | None] = []
    cumulative = 0
    for i in order:
        w = weights[i]
        if w > 0:
            midpoint = Fraction(cumulative) + Fraction(w, 2)
            raw.append(min(math.floor(midpoint * n_bins / total), n_bins - 1))
        else:
            raw.append(None)
        cumulative += w
    first = next(r for r in raw if r is not None)
    previous = first
    filled = []
    for r in raw:
        if r is not None:
            previous = r
        filled.append(previous)
    dense = {r: d for d, r in enumerate(sorted(set(filled)))}
    for position, i in enumerate(order):
        out[i] = dense[filled[position]]
    return out
