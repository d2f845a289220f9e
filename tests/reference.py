"""Slow, obviously-correct reference implementations for the statistics kernels and the
greedy subset search.

Plain Python loops over dicts and lists, exact integer/rational arithmetic where it matters;
nothing here is meant to be fast. Information quantities are in nats, except in the greedy
search, which reports bits like the library.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
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


# -- pair statistics: redundancy and conditional MI ---------------------------------------------
_EPS = 2.220446049250313e-16  # float64 machine epsilon


def normalized_adjusted_mi(mi: float, expected_mi: float, h_x: float, h_y: float) -> float:
    """(I - E[I]) / (mean(H(X), H(Y)) - E[I]), with the denominator kept at least one epsilon
    away from 0 (its sign kept) as the library does; 1 when both entropies are 0."""
    if h_x == 0.0 and h_y == 0.0:
        return 1.0
    denominator = (h_x + h_y) / 2.0 - expected_mi
    denominator = min(denominator, -_EPS) if denominator < 0 else max(denominator, _EPS)
    return (mi - expected_mi) / denominator


def redundancy_labels(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[float, float, float]:
    """I(A;B), E[I(A;B)] under permutation (nats) and the normalized form, from two label lists."""
    a_counts = list(Counter(a).values())
    b_counts = list(Counter(b).values())
    mi = mutual_information_labels(a, b)
    expected = expected_mutual_information_lgamma(a_counts, b_counts)
    return mi, expected, normalized_adjusted_mi(mi, expected, entropy(a_counts), entropy(b_counts))


def conditional_mutual_information_labels(
    a: Sequence[Hashable], y: Sequence[Hashable], given: Sequence[Hashable]
) -> tuple[float, float, int]:
    """I(A;Y|B) = sum_s (n_s/N) I_s(A;Y), its stratified expected value sum_s (n_s/N) E[I_s]
    (hypergeometric within each stratum; both in nats) and the degrees of freedom
    sum_s (r_s - 1)(c_s - 1), r_s and c_s the levels of A and Y present in stratum s.

    A stratum of a single row contributes nothing, not even to the degrees of freedom (its
    weight still counts in N).
    """
    n = len(a)
    if not len(y) == len(given) == n:
        raise ValueError("label sequences differ in length")
    strata: dict[Hashable, list[int]] = {}
    for row, s in enumerate(given):
        strata.setdefault(s, []).append(row)
    mi = expected = 0.0
    df = 0
    for rows in strata.values():
        n_s = len(rows)
        if n_s <= 1:
            continue
        a_s = [a[r] for r in rows]
        y_s = [y[r] for r in rows]
        a_counts = list(Counter(a_s).values())
        y_counts = list(Counter(y_s).values())
        mi += n_s / n * mutual_information_labels(a_s, y_s)
        expected += n_s / n * expected_mutual_information_lgamma(y_counts, a_counts)
        df += (len(a_counts) - 1) * (len(y_counts) - 1)
    return mi, expected, df


def calibrated_chi2_p(mi: float, expected_mi: float, df: float) -> float:
    """P(chi2_df >= I / (E[I] / df)): a chi-square with df degrees of freedom scaled so that its
    mean is the exact permutation mean E[I] (scipy as the independent oracle). 1 when there is
    nothing to test (df <= 0 or I <= 0), 0 when E[I] <= 0 < I."""
    from scipy.stats import chi2

    if df <= 0 or mi <= 0.0:
        return 1.0
    if expected_mi <= 0.0:
        return 0.0
    return float(chi2.sf(mi / (expected_mi / df), df))


def pooled_labels(labels: Sequence[Hashable], cap: int) -> list[Hashable]:
    """At most ``cap`` distinct labels: beyond ``cap``, a value keeps its label when its count
    is above the ``cap``-th largest count, every other value becomes one shared label."""
    counts = Counter(labels)
    if len(counts) <= cap:
        return list(labels)
    cut = sorted(counts.values(), reverse=True)[cap - 1]
    other = object()
    return [value if counts[value] > cut else other for value in labels]


def cmh_labels(a: Sequence[Hashable], y: Sequence[Hashable], given: Sequence[Hashable]) -> tuple[float, int]:
    """The generalized Cochran-Mantel-Haenszel statistic of A against Y stratified by
    ``given`` and its degrees of freedom (Landis, Heyman & Koch 1978), written from the
    textbook form: the observed-minus-expected counts of the (A, Y) cells, the last level of
    each left out, summed over the strata of two rows or more; their covariance summed over
    the strata, n_s^2 / (n_s - 1) (D(p_y) - p_y p_y') (x) (D(p_a) - p_a p_a') entry by entry;
    Q = d' V^+ d with df = rank V. A keeps at most max(2, min(16, 64 // |Y|)) levels
    (``pooled_labels``); with more than 32 target levels there is no test, (0, 0)."""
    y_levels = list(dict.fromkeys(y))
    if len(y_levels) > 32:
        return 0.0, 0
    a = pooled_labels(a, max(2, min(16, 64 // len(y_levels))))
    a_levels = list(dict.fromkeys(a))
    cells = [(i, j) for i in a_levels[:-1] for j in y_levels[:-1]]
    strata: dict[Hashable, list[int]] = {}
    for row, s in enumerate(given):
        strata.setdefault(s, []).append(row)
    d = [0.0] * len(cells)
    v = [[0.0] * len(cells) for _ in cells]
    for rows in strata.values():
        n_s = len(rows)
        if n_s < 2:
            continue
        joint = Counter((a[r], y[r]) for r in rows)
        a_count = Counter(a[r] for r in rows)
        y_count = Counter(y[r] for r in rows)
        for u, (i, j) in enumerate(cells):
            d[u] += joint[(i, j)] - a_count[i] * y_count[j] / n_s
            for w, (k, m) in enumerate(cells):
                y_part = (y_count[j] / n_s) * ((j == m) - y_count[m] / n_s)
                a_part = (a_count[i] / n_s) * ((i == k) - a_count[k] / n_s)
                v[u][w] += n_s * n_s / (n_s - 1) * y_part * a_part
    if not cells:
        return 0.0, 0
    return pseudo_inverse_form(d, v)


def pseudo_inverse_form(d: Sequence[float], v: Sequence[Sequence[float]]) -> tuple[float, int]:
    """d' V^+ d with the rank of V (numpy's pseudo-inverse and rank, tolerance 1e-9 of the
    largest entry); (0, 0) when V is 0."""
    matrix = np.array(v)
    rank = int(np.linalg.matrix_rank(matrix, tol=1e-9 * max(float(np.abs(matrix).max()), 1e-300)))
    if rank == 0:
        return 0.0, 0
    vector = np.array(d)
    return float(vector @ np.linalg.pinv(matrix, rcond=1e-9) @ vector), rank


def midranks_of(values: Sequence[float]) -> list[float]:
    """The midrank of every value among ``values``: ties share the mean of their positions 1..n."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def trend_labels(
    x: Sequence[float | None],
    y: Sequence[Hashable],
    given: Sequence[Hashable] | None = None,
    *,
    ordered_target: bool = False,
) -> tuple[float, int]:
    """The trend test of ordered X against Y within the strata of ``given`` (none: one
    stratum), written from the textbook form (Agresti sec. 3.4, 6.4; Landis et al. 1978): rows
    without an X (None) left out; every row scored by the midrank of its X among those rows
    (and of its Y when ``ordered_target``); in each stratum of two rows or more, the score sum
    of every class minus its expected value n_y mean(s), and the covariance
    n^2 / (n - 1) var(s) (D(p) - p p') of those sums (var(s) the mean squared deviation);
    summed over the strata, the last class left out, Q = d' V^+ d with df = rank V. With an
    ordered target: d = sum over the rows of (s - mean s)(t - mean t) and
    V = sum n^2 / (n - 1) var(s) var(t), Q = d^2 / V with one degree of freedom. (0, 0) when
    fewer than two X values or classes occur, or V is 0; with an unordered target of more than
    32 classes, too."""
    rows = [r for r in range(len(x)) if x[r] is not None]
    classes = sorted(set(y[r] for r in rows), key=str)
    if len(set(x[r] for r in rows)) < 2 or len(classes) < 2 or (not ordered_target and len(classes) > 32):
        return 0.0, 0
    scores = dict(zip(rows, midranks_of([float(x[r]) for r in rows]), strict=True))  # type: ignore[arg-type]
    class_scores = (
        dict(zip(rows, midranks_of([float(y[r]) for r in rows]), strict=True)) if ordered_target else {}
    )  # type: ignore[arg-type]
    strata: dict[Hashable, list[int]] = {}
    for r in rows:
        strata.setdefault(None if given is None else given[r], []).append(r)
    size = len(classes) - 1
    d = [0.0] * size
    v = [[0.0] * size for _ in range(size)]
    d_ordered = v_ordered = 0.0
    for members in strata.values():
        n = len(members)
        if n < 2:
            continue
        mean = sum(scores[r] for r in members) / n
        spread = sum((scores[r] - mean) ** 2 for r in members) / n
        if ordered_target:
            t_mean = sum(class_scores[r] for r in members) / n
            t_spread = sum((class_scores[r] - t_mean) ** 2 for r in members) / n
            d_ordered += sum((scores[r] - mean) * (class_scores[r] - t_mean) for r in members)
            v_ordered += n * n / (n - 1) * spread * t_spread
            continue
        count = Counter(y[r] for r in members)
        for i, c in enumerate(classes[:-1]):
            d[i] += sum(scores[r] for r in members if y[r] == c) - count[c] * mean
            for j, other in enumerate(classes[:-1]):
                share_i, share_j = count[c] / n, count[other] / n
                v[i][j] += n * n / (n - 1) * spread * share_i * ((i == j) - share_j)
    if ordered_target:
        if v_ordered <= 1e-12 * len(rows) ** 2:
            return 0.0, 0
        return d_ordered * d_ordered / v_ordered, 1
    return pseudo_inverse_form(d, v)


