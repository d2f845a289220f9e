"""The additive gain test (stats/additive.py) and the F tail (stats/ftail.py), against scipy,
numpy's exact least squares and the test's definition in tests/reference.py."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import f as f_distribution

from outrank_cli.stats.additive import AdditiveModel, fitted, information_gain, target_scores
from outrank_cli.stats.ftail import beta_regularized, f_sf
from outrank_cli.stats.pairs import Gather
from tests import reference

DFS = [1.0, 2.0, 3.0, 7.0, 15.0, 100.0, 999.0, 5000.0]
DF2S = [1.0, 2.0, 5.0, 30.0, 100.0, 1000.0, 7000.0, 1e5, 1e6]
TAILS = [1 - 1e-9, 0.999, 0.9, 0.5, 0.1, 1e-3, 1e-10, 1e-30, 1e-100, 1e-200]


@pytest.mark.parametrize(("df1", "df2"), list(itertools.product(DFS, DF2S)))
def test_f_tail_matches_scipy_from_the_bulk_to_far_in_the_tail(df1, df2):
    for tail in TAILS:
        statistic = float(f_distribution.isf(tail, df1, df2))
        if not math.isfinite(statistic) or statistic <= 0:
            continue
        expected = float(f_distribution.sf(statistic, df1, df2))
        assert math.isclose(f_sf(statistic, df1, df2), expected, rel_tol=1e-6), (df1, df2, tail)


def test_f_tail_edges():
    assert f_sf(0.0, 3, 10) == 1.0 and f_sf(-1.0, 3, 10) == 1.0
    assert f_sf(2.0, 0, 10) == 1.0 and f_sf(2.0, 3, 0) == 1.0
    assert f_sf(math.inf, 3, 10) == 0.0
    # past a million times df1 rows, the chi-square limit: still scipy's value
    assert math.isclose(f_sf(3.0, 2, 1e9), float(f_distribution.sf(3.0, 2, 1e9)), rel_tol=1e-6)
    # I_x(a, b) at hand-computed points: I_x(1, 1) = x, I_x(2, 1) = x^2, I_x(1, 2) = 1 - (1 - x)^2
    assert math.isclose(beta_regularized(1.0, 1.0, 0.3), 0.3, rel_tol=1e-12)
    assert math.isclose(beta_regularized(2.0, 1.0, 0.3), 0.09, rel_tol=1e-12)
    assert math.isclose(beta_regularized(1.0, 2.0, 0.3), 0.51, rel_tol=1e-12)


def _features(rng, n: int, levels: tuple[int, ...]) -> list[np.ndarray]:
    return [rng.integers(0, size, n) for size in levels]


@pytest.mark.parametrize("classes", [2, 3])
def test_backfitting_reaches_the_least_squares_fit(classes):
    rng = np.random.default_rng(3 + classes)
    n = 900
    # a feature of 40 levels is coarsened to its 15 most frequent and "other", as the
    # reference does with its labels
    features = _features(rng, n, (4, 7, 12, 40))
    features[1] = np.where(rng.random(n) < 0.7, features[0], features[1])  # correlated features
    logit = features[0] * 0.4 - (features[1] == 3) + 0.05 * features[3]
    y = np.minimum(
        (rng.random(n) < 1 / (1 + np.exp(-logit))) + (rng.random(n) < 0.3) * (classes - 2), classes - 1
    )
    model = fitted(target_scores(y, classes, ordered=False), [(f, int(f.max()) + 1) for f in features])
    expected, parameters = reference.additive_residuals(y.tolist(), [f.tolist() for f in features])
    # 1 + 3 + 6 + 11, and the 40 levels as at most 16 (the 16th largest count's ties pooled too)
    assert model.parameters == parameters and 1 + 3 + 6 + 11 + 10 <= parameters <= 1 + 3 + 6 + 11 + 15
    np.testing.assert_allclose(model.residuals.T, expected, atol=1e-8)


def test_the_gain_test_follows_its_definition():
    rng = np.random.default_rng(21)
    n = 1_200
    a, b = _features(rng, n, (6, 9))
    scores = 2.0 * a - 1.5 * (b % 3) + rng.normal(0, 3, n)
    y = np.digitize(scores, np.quantile(scores, np.linspace(0, 1, 17)[1:-1]))  # 16 bins: a numeric target
    unordered = rng.integers(0, 30, n)
    # bins 1..8 with a small trend and 10 % missing (code 0)
    ordered = np.where(
        rng.random(n) < 0.1, 0, np.clip((scores / 4 + rng.normal(0, 2, n)).round() + 4, 1, 8)
    ).astype(np.int64)
    for response, labels in ((y, y.tolist()), ((y > 7).astype(np.int64), (y > 7).astype(int).tolist())):
        two_class = labels == (y > 7).astype(int).tolist()
        model = fitted(
            target_scores(response, 2 if two_class else 16, ordered=not two_class), [(a, 6), (b, 9)]
        )
        if two_class:  # the reference models class targets: one indicator, the same fit
            residuals, parameters = reference.additive_residuals(labels, [a.tolist(), b.tolist()])
        else:  # a numeric target's bin index, by exact least squares
            design = np.column_stack(
                [np.ones(n), *[(f == v) * 1.0 for f in (a, b) for v in range(1, int(f.max()) + 1)]]
            )
            coefficients, *_ = np.linalg.lstsq(design, y * 1.0, rcond=None)
            residuals, parameters = (y - design @ coefficients).reshape(-1, 1), design.shape[1]
        np.testing.assert_allclose(model.residuals.T, residuals, atol=1e-8)
        for codes, levels, is_ordered in ((unordered, 30, False), (ordered, 9, True)):
            p, share = model.gain_p(Gather(codes), levels, is_ordered)
            expected_p, expected_share = reference.additive_gain(
                residuals, parameters, codes.tolist(), ordered=is_ordered
            )
            assert math.isclose(p, expected_p, rel_tol=1e-6), (is_ordered, p, expected_p)
            assert math.isclose(share, expected_share, rel_tol=1e-6)
        # the trend column is shown to gain (its slope), the 30 random levels are not
        assert (
            model.gain_p(Gather(ordered), 9, True)[0] < 1e-3 < model.gain_p(Gather(unordered), 30, False)[0]
        )


def test_the_gain_test_reads_stored_codes_as_their_made_codes():
    """A column tested where the row sample stores it (``RowSample.stored``: its rows in the
    order they came, rows not in the sample among them, two code maps) gives the p-value of
    its made codes, and the reference's."""
    rng = np.random.default_rng(23)
    n, extra = 900, 300
    a, b = _features(rng, n, (5, 7))
    y = ((a + (b % 2) + rng.normal(0, 1.5, n)) > 4).astype(np.int64)
    model = fitted(target_scores(y, 2, ordered=False), [(a, 5), (b, 7)])
    residuals, parameters = reference.additive_residuals(y.tolist(), [a.tolist(), b.tolist()])
    trend = np.where(rng.random(n) < 0.1, 0, np.clip(a + rng.integers(0, 4, n), 1, 8))
    for made, levels, ordered in ((rng.integers(0, 40, n), 40, False), (trend, 9, True)):
        # stored code s -> s // 2 (two counted codes merged) -> sigma (a relabelling fixing 0)
        sigma = np.concatenate([[0], 1 + rng.permutation(levels - 1)])
        first = (np.arange(2 * levels) // 2).astype(np.int32)
        then = sigma.astype(np.int32)
        slots = np.full(n + extra, -1, dtype=np.int64)
        slots[rng.permutation(n + extra)[:n]] = np.arange(n)
        inverse = np.argsort(sigma)
        row = rng.integers(0, 2 * levels, n + extra)  # rows not in the sample: any stored code
        kept = slots >= 0
        row[kept] = 2 * inverse[made[slots[kept]]] + rng.integers(0, 2, n)
        assert np.array_equal(then[first[row[kept]]], made[slots[kept]])
        for dtype in (np.uint16, np.int32):
            stored = Gather(row.astype(dtype), slots, first, then)
            p, share = model.gain_p(stored, levels, ordered)
            made_p, made_share = model.gain_p(Gather(made), levels, ordered)
            assert math.isclose(p, made_p, rel_tol=1e-9) and math.isclose(share, made_share, rel_tol=1e-9)
        expected_p, expected_share = reference.additive_gain(
            residuals, parameters, made.tolist(), ordered=ordered
        )
        assert math.isclose(p, expected_p, rel_tol=1e-6), (ordered, p, expected_p)
        assert math.isclose(share, expected_share, rel_tol=1e-6)


def test_an_unordered_column_is_tested_on_its_15_most_frequent_levels_and_the_rest():
    """25 levels of 1 to 25 rows each (no ties), each level's residuals shifted by its own
    amount: tested on the 15 most frequent levels and one pooled stratum, the reference's
    strata, for made and for stored codes."""
    rng = np.random.default_rng(29)
    made = rng.permutation(np.repeat(np.arange(25), np.arange(1, 26)))
    n = made.shape[0]
    effect = rng.normal(0, 0.3, 25)
    y = (effect[made] + rng.normal(0, 1, n) > 0).astype(np.int64)
    model = fitted(target_scores(y, 2, ordered=False), [])
    residuals, parameters = reference.additive_residuals(y.tolist(), [])
    expected_p, expected_share = reference.additive_gain(residuals, parameters, made.tolist(), ordered=False)
    assert len(set(reference.coarsened(made.tolist()))) == 16
    slots = np.concatenate([rng.permutation(n), [-1, -1]])
    row = np.concatenate([made[slots[:n]], [3, 7]]).astype(np.uint16)  # two rows not in the sample
    for codes in (Gather(made), Gather(row, slots)):
        p, share = model.gain_p(codes, 25, False)
        assert math.isclose(p, expected_p, rel_tol=1e-6) and math.isclose(share, expected_share, rel_tol=1e-6)


def test_the_test_is_never_stronger_than_the_partial_f_test():
    """Against the F test of the linear model refitted with the candidate (the partial F
    test), the residual test's statistic is never larger: its p-value is never smaller."""
    rng = np.random.default_rng(8)
    n = 500
    for trial in range(12):
        a, b, c = _features(rng, n, (5, 8, 6))
        c = np.where(rng.random(n) < 0.5, a, c)  # a candidate that shares much with a
        y = (rng.random(n) < 0.3 + 0.08 * a + 0.02 * c).astype(np.int64)
        model = fitted(target_scores(y, 2, ordered=False), [(a, 5), (b, 8)])
        p, _ = model.gain_p(Gather(c), 6, False)

        def design(*features):
            return np.column_stack(
                [np.ones(n), *[(f == v) * 1.0 for f in features for v in range(1, int(f.max()) + 1)]]
            )

        def rss(x, y=y):
            coefficients, *_ = np.linalg.lstsq(x, y * 1.0, rcond=None)
            return float(np.sum((y - x @ coefficients) ** 2)), np.linalg.matrix_rank(x)

        (small, rank_small), (large, rank_large) = rss(design(a, b)), rss(design(a, b, c))
        df1 = rank_large - rank_small
        partial = float(
            f_distribution.sf(((small - large) / df1) / (large / (n - rank_large)), df1, n - rank_large)
        )
        assert p >= partial * (1 - 1e-9), (trial, p, partial)


def test_the_test_keeps_its_level_when_the_candidate_is_noise():
    rng = np.random.default_rng(12)
    n, trials = 400, 300
    p_values = []
    for _ in range(trials):
        a, b = _features(rng, n, (4, 6))
        y = (rng.random(n) < 0.2 + 0.15 * a).astype(np.int64)
        model = fitted(target_scores(y, 2, ordered=False), [(a, 4), (b, 6)])
        noise = rng.integers(0, 10, n)
        p_values.append(model.gain_p(Gather(noise), 10, False)[0])
    p_values = np.array(p_values)
    # binomial: at most the level plus three standard errors
    assert np.mean(p_values <= 0.05) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / trials)
    assert np.mean(p_values <= 0.2) <= 0.2 + 3 * math.sqrt(0.2 * 0.8 / trials)
    assert np.mean(p_values <= 0.5) >= 0.3  # not stuck at 1


