"""Numba source of entropy, MI and expected MI (documented in ``kernels.information``)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from outrank_cli.kernels.constants import HYPERGEOMETRIC_TAIL, TREND_TINY
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

# counts below this have their x log x and log x looked up (``_x_log_x_table``, ``_log_table``)
# and their multiplicity counted in a buffer kept across tables (``table_summaries``)
_TABLED = 4096
# no table: every log computed
_NO_TABLE = np.zeros(0)


@nb.njit(cache=True, nogil=True)
def _entropy(counts: np.ndarray) -> float:
    """Entropy of ``float64`` or ``int64`` counts: each count taken as a float64, so both
    give the same bits."""
    # summed in the counts' own type: integers exactly (a float64 sum of integers is the same
    # number), without a chain of float additions
    whole = np.zeros(1, dtype=counts.dtype)[0]
    for value in counts:
        whole += value
    total = float(whole)
    if total <= 0.0:
        return 0.0
    acc = 0.0
    for count in counts:
        value = float(count)
        if value > 1.0:  # 1 log 1 is 0: the levels seen once add nothing (the same bits)
            acc += value * math.log(value)
    # a single level gives log N - N log N / N, which rounds below 0 for 4 % of N (6, 22,
    # 100,000): entropy_of_codes took that for its negative-code signal and check crashed
    return max(math.log(total) - acc / total, 0.0)


@nb.njit(cache=True, nogil=True)
def _mutual_information(counts: np.ndarray) -> float:
    """MI of a ``float64`` or ``int64`` table, each cell taken as a float64 (same bits)."""
    n_rows, n_cols = counts.shape
    # the margins in the counts' own type: integers exactly (as their float64 sums), and
    # without a chain of float additions through every cell (18,000 x 2: 140 -> 100 us)
    row_sums = np.zeros(n_rows, dtype=counts.dtype)
    col_sums = np.zeros(n_cols, dtype=counts.dtype)
    whole = np.zeros(1, dtype=counts.dtype)[0]
    for i in range(n_rows):
        for j in range(n_cols):
            value = counts[i, j]
            row_sums[i] += value
            col_sums[j] += value
            whole += value
    return _mi_of_margins(counts, row_sums, col_sums, float(whole))


# products of two counts below this are exact in a float64
_EXACT = 2.0**53


@nb.njit(cache=True, nogil=True)
def _mi_of_margins(counts: np.ndarray, row_sums: np.ndarray, col_sums: np.ndarray, total: float) -> float:
    """``_mutual_information`` of a table whose row and column sums and total are given."""
    n_rows, n_cols = counts.shape
    if total <= 0.0:
        return 0.0
    # a level of one row has a single cell of 1, whose term 1 log(1 N / (1 col)) is log(N / col):
    # taken once per target column (the same bits; most levels of an ID column are seen once)
    alone = np.empty(n_cols)
    for j in range(n_cols):
        alone[j] = math.log(total / float(col_sums[j])) if col_sums[j] > 0 else 0.0
    acc = 0.0
    for i in range(n_rows):
        row = float(row_sums[i])
        single = row == 1.0
        # a row all in one column: its term v log(v N / (v col)) is v log(N / col), the same
        # bits while the products are exact (and whole numbers: counts)
        whole_row = row * total <= _EXACT and row == math.floor(row)
        for j in range(n_cols):
            value = float(counts[i, j])
            if value > 0:
                if single:
                    acc += alone[j]
                elif value == row and whole_row:
                    acc += value * alone[j]
                else:
                    acc += value * math.log(value * total / (row * float(col_sums[j])))
    return max(acc / total, 0.0)


@export
@nb.njit(cache=True, nogil=True)
def entropy(counts: F8Array) -> F8:
    return _entropy(counts)


@export
@nb.njit(cache=True, nogil=True)
def entropy_of_counts(counts: I8Array) -> F8:
    """``entropy`` of integer counts, without a float64 copy of them."""
    return _entropy(counts)


@nb.njit(cache=True, nogil=True)
def _entropy_of_codes(codes: np.ndarray, levels: int) -> float:
    size = levels
    for code in codes:
        if code < 0:
            return -1.0
        if code >= size:
            size = int(code) + 1  # int: a uint16 code wraps in plain Python
    counts = np.zeros(size, dtype=np.int64)
    for code in codes:
        counts[code] += 1
    return _entropy(counts)


@export
@nb.njit(cache=True, nogil=True)
def entropy_of_codes(codes: I4Array, levels: I8) -> F8:
    """``entropy_of_counts`` of the codes' counts (codes ``0 ..``; the counts grow past
    ``levels`` when a code does), without the GIL: a wide sample's columns side by side.
    A negative code: -1."""
    return _entropy_of_codes(codes, levels)


@export
@nb.njit(cache=True, nogil=True)
def entropy_of_narrow_codes(codes: U2Array, levels: I8) -> F8:
    """``entropy_of_codes`` of ``uint16`` codes (a sample's narrow columns)."""
    return _entropy_of_codes(codes, levels)


@export
@nb.njit(cache=True, nogil=True)
def mutual_information(counts: F8Matrix) -> F8:
    return _mutual_information(counts)


@export
@nb.njit(cache=True, nogil=True)
def mutual_information_of_counts(counts: I8Matrix) -> F8:
    """``mutual_information`` of an integer table, without a float64 copy of it."""
    return _mutual_information(counts)


@nb.njit(cache=True, nogil=True)
def expected_mi_one_pair(a: float, b: float, n: float) -> float:
    """E[(k/N) log(N k/(a b))] for k ~ Hypergeometric(N, a, b), summed around the mode."""
    return _expected_mi_one_pair(a, b, n, _NO_TABLE)


@nb.njit(cache=True, nogil=True, inline="always")
def _log_of(k: float, logs: np.ndarray) -> float:
    """log k of a whole number k, looked up in ``logs`` below its length (the same bits)."""
    return logs[int(k)] if k < logs.shape[0] else math.log(k)


@nb.njit(cache=True, nogil=True)
def _expected_mi_one_pair(a: float, b: float, n: float, logs: np.ndarray) -> float:
    """``expected_mi_one_pair`` with log k looked up in ``logs`` (``_log_table``) below its
    length: a log a step of the walks took half the expected MI of 20,000 views."""
    low = max(1.0, a + b - n)
    high = min(a, b)
    if high < low:
        return 0.0
    mode = float(math.floor((a + 1.0) * (b + 1.0) / (n + 2.0)))
    mode = min(max(mode, low), high)
    log_norm = (
        math.lgamma(a + 1.0)
        + math.lgamma(n - a + 1.0)
        + math.lgamma(b + 1.0)
        + math.lgamma(n - b + 1.0)
        - math.lgamma(n + 1.0)
    )
    log_peak = log_norm - (
        math.lgamma(mode + 1.0)
        + math.lgamma(a - mode + 1.0)
        + math.lgamma(b - mode + 1.0)
        + math.lgamma(n - a - b + mode + 1.0)
    )
    peak = math.exp(log_peak)
    log_nab = math.log(n) - math.log(a) - math.log(b)
    total = mode / n * (log_nab + _log_of(mode, logs)) * peak
    # walk up from the mode: P(k+1) = P(k) (a-k)(b-k) / ((k+1)(n-a-b+k+1))
    prob = peak
    k = mode
    while k < high:
        prob *= (a - k) * (b - k) / ((k + 1.0) * (n - a - b + k + 1.0))
        k += 1.0
        total += k / n * (log_nab + _log_of(k, logs)) * prob
        if prob < HYPERGEOMETRIC_TAIL * peak:
            break
    # walk down: P(k-1) = P(k) k (n-a-b+k) / ((a-k+1)(b-k+1))
    prob = peak
    k = mode
    while k > low:
        prob *= k * (n - a - b + k) / ((a - k + 1.0) * (b - k + 1.0))
        k -= 1.0
        total += k / n * (log_nab + _log_of(k, logs)) * prob
        if prob < HYPERGEOMETRIC_TAIL * peak:
            break
    return total


@export
@nb.njit(cache=True, nogil=True)
def expected_mutual_information(
    target_counts: F8Array, feature_count_values: F8Array, feature_count_multiplicity: F8Array
) -> F8:
    return _expected_mutual_information(
        target_counts, feature_count_values, feature_count_multiplicity, _NO_TABLE
    )


@nb.njit(cache=True, nogil=True)
def _expected_mutual_information(
    target_counts: np.ndarray,
    feature_count_values: np.ndarray,
    feature_count_multiplicity: np.ndarray,
    logs: np.ndarray,
) -> float:
    n = 0.0
    for value in target_counts:
        n += value
    if n <= 1.0:
        return 0.0
    total = 0.0
    for i in range(target_counts.shape[0]):
        a = float(target_counts[i])
        if a <= 0.0:
            continue
        for j in range(feature_count_values.shape[0]):
            b = float(feature_count_values[j])
            if b <= 0.0:
                continue
            total += feature_count_multiplicity[j] * _expected_mi_one_pair(a, b, n, logs)
    return max(total, 0.0)


# distinct totals by a count of each total when the largest is below ``_TABLED`` and at most
# this many times the levels (plus a constant): a table of 12,000 levels, 140 us by a sort
_COUNTING_SPAN = 4
_COUNTING_MIN = 1024


@nb.njit(cache=True, nogil=True)
def _x_log_x_table(size: int) -> np.ndarray:
    """``x log x`` of each whole ``x`` below ``size``, as ``_entropy`` computes it."""
    out = np.zeros(size)
    for x in range(2, size):
        value = float(x)
        out[x] = value * math.log(value)
    return out


@nb.njit(cache=True, nogil=True)
def _log_table(size: int) -> np.ndarray:
    """``log x`` of each whole ``x`` below ``size`` (0 at 0)."""
    out = np.zeros(size)
    for x in range(1, size):
        out[x] = math.log(float(x))
    return out


@nb.njit(cache=True, nogil=True)
def _entropy_of_totals(counts: np.ndarray, total: float, x_log_x: np.ndarray) -> float:
    """``_entropy`` of ``int64`` counts whose sum is ``total``, ``x log x`` looked up in
    ``x_log_x`` below its length (the same bits)."""
    if total <= 0.0:
        return 0.0
    acc = 0.0
    small = x_log_x.shape[0]
    for count in counts:
        if count > 1:
            if count < small:
                acc += x_log_x[count]
            else:
                value = float(count)
                acc += value * math.log(value)
    return max(math.log(total) - acc / total, 0.0)


@nb.njit(cache=True, nogil=True)
def _distinct_by_sorting(totals: np.ndarray, n_positive: int) -> tuple[np.ndarray, np.ndarray]:
    """As ``_distinct_by_counting``, through a sort of the ``n_positive`` positive totals."""
    kept = np.empty(n_positive, dtype=np.int64)
    k = 0
    for value in totals:
        if value > 0:
            kept[k] = value
            k += 1
    kept = np.sort(kept)
    n_distinct = 0
    for k in range(n_positive):
        if k == 0 or kept[k] != kept[k - 1]:
            n_distinct += 1
    values = np.empty(n_distinct, dtype=np.float64)
    multiplicity = np.zeros(n_distinct, dtype=np.float64)
    d = -1
    for k in range(n_positive):
        if k == 0 or kept[k] != kept[k - 1]:
            d += 1
            values[d] = float(kept[k])
        multiplicity[d] += 1.0
    return values, multiplicity


@nb.njit(cache=True, nogil=True)
def table_summary(
    counts: np.ndarray, x_log_x: np.ndarray, logs: np.ndarray, seen: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, float, float, float]:
    """Target totals, feature totals, MI, expected MI, H(feature), H(target) of one count table,
    each the same bits as its own kernel computes it: the margins once for all of them, logs
    of small whole numbers looked up (``x_log_x``, ``logs``), and ``seen`` (zeros of length
    ``_TABLED``, left zeros) counting the distinct feature totals (20,000 views of a
    10,000-column table: 2.0 -> 1.45 s on one thread)."""
    n_rows, n_cols = counts.shape
    target_counts = np.zeros(n_cols, dtype=np.int64)
    feature_counts = np.zeros(n_rows, dtype=np.int64)
    n_levels = 0
    largest = 0
    whole = 0
    for i in range(n_rows):
        row = 0
        for j in range(n_cols):
            value = counts[i, j]
            row += value
            target_counts[j] += value
        feature_counts[i] = row
        whole += row
        if row > 0:
            n_levels += 1
            largest = max(largest, row)
            if row < _TABLED:
                seen[row] += 1
    n_positive = 0
    for value in target_counts:
        if value > 0:
            n_positive += 1
    positive_targets = np.empty(n_positive, dtype=np.float64)
    k = 0
    for value in target_counts:
        if value > 0:
            positive_targets[k] = float(value)
            k += 1
    # the distinct feature totals in increasing order with their multiplicity (np.unique)
    if largest < _TABLED and largest <= _COUNTING_SPAN * n_levels + _COUNTING_MIN:
        n_distinct = 0
        for value in range(1, largest + 1):
            if seen[value] > 0:
                n_distinct += 1
        values = np.empty(n_distinct, dtype=np.float64)
        multiplicity = np.empty(n_distinct, dtype=np.float64)
        d = 0
        for value in range(1, largest + 1):
            if seen[value] > 0:
                values[d] = float(value)
                multiplicity[d] = float(seen[value])
                seen[value] = 0
                d += 1
    else:
        for value in feature_counts:
            if 0 < value < _TABLED:
                seen[value] = 0
        values, multiplicity = _distinct_by_sorting(feature_counts, n_levels)
    return (
        target_counts,
        feature_counts,
        _mi_of_margins(counts, feature_counts, target_counts, float(whole)),
        _expected_mutual_information(positive_targets, values, multiplicity, logs),
        _entropy_of_totals(feature_counts, float(whole), x_log_x),
        _entropy(target_counts),
    )


@export
@nb.njit(cache=True, nogil=True)
def table_summaries(stacked: I8Matrix, starts: I8Array) -> F8Matrix:
    """``table_summary`` of each table ``stacked[starts[t]:starts[t + 1]]``, in one call (a
    call per table is a release and a re-acquisition of the interpreter lock: 20,000 views
    of a 10,000-column table). Row t: MI, expected MI, H(feature), H(target), the rows, and
    the feature's and the target's levels with rows."""
    n_tables = starts.shape[0] - 1
    out = np.zeros((n_tables, 7))
    x_log_x = _x_log_x_table(_TABLED)
    logs = _log_table(_TABLED)
    seen = np.zeros(_TABLED, dtype=np.int64)
    for t in range(n_tables):
        target, feature, mi, expected, h_feature, h_target = table_summary(
            stacked[starts[t] : starts[t + 1]], x_log_x, logs, seen
        )
        n = 0
        levels = 0
        for value in feature:
            n += value
            if value > 0:
                levels += 1
        classes = 0
        for value in target:
            if value > 0:
                classes += 1
        out[t, 0] = mi
        out[t, 1] = expected
        out[t, 2] = h_feature
        out[t, 3] = h_target
        out[t, 4] = float(n)
        out[t, 5] = float(levels)
        out[t, 6] = float(classes)
    return out


@export
@nb.njit(cache=True, nogil=True)
def trend_test(counts: I8Matrix, ordered_target: I8) -> tuple[F8, F8, I8]:
    """The trend test of an ordered feature's table (levels in order, no missing level):
    ``(Q, df, levels)``, ``levels`` the levels with rows. Q and df are computed for a target of
    two classes, or with ``ordered_target`` (the classes' midranks as their scores), and are
    (0, 0) when there is nothing to test; for more classes unordered df is -1 (the caller's
    quadratic form). The scores are the levels' midranks: each class's score sum minus its
    expected value, against n^2 / (n - 1) times the scores' variance times the classes'."""
    n_levels, n_classes = counts.shape
    deviation = np.zeros(n_classes, dtype=np.float64)
    classes = np.zeros(n_classes, dtype=np.float64)
    below = 0.0
    first = 0.0
    second = 0.0
    levels = 0
    for i in range(n_levels):
        total = 0.0
        for j in range(n_classes):
            total += float(counts[i, j])
        if total <= 0.0:
            continue
        levels += 1
        score = below + (total + 1.0) / 2.0  # the midrank of the level's rows
        below += total
        first += score * total
        second += score * score * total
        for j in range(n_classes):
            value = float(counts[i, j])
            deviation[j] += score * value
            classes[j] += value
    n_y = 0
    for j in range(n_classes):
        if classes[j] > 0.0:
            n_y += 1
    if below < 2.0 or n_y < 2:
        return 0.0, 0.0, levels
    mean = first / below
    for j in range(n_classes):
        deviation[j] -= mean * classes[j]
    weight = below * below / (below - 1.0) * max(second / below - mean * mean, 0.0)
    if weight <= TREND_TINY * below * below:
        return 0.0, 0.0, levels
    if ordered_target == 0 and n_y > 2:
        return 0.0, -1.0, levels
    # one degree of freedom: the classes scored by their midranks (two classes: any scores)
    before = 0.0
    t_first = 0.0
    t_second = 0.0
    statistic = 0.0
    for j in range(n_classes):
        if classes[j] <= 0.0:
            continue
        t = before + (classes[j] + 1.0) / 2.0
        before += classes[j]
        t_first += t * classes[j]
        t_second += t * t * classes[j]
        statistic += t * deviation[j]
    t_mean = t_first / below
    variance = weight * max(t_second / below - t_mean * t_mean, 0.0)
    if variance <= TREND_TINY * below * below:
        return 0.0, 0.0, levels
    return statistic * statistic / variance, 1.0, levels