def fdr_threshold(p_values: Sequence[float], *, alpha: float, tests: int) -> float:
    """Benjamini-Hochberg: the largest p_(i) with p_(i) <= i alpha / m, m = max(tests, count);
    -1 when there is none."""
    ordered = sorted(p_values)
    m = max(tests, len(ordered), 1)
    passing = [p for i, p in enumerate(ordered, start=1) if p <= i * alpha / m]
    return max(passing) if passing else -1.0


# -- greedy subset search -----------------------------------------------------------------------
LN2 = math.log(2.0)
STOP_K = "k reached"
STOP_EXHAUSTED = "no candidates left"
STOP_NO_GAIN = "marginal gain at the noise floor"
STOP_NO_SIGNAL = "no feature is significantly relevant"
NO_GAIN = "no gain beyond the selected features above the noise floor"
REDUNDANT_DUPLICATE = 0.9
REDUNDANT_NORMALIZED = 0.5
REDUNDANT_SHARE = 0.25
CONDITION_STRATA = 16


@dataclass(frozen=True)
class FeatureRelevance:
    """Relevance of one feature on all rows: AMI score I - E[I] in bits, calibrated p, H in bits."""

    score: float
    p_value: float
    entropy: float


@dataclass(frozen=True)
class PairReference:
    """Feature ``a`` given feature ``b``; information in bits."""

    a: str
    b: str
    redundancy: float  # plug-in I(A;B)
    redundancy_adjusted: float  # I(A;B) - E[I(A;B)]
    redundancy_normalized: float
    conditional_relevance: float  # I(A;Y|B') minus its stratified expected value, B' coarsened
    conditional_p: float
    conditional_mi: float  # plug-in I(A;Y|B') in nats
    conditional_expected: float  # its stratified expected value in nats
    conditional_df: int
    conditional_relevance_full: float  # the same given every level of B
    cmh_statistic: float  # the generalized CMH statistic of A and Y within B' (cmh_labels)
    cmh_df: int
    trend: tuple[float, int] = (0.0, 0)  # the trend test of ordered A within B' (trend_labels)