def test_information_gain_and_target_scores_by_hand():
    assert information_gain(0.0) == 0.0
    assert math.isclose(information_gain(0.75), 1.0)  # -1/2 log2(1/4)
    np.testing.assert_array_equal(
        target_scores(np.array([0, 2, 1]), 3, ordered=False), np.eye(3)[[0, 2, 1]].T
    )
    np.testing.assert_array_equal(target_scores(np.array([0, 2, 1]), 16, ordered=True), [[0.0, 2.0, 1.0]])
    np.testing.assert_array_equal(target_scores(np.array([1, 0]), 2, ordered=False), [[1.0, 0.0]])
    # a column of one level, or no rows left for the residual: nothing to test
    model = AdditiveModel.of(target_scores(np.array([0, 1, 0, 1]), 2, ordered=False))
    assert model.gain_p(Gather(np.zeros(4, dtype=np.int32)), 1, False) == (1.0, 0.0)
    # no rows: every stored row outside the sample
    assert model.gain_p(Gather(np.zeros(4, dtype=np.uint16), np.full(4, -1)), 1, False) == (1.0, 0.0)
    assert model.gain_p(Gather(np.arange(4, dtype=np.int32)), 4, False) == (1.0, 0.0)


def test_an_id_like_column_is_not_shown_to_gain():
    """Unique values where the target varies most, a value to two rows where it hardly does:
    over every level, the analysis of variance would compare the spread of lone rows' residuals
    with the pairs' (p about 1e-221); on its 16 strata there is nothing to test."""
    rng = np.random.default_rng(5)
    n = 3_000
    a = rng.integers(0, 2, n)
    y = (rng.random(n) < np.where(a == 0, 0.5, 0.02)).astype(np.int64)
    ident = np.empty(n, dtype=np.int64)
    zero, one = np.flatnonzero(a == 0), np.flatnonzero(a == 1)
    ident[zero] = np.arange(zero.size) + 1
    ident[one] = zero.size + 1 + np.arange(one.size) // 2
    model = fitted(target_scores(y, 2, ordered=False), [(a, 2)])
    assert model.gain_p(Gather(ident), int(ident.max()) + 1, False) == (1.0, 0.0)
    residuals, parameters = reference.additive_residuals(y.tolist(), [a.tolist()])
    assert reference.additive_gain(residuals, parameters, ident.tolist(), ordered=False) == (1.0, 0.0)


def test_level_sums_by_hand():
    from outrank_cli.kernels.joint import level_sums

    codes = np.array([0, 2, 2, 1, 5], dtype=np.int32)
    weights = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.5, 0.0, -1.0, 2.0, 1.0]])
    counts, sums = level_sums(codes, weights, 3)  # code 5 widens the levels to 6
    np.testing.assert_array_equal(counts, [1, 1, 2, 0, 0, 1])
    np.testing.assert_array_equal(sums, [[1, 4, 5, 0, 0, 5], [0.5, 2, -1, 0, 0, 1]])
    narrow_counts, narrow_sums = level_sums(codes.astype(np.uint16), weights, 3)
    np.testing.assert_array_equal(narrow_counts, counts)
    np.testing.assert_array_equal(narrow_sums, sums)
    np.testing.assert_array_equal(level_sums(codes, weights[:1], 6)[1], sums[:1])
    with pytest.raises(ValueError, match=">= 0"):
        level_sums(np.array([1, -2], dtype=np.int32), np.ones((1, 2)), 2)
    with pytest.raises(ValueError, match="weights must be"):
        level_sums(codes, np.ones((1, 4)), 3)
