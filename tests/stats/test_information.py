"""Entropy / MI / expected-MI kernels and the relevance statistics built on them.

Every kernel value is checked against ``tests/reference.py`` and against scikit-learn, on
hand-made, sparse, ID-like, constant, empty and random tables.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import (
    expected_mutual_information as sklearn_expected_mi,
)

from outrank_cli.kernels.information import (
    entropy,
    entropy_of_codes,
    expected_mutual_information,
    mutual_information,
    value_counts,
)
from outrank_cli.stats.relevance import CORRECTIONS, LN2, TableSummary, relevance
from tests import reference

REL = 1e-9
ABS = 1e-12
# "outrank" is the compatibility score, tested with its own module
TESTED_CORRECTIONS = [name for name in CORRECTIONS if name != "outrank"]


def close(actual: float, expected: float, *, rel: float = REL, abs_: float = ABS) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)


def kernel_emi(table: np.ndarray) -> float:
    """Kernel expected MI of a feature-by-target table."""
    return expected_mutual_information(table.sum(axis=0), table.sum(axis=1))


def sklearn_emi(table: np.ndarray) -> float:
    """scikit-learn's exact EMI; it wants no empty rows or columns (log 0 otherwise)."""
    table = np.asarray(table, dtype=np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = int(table.sum())
    if n == 0:
        return 0.0
    return float(sklearn_expected_mi(table, n))


def sklearn_mi(table: np.ndarray) -> float:
    if table.sum() == 0:
        return 0.0
    return float(mutual_info_score(None, None, contingency=np.asarray(table, dtype=np.int64)))


def id_like_table(target_counts: list[int]) -> np.ndarray:
    """One row per feature level: N rows with a single 1, placed by the target counts."""
    n = sum(target_counts)
    table = np.zeros((n, len(target_counts)), dtype=np.int64)
    row = 0
    for j, a in enumerate(target_counts):
        table[row : row + a, j] = 1
        row += a
    return table


def random_labels(seed: int, n: int, n_x: int, n_y: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, n_x, n)
    y = rng.integers(0, n_y, n)
    return x, y


# -- named tables -----------------------------------------------------------------------------
NAMED_TABLES = {
    "2x2 diagonal": np.array([[2, 0], [0, 2]]),
    "2x2 uniform": np.array([[1, 1], [1, 1]]),
    "3x2 small": np.array([[3, 1], [0, 2], [4, 4]]),
    "sparse 5x4": np.array([[0, 0, 3, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 7, 0, 1], [0, 0, 0, 2]]),
    "id-like balanced": id_like_table([10, 10]),
    "id-like skewed": id_like_table([1, 5, 14]),
    "constant target": np.array([[3], [5], [2]]),
    "constant feature": np.array([[3, 5, 2]]),
    "single cell": np.array([[7]]),
    "single row": np.array([[1]]),
    "all zeros": np.zeros((3, 2), dtype=np.int64),
    "empty rows and cols": np.array([[0, 0, 0], [0, 4, 1], [0, 0, 0], [0, 2, 6]]),
    "one big one small": np.array([[1000, 1], [1, 0]]),
}


@pytest.mark.parametrize("name", list(NAMED_TABLES))
def test_named_tables_match_reference_and_sklearn(name: str) -> None:
    table = NAMED_TABLES[name]
    ref_mi = reference.mutual_information_table(table)
    ref_emi = reference.expected_mutual_information_table(table)
    assert close(mutual_information(table), ref_mi)
    assert close(mutual_information(table), sklearn_mi(table))
    assert close(kernel_emi(table), ref_emi)
    assert close(kernel_emi(table), sklearn_emi(table))
    assert close(entropy(table.sum(axis=0)), reference.entropy(table.sum(axis=0)))
    assert close(entropy(table.sum(axis=1)), reference.entropy(table.sum(axis=1)))


def test_empty_shapes() -> None:
    assert entropy(np.zeros(0, dtype=np.int64)) == 0.0
    assert mutual_information(np.zeros((0, 3), dtype=np.int64)) == 0.0
    assert mutual_information(np.zeros((3, 0), dtype=np.int64)) == 0.0
    assert expected_mutual_information(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)) == 0.0


