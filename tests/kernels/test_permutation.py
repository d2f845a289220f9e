"""The margin-only permutation null against explicit shuffles of label arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import mutual_info_score

from outrank_cli.kernels.permutation import permutation_mi
from tests import reference

DRAWS = 3000


def labels_from_margins(target_counts: list[int], feature_counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    y = np.repeat(np.arange(len(target_counts)), target_counts)
    x = np.repeat(np.arange(len(feature_counts)), feature_counts)
    return x, y


def shuffled_mi(x: np.ndarray, y: np.ndarray, *, draws: int, seed: int) -> np.ndarray:
    """scikit-learn MI of ``draws`` explicit shuffles of ``y`` against ``x`` (integer labels)."""
    rng = np.random.default_rng(seed)
    n_x, n_y = int(x.max()) + 1, int(y.max()) + 1
    out = np.empty(draws)
    for d in range(draws):
        shuffled = rng.permutation(y)
        # the same table sklearn would build from (x, shuffled), just without its checks
        table = np.bincount(x * n_y + shuffled, minlength=n_x * n_y).reshape(n_x, n_y)
        out[d] = mutual_info_score(None, None, contingency=table)
    return out


def test_shuffled_mi_helper_matches_sklearn_on_labels() -> None:
    x, y = labels_from_margins([6, 9], [4, 4, 7])
    rng = np.random.default_rng(4)
    shuffled = rng.permutation(y)
    assert shuffled_mi(x, y, draws=1, seed=4)[0] == pytest.approx(mutual_info_score(x, shuffled), abs=1e-15)


def test_same_seed_same_output() -> None:
    a = np.array([30, 50, 20])
    b = np.array([10, 10, 40, 5, 35])
    first = permutation_mi(a, b, n_permutations=200, seed=123)
    again = permutation_mi(a, b, n_permutations=200, seed=123)
    other = permutation_mi(a, b, n_permutations=200, seed=124)
    assert first.dtype == np.float64
    assert first.shape == (200,)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_prefix_is_stable_in_the_number_of_permutations() -> None:
    # draws are sequential from one seeded stream: asking for more extends, never reshuffles
    a = np.array([12, 8])
    b = np.array([5, 5, 5, 5])
    short = permutation_mi(a, b, n_permutations=50, seed=9)
    long = permutation_mi(a, b, n_permutations=80, seed=9)
    np.testing.assert_array_equal(short, long[:50])


@pytest.mark.parametrize(
    ("target_counts", "feature_counts"),
    [
        ([60, 40], [25, 25, 25, 25]),
        ([50, 30, 20], [10, 10, 40, 5, 35]),
        ([5, 5, 10], [1, 1, 2, 3, 13]),
        ([100, 10], [55, 55]),
    ],
)
def test_mean_and_std_match_explicit_shuffles(target_counts: list[int], feature_counts: list[int]) -> None:
    x, y = labels_from_margins(target_counts, feature_counts)
    kernel = permutation_mi(np.array(target_counts), np.array(feature_counts), n_permutations=DRAWS, seed=1)
    explicit = shuffled_mi(x, y, draws=DRAWS, seed=2)
    se = math.sqrt((kernel.var(ddof=1) + explicit.var(ddof=1)) / DRAWS)
    assert abs(kernel.mean() - explicit.mean()) < 4 * se
    # the standard deviation of a sample std is about std / sqrt(2 B): 2.6% at B = 3000
    assert kernel.std() == pytest.approx(explicit.std(), rel=0.1)
    # both are the same discrete distribution (rounded, so that values equal up to float
    # rounding, e.g. an exact 0 and a -1e-17, count as ties)
    assert ks_2samp(np.round(kernel, 10), np.round(explicit, 10)).pvalue > 1e-4
    # and both centre on the exact expected MI
    emi = reference.expected_mutual_information(target_counts, feature_counts)
    assert abs(kernel.mean() - emi) < 4 * kernel.std(ddof=1) / math.sqrt(DRAWS)


def test_every_draw_is_the_mi_of_a_table_with_these_margins() -> None:
    # the set of possible MI values is tiny here, so every draw must hit one of them
    a = [3, 2]
    b = [2, 3]
    possible = set()
    for k in range(0, 3):  # n_11 = k
        table = np.array([[k, 2 - k], [3 - k, k]])
        if table.min() >= 0:
            possible.add(round(reference.mutual_information_table(table), 12))
    draws = permutation_mi(np.array(a), np.array(b), n_permutations=500, seed=0)
    assert {round(float(v), 12) for v in draws} <= possible


def test_singleton_levels_give_target_entropy_exactly() -> None:
    # every feature level has one row: whatever the permutation, I = H(Y)
    a = np.array([37, 13, 50])
    b = np.ones(100, dtype=np.int64)
    draws = permutation_mi(a, b, n_permutations=300, seed=5)
    np.testing.assert_allclose(draws, reference.entropy(a), rtol=1e-12, atol=0)


def test_one_feature_level_or_one_target_level_gives_zero() -> None:
    np.testing.assert_allclose(
        permutation_mi(np.array([3, 4, 5]), np.array([12]), n_permutations=50, seed=0),
        0.0,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        permutation_mi(np.array([12]), np.array([3, 4, 5]), n_permutations=50, seed=0),
        0.0,
        atol=1e-15,
    )


def test_singleton_lands_in_each_class_in_proportion() -> None:
    # a feature with levels [N-1, 1]: the singleton's target class is uniform over rows, so
    # it lands in class i with probability a_i / N; each class gives a distinct MI value
    a = [50, 30, 20]
    n = sum(a)
    values = []
    for i in range(len(a)):
        table = np.array([a, [0] * len(a)])
        table[0, i] -= 1
        table[1, i] = 1
        values.append(reference.mutual_information_table(table))
    assert len({round(v, 12) for v in values}) == len(a)
    draws = permutation_mi(np.array(a), np.array([n - 1, 1]), n_permutations=DRAWS, seed=3)
    hits = np.array([np.sum(np.isclose(draws, v, rtol=0, atol=1e-12)) for v in values])
    assert hits.sum() == DRAWS
    expected = np.array(a) / n * DRAWS
    chi_square = float(np.sum((hits - expected) ** 2 / expected))
    assert chi_square < 13.8  # 99.9% point of chi-square with 2 df


def test_zero_margins_and_empty() -> None:
    assert (
        permutation_mi(
            np.zeros(3, dtype=np.int64), np.zeros(2, dtype=np.int64), n_permutations=4, seed=0
        ).tolist()
        == [0.0] * 4
    )
    assert permutation_mi(np.array([2, 2]), np.array([4]), n_permutations=0, seed=0).shape == (0,)
    # empty levels on either side do not change the distribution
    with_gaps = permutation_mi(np.array([0, 6, 0, 4]), np.array([5, 0, 5]), n_permutations=300, seed=2)
    # margins [6, 4] x [5, 5]: n_11 = k in 1..5 fixes the table
    possible = {
        round(reference.mutual_information_table(np.array([[k, 5 - k], [6 - k, k - 1]])), 12)
        for k in range(1, 6)
    }
    assert {round(float(v), 12) for v in with_gaps} <= possible


def test_rejects_disagreeing_margins() -> None:
    with pytest.raises(ValueError, match="margins disagree"):
        permutation_mi(np.array([3, 3]), np.array([5]), n_permutations=10, seed=0)