@dataclass(frozen=True)
class StepReference:
    name: str
    step: int
    gain: float
    relevance: float
    p_value: float
    most_redundant_with: str | None
    redundancy: float | None
    redundancy_normalized: float | None
    filled: bool = False  # taken by k past where the search without k stops
    significant_gain: bool = True  # its gain test passed (step 1: its relevance)
    additive: bool = False  # taken by the additive gain test (``additive_gain``)


@dataclass(frozen=True)
class DroppedReference:
    name: str
    reason: str
    redundant_with: str | None
    conditional_relevance: float | None


@dataclass(frozen=True)
class SelectionReference:
    stopped_by: str
    selected: tuple[StepReference, ...]
    dropped: tuple[DroppedReference, ...]


@dataclass
class SearchCache:
    """Relevance and pair statistics already computed for one table (keyed by column names)."""

    relevance: dict[str, FeatureRelevance] = field(default_factory=dict)
    pairs: dict[tuple[str, str], PairReference] = field(default_factory=dict)
    labels: dict[str, list[Hashable]] = field(default_factory=dict)  # integer columns' chosen view
    ordered: set[str] = field(default_factory=set)  # integer columns chosen as ordered bins


def feature_relevance(x: Sequence[Hashable], y: Sequence[Hashable]) -> FeatureRelevance:
    x_counts = list(Counter(x).values())
    y_counts = list(Counter(y).values())
    mi = mutual_information_labels(x, y)
    expected = expected_mutual_information_lgamma(y_counts, x_counts) if len(x) > 1 else 0.0
    expected = max(expected, 0.0)
    df = (len(x_counts) - 1) * (len(y_counts) - 1)
    return FeatureRelevance(
        score=(mi - expected) / LN2,
        p_value=calibrated_chi2_p(mi, expected, df),
        entropy=entropy(x_counts) / LN2,
    )