# -- hand-computed values ---------------------------------------------------------------------
def test_entropy_hand_values() -> None:
    expected = -(3 / 5) * math.log(3 / 5) - (2 / 5) * math.log(2 / 5)
    assert close(entropy(np.array([3, 2])), expected)
    assert close(entropy(np.array([1, 1, 1, 1])), math.log(4))
    assert close(entropy(np.array([0, 5, 0, 5])), math.log(2))
    assert entropy(np.array([7])) == pytest.approx(0.0, abs=ABS)
    assert entropy(np.array([0, 0])) == 0.0


@settings(max_examples=50, deadline=None)
@given(codes=st.lists(st.integers(0, 40), max_size=300), room=st.integers(0, 45))
def test_entropy_of_codes_is_the_entropy_of_their_counts(codes: list[int], room: int) -> None:
    # room below the largest code: the counts grow to hold it
    got = entropy_of_codes(np.array(codes, dtype=np.int32), room)
    assert close(got, reference.entropy(list(Counter(codes).values())))


@pytest.mark.parametrize("rows", [6, 22, 26, 1_000, 100_000])
@pytest.mark.parametrize("dtype", [np.int32, np.uint16])
def test_a_single_level_has_entropy_zero_never_below(rows: int, dtype: type) -> None:
    """log N - N log N / N rounds below 0 for 6, 22, 26 and 100,000 rows (and about 4 % of
    row counts): the entropy is 0 there, not a negative taken for a negative code."""
    assert entropy_of_codes(np.full(rows, 3, dtype=dtype), 4) == 0.0
    assert entropy(np.array([rows, 0])) == 0.0


def test_entropy_of_codes_refuses_a_negative_code() -> None:
    with pytest.raises(ValueError, match="codes must be >= 0, got -3"):
        entropy_of_codes(np.array([1, -3, 2], dtype=np.int32), 3)


def test_entropy_takes_floats_and_2d() -> None:
    # the wrapper flattens and casts; the value is the entropy of the flattened counts
    assert close(entropy(np.array([[3.0, 2.0], [0.0, 5.0]])), reference.entropy([3, 2, 0, 5]))


def test_mutual_information_hand_values() -> None:
    assert close(mutual_information(np.array([[2, 0], [0, 2]])), math.log(2))
    assert mutual_information(np.array([[1, 1], [1, 1]])) == pytest.approx(0.0, abs=ABS)
    # I = H(Y) - H(Y|X): X splits 4 rows into {y0, y0} and {y0, y1}
    h_y = -(3 / 4) * math.log(3 / 4) - (1 / 4) * math.log(1 / 4)
    h_y_given_x = 0.5 * 0.0 + 0.5 * math.log(2)
    assert close(mutual_information(np.array([[2, 0], [1, 1]])), h_y - h_y_given_x)


def test_expected_mi_hand_values() -> None:
    # two singletons against two singletons: every permutation gives I = ln 2
    assert close(expected_mutual_information(np.array([1, 1]), np.array([1, 1])), math.log(2))
    # a = b = [2, 2], N = 4: the table is diagonal (I = ln 2) with probability 2/6, else I = 0
    assert close(expected_mutual_information(np.array([2, 2]), np.array([2, 2])), math.log(2) / 3)
    # a single level on either side carries no information
    assert expected_mutual_information(np.array([10]), np.array([3, 3, 4])) == 0.0
    assert expected_mutual_information(np.array([3, 3, 4]), np.array([10])) == pytest.approx(0.0, abs=ABS)


