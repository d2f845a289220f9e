"""The reference's building blocks for the greedy search (tests/reference.py) against
scikit-learn and hand-computed values, so that `test_select` compares the library with
something that is itself checked."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

from tests import reference

LN2 = math.log(2.0)


def _sklearn_conditional(a: np.ndarray, y: np.ndarray, given: np.ndarray) -> tuple[float, float]:
    """sum_s (n_s/N) I_s and sum_s (n_s/N) E[I_s] in nats, stratum by stratum with scikit-learn."""
    n = a.shape[0]
    mi = expected = 0.0
    for value in np.unique(given):
        mask = given == value
        n_s = int(mask.sum())
        if n_s < 2:
            continue
        mi += n_s / n * mutual_info_score(a[mask], y[mask])
        expected += n_s / n * expected_mutual_information(contingency_matrix(a[mask], y[mask]), n_s)
    return mi, expected


def test_conditional_mi_by_hand():
    # stratum "p": a perfect 2x2 association of 2 rows, I = E[I] = log 2, df 1;
    # stratum "q": one row, nothing; stratum "r": 3 rows of one target value, I = E = df = 0
    a = [0, 1, 5, 0, 1, 1]
    y = [0, 1, 1, 0, 0, 0]
    given = ["p", "p", "q", "r", "r", "r"]
    mi, expected, df = reference.conditional_mutual_information_labels(a, y, given)
    assert mi == pytest.approx(2 / 6 * math.log(2), rel=1e-15)
    assert expected == pytest.approx(2 / 6 * math.log(2), rel=1e-12)
    assert df == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conditional_mi_matches_sklearn_stratum_by_stratum(seed):
    rng = np.random.default_rng(seed)
    n = 400
    given = rng.integers(0, 5, n)
    given[0] = 9  # a stratum of one row
    a = (given + rng.integers(0, 3, n)) % 4
    y = np.where(rng.random(n) < 0.6, a % 2, rng.integers(0, 3, n))
    y[given == 4] = 2  # a stratum with a single target value
    mi, expected, df = reference.conditional_mutual_information_labels(a.tolist(), y.tolist(), given.tolist())
    want_mi, want_expected = _sklearn_conditional(a, y, given)
    assert mi == pytest.approx(want_mi, rel=1e-12)
    assert expected == pytest.approx(want_expected, rel=1e-9)
    want_df = 0
    for value in np.unique(given):
        mask = given == value
        if mask.sum() > 1:
            want_df += (np.unique(a[mask]).size - 1) * (np.unique(y[mask]).size - 1)
    assert df == want_df


def test_redundancy_matches_sklearn():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 6, 500)
    b = np.where(rng.random(500) < 0.5, a, rng.integers(0, 6, 500))
    mi, expected, normalized = reference.redundancy_labels(a.tolist(), b.tolist())
    assert mi == pytest.approx(mutual_info_score(a, b), rel=1e-12)
    assert expected == pytest.approx(expected_mutual_information(contingency_matrix(a, b), 500), rel=1e-9)
    assert normalized == pytest.approx(
        adjusted_mutual_info_score(a, b, average_method="arithmetic"), rel=1e-9
    )
    assert reference.redundancy_labels(a.tolist(), a.tolist())[2] == pytest.approx(1.0, rel=1e-12)
    assert reference.normalized_adjusted_mi(0.0, 0.0, 0.0, 0.0) == 1.0


def test_feature_relevance_matches_sklearn():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 8, 700)
    y = (rng.random(700) < 0.3 + 0.05 * x).astype(int)
    got = reference.feature_relevance(x.tolist(), y.tolist())
    ami = mutual_info_score(x, y) - expected_mutual_information(contingency_matrix(x, y), 700)
    assert got.score == pytest.approx(ami / LN2, rel=1e-9)
    assert reference.feature_relevance(["c"] * 10, [0, 1] * 5).entropy == 0.0


def test_calibrated_chi2_p_by_hand():
    # with 2 degrees of freedom the chi-square tail is exp(-x / 2)
    assert reference.calibrated_chi2_p(0.03, 0.01, 2) == pytest.approx(math.exp(-3.0), rel=1e-12)
    assert reference.calibrated_chi2_p(0.03, 0.01, 0) == 1.0
    assert reference.calibrated_chi2_p(0.0, 0.01, 2) == 1.0
    assert reference.calibrated_chi2_p(0.03, 0.0, 2) == 0.0