def integer_views(
    x: Sequence[int], y: Sequence[Hashable], *, n_bins: int = 16
) -> tuple[FeatureRelevance, list[Hashable], bool]:
    """An integer column's two views (README "Encoding"): its values as categories, and its
    values cut into ``n_bins`` equal-frequency bins. The bins' p-value is the smaller of their
    chi-square's and, with three bins or more, their trend test's (``trend_labels``). The view
    with the smaller p-value wins (then the larger score, then the categories); the reported
    p-value is Simes' combination of every test looked at (``simes``: the two chi-squares and
    the trend test). Returns the winner's relevance, the labels its pairs are computed on, and
    whether they are ordered bins that the trend test applies to."""
    counts = Counter(x)
    keys = sorted(counts)
    bins = dict(zip(keys, equal_frequency_bins(keys, [counts[k] for k in keys], n_bins=n_bins), strict=True))
    binned = [bins[v] for v in x]
    by_categories, by_bins = feature_relevance(x, y), feature_relevance(binned, y)
    tests = [by_categories.p_value, by_bins.p_value]
    ordered = len(set(binned)) > 2
    if ordered:
        statistic, df = trend_labels(binned, y)
        tests.append(chi2_p(statistic, df))
        by_bins = FeatureRelevance(by_bins.score, min(tests[1:]), by_bins.entropy)
    views = [(by_categories, list(x)), (by_bins, binned)]
    best = min(range(2), key=lambda i: (views[i][0].p_value, -round(views[i][0].score, 12), i))
    relevance, labels = views[best]
    combined = FeatureRelevance(relevance.score, simes(tests), relevance.entropy)
    return combined, labels, best == 1 and ordered


def simes(p_values: Sequence[float]) -> float:
    """Simes' combined p-value (Biometrika 1986): sorted p_(1) <= ... <= p_(m),
    min(1, min_i m p_(i) / i)."""
    ordered = sorted(p_values)
    return min([1.0] + [len(ordered) * p / i for i, p in enumerate(ordered, start=1)])


def chi2_p(statistic: float, df: float) -> float:
    """P(chi-square with ``df`` degrees of freedom >= ``statistic``); 1 without any."""
    from scipy.stats import chi2

    return float(chi2.sf(statistic, df)) if df > 0 else 1.0


def coarsened(labels: Sequence[Hashable]) -> list[Hashable]:
    """The labels with at most CONDITION_STRATA distinct values: a value keeps its label when
    its count is above the CONDITION_STRATA-th largest count; every other value becomes one
    shared "other" label. Unchanged when there are no more than CONDITION_STRATA values."""
    return pooled_labels(labels, CONDITION_STRATA)


def pair_reference(
    a: str, b: str, columns: dict[str, Sequence[Hashable]], y: Sequence[Hashable], *, ordered: bool = False
) -> PairReference:
    """``a`` given ``b``; ``ordered``: ``a``'s labels are ordered bins, trend-tested too."""
    mi, expected, normalized = redundancy_labels(columns[a], columns[b])
    full, full_expected, _ = conditional_mutual_information_labels(columns[a], y, columns[b])
    cmi, cmi_expected, df = conditional_mutual_information_labels(columns[a], y, coarsened(columns[b]))
    cmh, cmh_df = cmh_labels(columns[a], y, coarsened(columns[b]))
    return PairReference(
        a=a,
        b=b,
        redundancy=mi / LN2,
        redundancy_adjusted=(mi - expected) / LN2,
        redundancy_normalized=normalized,
        conditional_relevance=(cmi - cmi_expected) / LN2,
        conditional_p=calibrated_chi2_p(cmi, cmi_expected, df),
        conditional_mi=cmi,
        conditional_expected=cmi_expected,
        conditional_df=df,
        conditional_relevance_full=(full - full_expected) / LN2,
        cmh_statistic=cmh,
        cmh_df=cmh_df,
        trend=trend_labels(columns[a], y, coarsened(columns[b])) if ordered else (0.0, 0),  # type: ignore[arg-type]
    )