def test_expected_mi_of_id_like_column_is_target_entropy() -> None:
    # b_j = 1 for every level: each permutation gives I = H(Y), so E[I] = H(Y) exactly
    for counts in ([1, 1], [3, 7], [1, 5, 14], [500, 300, 200]):
        table = id_like_table(counts)
        assert close(kernel_emi(table), reference.entropy(counts))
        assert close(mutual_information(table), reference.entropy(counts))


def test_expected_mi_rejects_disagreeing_margins() -> None:
    with pytest.raises(ValueError, match="margins disagree"):
        expected_mutual_information(np.array([2, 2]), np.array([3, 2]))


def test_mutual_information_rejects_1d() -> None:
    with pytest.raises(ValueError, match="2-D"):
        mutual_information(np.array([1, 2, 3]))


# -- property tests ---------------------------------------------------------------------------
small_tables = arrays(
    np.int64,
    st.tuples(st.integers(1, 6), st.integers(1, 5)),
    elements=st.integers(0, 9),
)
sparse_tables = arrays(
    np.int64,
    st.tuples(st.integers(1, 8), st.integers(1, 4)),
    elements=st.one_of(st.just(0), st.just(0), st.just(0), st.integers(1, 12)),
)


@settings(max_examples=50, deadline=None)
@given(table=st.one_of(small_tables, sparse_tables))
def test_kernels_match_reference_and_sklearn(table: np.ndarray) -> None:
    mi = mutual_information(table)
    emi = kernel_emi(table)
    assert close(mi, reference.mutual_information_table(table))
    assert close(mi, sklearn_mi(table))
    assert close(emi, reference.expected_mutual_information_table(table))
    assert close(emi, sklearn_emi(table))
    assert close(entropy(table.sum(axis=1)), reference.entropy(table.sum(axis=1)))
    # the table's transpose has the same MI and E[I]
    assert close(mutual_information(table.T), mi)
    assert close(kernel_emi(table.T), emi)
    # bounds: 0 <= E[I], I <= min(H(X), H(Y))
    h_min = min(reference.entropy(table.sum(axis=0)), reference.entropy(table.sum(axis=1)))
    assert 0.0 <= mi <= h_min + 1e-12
    assert 0.0 <= emi <= h_min + 1e-12


@pytest.mark.parametrize(
    ("seed", "n", "n_x", "n_y"),
    [(0, 50, 3, 2), (1, 200, 10, 3), (2, 500, 40, 4), (3, 1000, 5, 5), (4, 300, 300, 2)],
)
def test_random_label_arrays(seed: int, n: int, n_x: int, n_y: int) -> None:
    x, y = random_labels(seed, n, n_x, n_y)
    table = reference.contingency(x.tolist(), y.tolist())
    mi = mutual_information(table)
    assert close(mi, reference.mutual_information_labels(x.tolist(), y.tolist()))
    assert close(mi, mutual_info_score(x, y))
    emi = kernel_emi(table)
    assert close(emi, reference.expected_mutual_information_lgamma(table.sum(axis=0), table.sum(axis=1)))
    assert close(emi, float(sklearn_expected_mi(contingency_matrix(x, y), n)))


def test_exact_and_lgamma_references_agree() -> None:
    # the two reference forms check each other before they check the kernel
    table = np.array([[5, 0, 2], [1, 9, 3], [0, 4, 6]])
    assert close(
        reference.expected_mutual_information_table(table),
        reference.expected_mutual_information_lgamma(table.sum(axis=0), table.sum(axis=1)),
    )


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_expected_mi_large_n_matches_sklearn(n: int) -> None:
    x, y = random_labels(7, n, 20, 3)
    table = contingency_matrix(x, y)
    assert close(kernel_emi(table), float(sklearn_expected_mi(table, n)))