def _scaled_chi2_p(total: float, degrees: float, roots: float) -> float:
    from scipy.stats import chi2

    if degrees == 0 or total <= 0:
        return 1.0
    return float(chi2.sf(total * degrees / roots**2, degrees**2 / roots**2))


def combined_gain_p(given: Sequence[PairReference]) -> float:
    """The combined test of a candidate's conditional relevances given several features
    (README "outrank-cli select", Stopping), scipy as the oracle.

    Each pair with degrees of freedom d > 0 gives the calibrated statistic t = I / (E / d)
    (0 when I <= 0; a pair with E <= 0 < I makes the p-value 0). With T = sum t, D = sum d and
    R = sum sqrt(d), the p-value is P(chi2 with D^2/R^2 degrees of freedom >= T D / R^2): the
    scaled chi-square with mean D and the variance 2 R^2 of perfectly correlated statistics.
    1 when no pair has degrees of freedom. The same is done with the pairs' CMH statistics
    and their degrees of freedom, and, when some pair has a trend test with degrees of freedom,
    with the trend statistics; the result is Simes' combination of those two or three
    p-values (``simes``).
    """
    total = degrees = roots = 0.0
    for stats in given:
        if stats.conditional_df <= 0:
            continue
        if stats.conditional_mi > 0 and stats.conditional_expected <= 0:
            return 0.0
        if stats.conditional_mi > 0:
            total += stats.conditional_mi * stats.conditional_df / stats.conditional_expected
        degrees += stats.conditional_df
        roots += math.sqrt(stats.conditional_df)
    by_mi = _scaled_chi2_p(total, degrees, roots)
    total = degrees = roots = 0.0
    for stats in given:
        if stats.cmh_df > 0:
            total += stats.cmh_statistic
            degrees += stats.cmh_df
            roots += math.sqrt(stats.cmh_df)
    by_cmh = _scaled_chi2_p(total, degrees, roots)
    if any(stats.trend[1] > 0 for stats in given):
        total = degrees = roots = 0.0
        for stats in given:
            if stats.trend[1] > 0:
                total += stats.trend[0]
                degrees += stats.trend[1]
                roots += math.sqrt(stats.trend[1])
        return simes([by_mi, by_cmh, _scaled_chi2_p(total, degrees, roots)])
    return simes([by_mi, by_cmh])


ADDITIVE_RETEST_ABOVE = 0.5
ADDITIVE_MAX_CLASSES = 16


def additive_residuals(y: Sequence[Hashable], given: Sequence[Sequence[Hashable]]) -> tuple[np.ndarray, int]:
    """The least-squares residuals of the target's scores (one 0/1 indicator per class, or
    the one class indicator of a two-class target) on an intercept and one 0/1 column per
    level of each ``given`` feature, ``coarsened`` (exact, by ``numpy.linalg.lstsq``),
    ``n x m``; and the model's parameters as the README counts them: one plus each coarsened
    feature's levels less one."""
    n = len(y)
    classes = sorted(set(y), key=repr)
    responses = classes[1:] if len(classes) <= 2 else classes
    scores = np.array([[1.0 if v == c else 0.0 for c in responses] for v in y]).reshape(n, len(responses))
    design = [np.ones(n)]
    parameters = 1
    for labels in map(coarsened, given):
        levels = sorted(set(labels), key=repr)
        design += [np.array([1.0 if v == level else 0.0 for v in labels]) for level in levels[1:]]
        parameters += len(levels) - 1
    x = np.column_stack(design)
    coefficients, *_ = np.linalg.lstsq(x, scores, rcond=None)
    return scores - x @ coefficients, parameters