# -- stats: TableSummary + relevance ----------------------------------------------------------
def labels_table(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Feature-by-target table (rows: levels of x, columns: levels of y)."""
    return np.asarray(contingency_matrix(x, y), dtype=np.int64)


@pytest.mark.parametrize("correction", TESTED_CORRECTIONS)
@pytest.mark.parametrize("name", list(NAMED_TABLES))
def test_relevance_fields_in_bits(correction: str, name: str) -> None:
    table = NAMED_TABLES[name]
    summary = TableSummary.of(table, permutations=50, seed=3)
    result = relevance(summary, correction=correction)
    ref_mi = reference.mutual_information_table(table)
    ref_emi = reference.expected_mutual_information_table(table)
    assert close(result.mi, ref_mi / LN2)
    assert close(result.expected_mi, ref_emi / LN2)
    assert close(result.entropy, reference.entropy(table.sum(axis=1)) / LN2)
    assert close(result.symmetric_uncertainty, reference.symmetric_uncertainty(table))
    assert close(result.ami_normalized, reference.ami_normalized(table))
    assert 0.0 <= result.p_value <= 1.0
    assert math.isfinite(result.score)


@pytest.mark.parametrize("name", list(NAMED_TABLES))
def test_scores_per_correction(name: str) -> None:
    table = NAMED_TABLES[name]
    summary = TableSummary.of(table, permutations=40, seed=11)
    ref_mi = reference.mutual_information_table(table)
    ref_emi = reference.expected_mutual_information_table(table)
    assert close(relevance(summary, correction="none").score, ref_mi / LN2)
    assert close(relevance(summary, correction="ami").score, (ref_mi - ref_emi) / LN2)
    assert close(relevance(summary, correction="miller-madow").score, reference.miller_madow_mi(table) / LN2)
    null = summary.null_sample
    assert close(relevance(summary, correction="permutation").score, (ref_mi - float(null.mean())) / LN2)


@settings(max_examples=50, deadline=None)
@given(table=st.one_of(small_tables, sparse_tables), correction=st.sampled_from(TESTED_CORRECTIONS))
def test_relevance_properties(table: np.ndarray, correction: str) -> None:
    summary = TableSummary.of(table, permutations=20, seed=0)
    result = relevance(summary, correction=correction)
    assert 0.0 <= result.p_value <= 1.0
    assert close(result.mi, reference.mutual_information_table(table) / LN2)
    assert close(result.expected_mi, reference.expected_mutual_information_table(table) / LN2)
    assert close(result.symmetric_uncertainty, reference.symmetric_uncertainty(table))
    assert 0.0 <= result.symmetric_uncertainty <= 1.0 + 1e-12
    if correction == "miller-madow":
        assert close(result.score, reference.miller_madow_mi(table) / LN2)


@pytest.mark.parametrize(
    ("seed", "n", "n_x", "n_y"),
    [(0, 30, 2, 2), (1, 100, 7, 3), (2, 400, 50, 2), (3, 1000, 4, 6), (4, 60, 60, 3)],
)
def test_ami_normalized_equals_sklearn(seed: int, n: int, n_x: int, n_y: int) -> None:
    x, y = random_labels(seed, n, n_x, n_y)
    if seed == 4:
        x = np.arange(n)  # ID-like
    summary = TableSummary.of(labels_table(x, y))
    result = relevance(summary, correction="ami")
    assert close(result.ami_normalized, adjusted_mutual_info_score(y, x))
    assert close(result.ami_normalized, reference.ami_normalized(labels_table(x, y)))


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([0, 0, 0, 0], [0, 1, 0, 1]),  # constant feature
        ([0, 1, 2, 3], [5, 5, 5, 5]),  # constant target
        ([1, 1, 1], [2, 2, 2]),  # both constant
        ([0, 0, 1, 1], [0, 0, 1, 1]),  # perfect match
        ([0, 0, 1, 1], [1, 1, 0, 0]),
        ([0, 1, 2, 3], [0, 0, 1, 1]),  # ID-like
    ],
)
def test_ami_normalized_edge_cases_equal_sklearn(x: list[int], y: list[int]) -> None:
    summary = TableSummary.of(labels_table(np.array(x), np.array(y)))
    result = relevance(summary, correction="ami")
    assert close(result.ami_normalized, adjusted_mutual_info_score(y, x))


def test_permutation_correction_mean_close_to_expected_mi() -> None:
    x, y = random_labels(5, 400, 12, 3)
    table = labels_table(x, y)
    summary = TableSummary.of(table, permutations=2000, seed=42)
    null = summary.null_sample
    assert null.shape == (2000,)
    standard_error = float(null.std(ddof=1)) / math.sqrt(null.shape[0])
    assert abs(float(null.mean()) - summary.expected_mi) < 5 * standard_error
    result = relevance(summary, correction="permutation")
    ami = relevance(summary, correction="ami")
    assert abs(result.score - ami.score) < 5 * standard_error / LN2


def test_permutation_correction_is_deterministic_for_a_seed() -> None:
    table = np.array([[10, 3, 0], [2, 8, 5], [4, 4, 4], [0, 1, 9]])
    first = relevance(TableSummary.of(table, permutations=200, seed=7), correction="permutation")
    again = relevance(TableSummary.of(table, permutations=200, seed=7), correction="permutation")
    other = relevance(TableSummary.of(table, permutations=200, seed=8), correction="permutation")
    assert first == again
    assert first.score != other.score


@pytest.mark.parametrize("n", [1000, 100_000])
def test_id_like_column_is_not_significant(n: int) -> None:
    # target 30% / 70%; every feature level is a single row
    counts = [3 * n // 10, n - 3 * n // 10]
    table = id_like_table(counts)
    summary = TableSummary.of(table, permutations=20, seed=1)
    h_y = reference.entropy(counts)
    assert close(summary.mi, h_y)
    assert close(summary.expected_mi, h_y)
    ami = relevance(summary, correction="ami")
    assert ami.score == pytest.approx(0.0, abs=1e-9)
    assert ami.p_value == pytest.approx(0.5, abs=0.02)
    assert ami.ami_normalized == pytest.approx(0.0, abs=1e-9)
    for correction in ("none", "miller-madow"):
        assert relevance(summary, correction=correction).p_value == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("n", [1000, 100_000])
def test_id_like_column_permutation_p_value(n: int) -> None:
    # every permutation of an ID-like column gives I = H(Y): the null equals the observation,
    # so the column must not look significant (p = 1, every draw ties with it)
    counts = [3 * n // 10, n - 3 * n // 10]
    summary = TableSummary.of(id_like_table(counts), permutations=20, seed=1)
    assert np.allclose(summary.null_sample, reference.entropy(counts), rtol=1e-9, atol=0.0)
    permutation = relevance(summary, correction="permutation")
    assert permutation.score == pytest.approx(0.0, abs=1e-9)
    assert permutation.p_value == 1.0


def test_strongly_dependent_table_is_significant() -> None:
    table = np.array([[480, 20], [25, 475]])
    summary = TableSummary.of(table, permutations=99, seed=0)
    for correction in ("ami", "none", "miller-madow"):
        assert relevance(summary, correction=correction).p_value < 1e-10
    # a permutation p-value cannot go below 1 / (B + 1)
    assert relevance(summary, correction="permutation").p_value == pytest.approx(1 / 100)


def test_independent_table_p_value_is_not_small() -> None:
    table = np.array([[250, 250], [250, 250]])
    summary = TableSummary.of(table, permutations=99, seed=0)
    for correction in TESTED_CORRECTIONS:
        assert relevance(summary, correction=correction).p_value > 0.5


def test_unknown_correction_raises() -> None:
    summary = TableSummary.of(np.array([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match="unknown correction 'bogus'"):
        relevance(summary, correction="bogus")


@pytest.mark.parametrize(
    "values",
    [
        [],
        [1, 1, 1, 2, 5, 2, 1],  # small counts: direct addressing
        [3, 10**9, 3, 7],  # a count far above the rest: the sort
        [0, 0, 4],
    ],
)
def test_value_counts_are_the_distinct_values_in_order_with_their_multiplicity(values):
    distinct, multiplicity = value_counts(np.array(values, dtype=np.int64))
    want = sorted(Counter(values).items())
    assert distinct.tolist() == [v for v, _ in want]
    assert multiplicity.tolist() == [m for _, m in want]


@settings(max_examples=50, deadline=None)
@given(
    table=arrays(np.int64, st.tuples(st.integers(1, 40), st.integers(1, 5)), elements=st.integers(0, 10**6))
)
def test_integer_tables_give_the_bits_of_their_float64_copies(table: np.ndarray) -> None:
    """The int64 path (no float64 copy) takes every count as a float64: the same bits as the
    float64 kernels on a float64 copy."""
    from outrank_cli.kernels.backend import kernel

    assert mutual_information(table) == kernel("mutual_information")(table.astype(np.float64))
    column = np.ascontiguousarray(table[:, 0])
    assert entropy(column) == kernel("entropy")(column.astype(np.float64))


@settings(max_examples=60, deadline=None)
@given(table=arrays(np.int64, st.tuples(st.integers(1, 60), st.integers(1, 4)), elements=st.integers(0, 30)))
def test_table_summaries_give_the_bits_of_the_kernels_one_by_one(table: np.ndarray) -> None:
    """Small totals: the distinct totals come from a count of each total."""
    _same_bits_as_the_kernels(table)


@settings(max_examples=40, deadline=None)
@given(
    table=arrays(np.int64, st.tuples(st.integers(1, 30), st.integers(1, 3)), elements=st.integers(0, 10**6))
)
def test_table_summaries_of_large_totals_give_the_same_bits(table: np.ndarray) -> None:
    """Totals far above the levels (a level of millions of rows): the distinct totals come
    from a sort."""
    _same_bits_as_the_kernels(table)


def test_summaries_of_tables_of_other_widths_are_each_their_own():
    """Views of two target widths summarised together: each as on its own."""
    from outrank_cli.stats.relevance import TableSummary

    rng = np.random.default_rng(3)
    tables = [rng.integers(0, 9, (int(rng.integers(2, 7)), int(rng.choice([2, 3, 5])))) for _ in range(12)]
    together = TableSummary.of_each(tables, permutations=5, seed=1)
    for table, summary in zip(tables, together, strict=True):
        alone = TableSummary.of(table, permutations=5, seed=1)
        assert summary.table.shape == table.shape
        assert (summary.mi, summary.expected_mi, summary.n) == (alone.mi, alone.expected_mi, alone.n)
        assert summary.mi == mutual_information(table)
        assert summary.target_levels == np.count_nonzero(table.sum(axis=0))


def _same_bits_as_the_kernels(table: np.ndarray) -> None:
    from outrank_cli.encode.cells import column_totals, row_totals
    from outrank_cli.kernels import information

    # the table between two others (one call summarises them all), each its own
    rng = np.random.default_rng(int(table.sum()) % 1000)
    before = rng.integers(0, 50, (int(rng.integers(1, 5)), table.shape[1]))
    after = rng.integers(0, 50, (int(rng.integers(1, 5)), table.shape[1]))
    rows = information.table_summaries([before, table, after])
    for got, one in zip(rows, (before, table, after), strict=True):
        assert got[information.SUMMARY_MI] == mutual_information(one)
        assert got[information.SUMMARY_EXPECTED_MI] == expected_mutual_information(
            column_totals(one), row_totals(one)
        )
        assert got[information.SUMMARY_H_FEATURE] == entropy(row_totals(one))
        assert got[information.SUMMARY_H_TARGET] == entropy(column_totals(one))
        assert got[information.SUMMARY_ROWS] == one.sum()
        assert got[information.SUMMARY_FEATURE_LEVELS] == np.count_nonzero(one.sum(axis=1))
        assert got[information.SUMMARY_TARGET_LEVELS] == np.count_nonzero(one.sum(axis=0))