def additive_gain(
    residuals: np.ndarray, parameters: int, labels: Sequence[Hashable], *, ordered: bool
) -> tuple[float, float]:
    """README "Stopping", the additive gain test, from its definition: per response, the
    one-way analysis of variance of the residuals by ``labels`` (``coarsened`` unless
    ordered; F with the occupied levels less one and n - parameters - that many degrees of
    freedom; scipy's F tail) and, for
    ordered labels (bins 1, 2, ...; 0 missing), the slope on the levels' midranks among the
    rows with a value (F with 1 and n - parameters - 1); Simes over all of them. Returns the
    p-value and the largest share of a response's residual variance the levels' means explain."""
    from scipy.stats import f as f_distribution

    n = len(labels)
    grouped = labels if ordered else coarsened(labels)
    levels = sorted(set(grouped), key=repr)
    df1 = len(levels) - 1
    df2 = n - parameters - df1
    if df1 < 1 or df2 < 1:
        return 1.0, 0.0
    p_values, shares = [], []
    for j in range(residuals.shape[1]):
        r = [float(v) for v in residuals[:, j]]
        total = sum(v * v for v in r)
        mean = sum(r) / n
        groups: dict[Hashable, list[float]] = {}
        for label, v in zip(grouped, r, strict=True):
            groups.setdefault(label, []).append(v)
        between = sum(len(g) * (sum(g) / len(g)) ** 2 for g in groups.values()) - n * mean * mean
        within = total - between
        if total <= 0 or within <= 0:
            continue
        p_values.append(float(f_distribution.sf((between / df1) / (within / df2), df1, df2)))
        shares.append(between / total)
        if ordered:
            valued = [v for v in labels if v != 0]
            if not valued:
                continue
            # midranks of the rows with a value: a level's midrank over its rows
            below, rank_of = 0, {}
            for level in sorted(set(valued)):
                count = valued.count(level)
                rank_of[level] = below + (count + 1) / 2
                below += count
            fill = sum(rank_of[v] for v in valued) / len(valued)
            x = [rank_of[v] if v != 0 else fill for v in labels]
            centre = sum(x) / n
            x = [v - centre for v in x]
            spread = sum(v * v for v in x)
            along = sum(a * b for a, b in zip(x, r, strict=True)) ** 2 / spread if spread > 0 else 0.0
            rows_left = n - parameters - 1
            if spread > 0 and rows_left > 0 and total - along > 0:
                p_values.append(float(f_distribution.sf(along / ((total - along) / rows_left), 1, rows_left)))
    if not p_values:
        return 1.0, 0.0
    return simes(p_values), max(shares)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def greedy_select(
    columns: dict[str, Sequence[Hashable]],
    y: Sequence[Hashable],
    *,
    criterion: str,
    k: int | None,
    significance: float,
    redundancy_weight: float = 1.0,
    relation_weight: float = 1.0,
    cache: SearchCache | None = None,
) -> SelectionReference:
    """The documented greedy search (README "outrank-cli select"), from scratch at every step.

    Relevance is the AMI score in bits with its calibrated chi-square p-value; a *signal* has
    relevance > 0 and a p-value that Benjamini-Hochberg at ``significance`` over the F features
    rejects (``fdr_threshold`` of the positive-relevance p-values, m = F); constant
    columns are never candidates. c(X|S) is the chance-corrected conditional relevance
    I(X;Y|S') - E, S' being S with its values outside the 15 most frequent pooled (see
    ``coarsened``); r(X,S) the redundancy I(X;S) - E[I(X;S)]. Step 1 takes the most relevant
    signal; later steps score the signal candidates by ``criterion`` over the selected S_j:

    * ``jmi``: mean_j c(X|S_j);
    * ``mrmr``: rel(X) - mean_j r(X,S_j);
    * ``cmim``: min_j c(X|S_j);
    * ``jmim``: min_j rel(S_j) + c(X|S_j);
    * ``3mr``: rel(X) - alpha mean_j r(X,S_j) + beta (mean_j c(X|S_j) - rel(X)).

    X is *redundant* with a selected S when their normalized adjusted redundancy is >= 0.9, or
    when it is >= 0.5, c(X|S) <= 0.25 max(rel(X), 0) and X's conditional test given S alone
    (``combined_gain_p`` of that pair) times F is above ``significance``; the first such S in order of selection is named. After step 1 a
    candidate is a non-redundant signal whose criterion score is > 0 and whose combined
    conditional p-value given the selected S_j (``combined_gain_p``) Benjamini-Hochberg at
    ``significance`` rejects among those candidates' (m = F). When none is left, the relevant
    rest: from then on a candidate is a non-redundant signal whose criterion score is > 0 (no
    gain test; its step has ``significant_gain`` false); without ``k`` the search stops when
    none is left. With ``k`` it stops at k; where it would stop short of k, the fill
    begins: the non-redundant signals by the criterion (without the gain test), then the
    remaining columns by relevance, a non-redundant one before any redundant one, until k are
    chosen or none is left. A step's p-value is its combined conditional p given the selected features (its
    relevance p at step 1 and when filling k).
    Scores are rounded to 12 decimals; ties go to the earlier column. ``cache`` may be shared
    between calls on the same ``columns`` and ``y`` (it only saves time).
    """
    if criterion not in {"jmi", "mrmr", "cmim", "jmim", "3mr"}:
        raise ValueError(f"unknown criterion {criterion!r}")
    names = list(columns)
    f = len(names)
    cache = SearchCache() if cache is None else cache
    columns = dict(columns)
    for name in names:
        values = columns[name]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            # an integer column: both views scored, pairs on the winner's labels
            if name not in cache.relevance or name not in cache.labels:
                cache.relevance[name], cache.labels[name], ordered = integer_views(list(values), y)
                if ordered:
                    cache.ordered.add(name)
            columns[name] = cache.labels[name]
        elif name not in cache.relevance:
            cache.relevance[name] = feature_relevance(columns[name], y)
    rel = cache.relevance
    pairs = cache.pairs

    def pair(a: str, b: str) -> PairReference:
        if (a, b) not in pairs:
            pairs[(a, b)] = pair_reference(a, b, columns, y, ordered=a in cache.ordered)
        return pairs[(a, b)]

    gate = fdr_threshold([rel[n].p_value for n in names if rel[n].score > 0], alpha=significance, tests=f)

    def is_signal(name: str) -> bool:
        return rel[name].score > 0 and rel[name].p_value <= gate

    chosen: list[str] = []
    filling = False  # with k: past the point where the search without k stops
    resting = False  # past the signals whose gain test passed: the relevant rest

    def redundant_with(name: str) -> PairReference | None:
        for j in chosen:
            stats = pair(name, j)
            if stats.redundancy_normalized >= REDUNDANT_DUPLICATE:
                return stats
            left = stats.conditional_relevance
            if (
                stats.redundancy_normalized >= REDUNDANT_NORMALIZED
                and left <= REDUNDANT_SHARE * max(rel[name].score, 0.0)
                and combined_gain_p([stats]) * f > significance
            ):
                return stats
        return None

    def criterion_score(name: str) -> float:
        relevance = rel[name].score
        if not chosen:
            return relevance
        conditional = [pair(name, j).conditional_relevance for j in chosen]
        redundancy = [pair(name, j).redundancy_adjusted for j in chosen]
        if criterion == "jmi":
            return _mean(conditional)
        if criterion == "mrmr":
            return relevance - _mean(redundancy)
        if criterion == "cmim":
            return min(conditional)
        if criterion == "jmim":
            return min(rel[j].score + c for j, c in zip(chosen, conditional, strict=True))
        relation = _mean(conditional) - relevance
        return relevance - redundancy_weight * _mean(redundancy) + relation_weight * relation

    def gain_p(name: str) -> float:
        return combined_gain_p([pair(name, j) for j in chosen])

    def best_of(pool: list[str], score: dict[str, float]) -> str:
        # max keeps the first of equal values: pool is in column order
        return max(pool, key=lambda name: round(score[name], 12))

    remaining = [name for name in names if rel[name].entropy > 0]
    selected: list[StepReference] = []
    stopped_by = STOP_EXHAUSTED
    retired: set[str] = set()  # no longer tested by the additive stage
    additive_applies = len(set(y)) <= ADDITIVE_MAX_CLASSES

    def additive_step() -> StepReference | None:
        """The additive stage (README "Stopping"): every candidate not retired tested against
        the least-squares residuals of the chosen columns; Benjamini-Hochberg over F; the
        smallest p-value that is not redundant (ties: column order)."""
        residuals, parameters = additive_residuals(y, [columns[j] for j in chosen])
        tested = {
            n: additive_gain(residuals, parameters, columns[n], ordered=n in cache.ordered)
            for n in remaining
            if n not in retired
        }
        retired.update(n for n, (p, _) in tested.items() if p > ADDITIVE_RETEST_ABOVE)
        cut = fdr_threshold([p for p, _ in tested.values()], alpha=significance, tests=f)
        for n in sorted(
            (n for n in tested if tested[n][0] <= cut), key=lambda n: (tested[n][0], names.index(n))
        ):
            if redundant_with(n) is not None:
                retired.add(n)
                continue
            p, share = tested[n]
            closest = max((pair(n, j) for j in chosen), key=lambda s: s.redundancy_normalized)
            return StepReference(
                n,
                len(chosen) + 1,
                -0.5 * math.log2(1.0 - share),
                rel[n].score,
                p,
                closest.b,
                closest.redundancy,
                closest.redundancy_normalized,
                additive=True,
            )
        return None

    while True:
        if k is not None and len(chosen) >= k:
            stopped_by = STOP_K
            break
        signals = [n for n in remaining if is_signal(n) and redundant_with(n) is None]
        score = {n: criterion_score(n) for n in signals}
        if chosen and not filling:
            positive = [n for n in signals if score[n] > 0]
            cut = fdr_threshold([gain_p(n) for n in positive], alpha=significance, tests=f)
            shown = [] if resting else [n for n in positive if gain_p(n) <= cut]
            resting = not shown
            signals = shown or positive
            found = additive_step() if not signals and additive_applies else None
            if found is not None:
                selected.append(found)
                chosen.append(found.name)
                remaining.remove(found.name)
                continue
            if not signals and k is not None:
                filling = True
                continue
        if signals:
            best = best_of(signals, score)
            if chosen:
                against = [pair(best, j) for j in chosen]
                closest = max(against, key=lambda s: s.redundancy_normalized)
                step = StepReference(
                    best,
                    len(chosen) + 1,
                    score[best],
                    rel[best].score,
                    gain_p(best),
                    closest.b,
                    closest.redundancy,
                    closest.redundancy_normalized,
                )
            else:
                step = StepReference(
                    best, 1, score[best], rel[best].score, rel[best].p_value, None, None, None
                )
        elif k is not None and remaining:
            relevance = {n: rel[n].score for n in remaining}
            fresh = [n for n in remaining if redundant_with(n) is None]
            best = best_of(fresh or remaining, relevance)
            step = StepReference(
                best, len(chosen) + 1, relevance[best], rel[best].score, rel[best].p_value, None, None, None
            )
        else:
            if k is not None or not remaining:
                stopped_by = STOP_EXHAUSTED
            else:
                stopped_by = STOP_NO_GAIN if chosen else STOP_NO_SIGNAL
            break
        # a step the search without k would not have taken (past its stop, or by relevance)
        selected.append(
            replace(
                step, filled=filling or not signals, significant_gain=not (filling or resting or not signals)
            )
        )
        chosen.append(best)
        remaining.remove(best)

    dropped: list[DroppedReference] = []
    for name in names:
        if name in chosen:
            continue
        if rel[name].entropy <= 0:
            dropped.append(DroppedReference(name, "constant", None, None))
        elif not is_signal(name):
            dropped.append(DroppedReference(name, "no signal", None, None))
        elif (hit := redundant_with(name)) is not None:
            dropped.append(
                DroppedReference(name, f"redundant with {hit.b}", hit.b, hit.conditional_relevance)
            )
        else:
            worst = min((pair(name, j) for j in chosen), key=lambda s: s.conditional_relevance)
            reason = STOP_K if stopped_by == STOP_K else NO_GAIN
            dropped.append(DroppedReference(name, reason, worst.b, worst.conditional_relevance))
    return SelectionReference(stopped_by, tuple(selected), tuple(dropped))


# -- the incomplete gamma function of the chi-square tail, as it was in pure Python -------------
GAMMA_EPS = 1e-15
GAMMA_TINY = 1e-300
GAMMA_MAX_TERMS = 100_000


def gamma_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its series (good for x < a + 1)."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(GAMMA_MAX_TERMS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * GAMMA_EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def gamma_continued_fraction(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by Lentz's continued fraction (x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / GAMMA_TINY
    d = 1.0 / b
    h = d
    for i in range(1, GAMMA_MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < GAMMA_TINY:
            d = GAMMA_TINY
        c = b + an / c
        if abs(c) < GAMMA_TINY:
            c = GAMMA_TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < GAMMA_EPS:
            break
    return h * math.exp(-x + a * math.log(x) - math.lgamma(a))
