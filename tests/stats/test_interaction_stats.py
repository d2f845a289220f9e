"""Interaction statistics: the joint MI and expected MI of a pair equal scikit-learn's on the
combined codes, the gain test equals the plain-Python conditional MI, the screening kernel
equals a numpy computation of the same statistic, and the coarse codes keep what they promise."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2
from sklearn.metrics import mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

from outrank_cli.kernels.interactions import screen_pairs
from outrank_cli.stats.interactions import (
    SCREEN_KEPT,
    SCREEN_LEVELS,
    coarse_codes,
    pair_interaction,
    single_score,
)
from outrank_cli.stats.pairs import SampleColumns
from tests import reference

LN2 = math.log(2.0)


def sample(codes: list[np.ndarray], target: np.ndarray, n_target: int) -> SampleColumns:
    return SampleColumns(
        names=tuple(f"c{i}" for i in range(len(codes))),
        codes=tuple(np.ascontiguousarray(c, dtype=np.int32) for c in codes),
        levels=tuple(int(c.max()) + 1 for c in codes),
        target=np.ascontiguousarray(target, dtype=np.int32),
        n_target=n_target,
    )


def sklearn_score(labels: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(MI, E[MI]) in nats from scikit-learn, labels as given."""
    table = contingency_matrix(y, labels, sparse=False)
    return mutual_info_score(y, labels), float(expected_mutual_information(table, len(y)))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(20, 600),
    levels_a=st.integers(2, 60),
    levels_b=st.integers(2, 60),
    n_target=st.integers(2, 4),
    seed=st.integers(0, 2**31),
)
def test_joint_statistics_match_sklearn_on_combined_codes(n, levels_a, levels_b, n_target, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels_a, n)
    b = rng.integers(0, levels_b, n)
    y = rng.integers(0, n_target, n)
    if len(np.unique(a)) < 2 or len(np.unique(b)) < 2:
        return
    columns = sample([a, b], y, n_target)
    single_a, single_b = single_score(columns, 0), single_score(columns, 1)
    got = pair_interaction(columns, 0, 1, single_a, single_b)
    mi, expected = sklearn_score(a * levels_b + b, y)
    mi_a, expected_a = sklearn_score(a, y)
    mi_b, expected_b = sklearn_score(b, y)
    assert got.mi == pytest.approx(mi / LN2, rel=1e-9, abs=1e-12)
    assert got.expected_mi == pytest.approx(expected / LN2, rel=1e-7, abs=1e-12)
    score, score_a, score_b = (mi - expected) / LN2, (mi_a - expected_a) / LN2, (mi_b - expected_b) / LN2
    assert got.score == pytest.approx(score, rel=1e-6, abs=1e-9)
    assert got.a_score == pytest.approx(score_a, rel=1e-6, abs=1e-9)
    assert got.gain == pytest.approx(score - max(score_a, score_b), rel=1e-6, abs=1e-9)
    assert got.synergy == pytest.approx(score - score_a - score_b, rel=1e-6, abs=1e-9)
    assert got.combinations == len(np.unique(a * levels_b + b))
    # the gain test: the other column given the better one, from the plain-Python reference
    better, other = (a, b) if score_a >= score_b else (b, a)
    cmi, cmi_expected, df = reference.conditional_mutual_information_labels(
        other.tolist(), y.tolist(), better.tolist()
    )
    assert got.gain_p == pytest.approx(
        reference.calibrated_chi2_p(cmi, cmi_expected, df), rel=1e-6, abs=1e-12
    )
    classes = len(np.unique(y))
    joint_df = (got.combinations - 1) * (classes - 1)
    assert got.joint_p == pytest.approx(
        reference.calibrated_chi2_p(mi, expected, joint_df), rel=1e-6, abs=1e-12
    )


def test_xor_has_synergy_and_its_parts_have_none():
    rng = np.random.default_rng(3)
    n = 20_000
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    y = a ^ b
    flip = rng.random(n) < 0.1
    y[flip] = 1 - y[flip]
    columns = sample([a, b], y, 2)
    got = pair_interaction(columns, 0, 1, single_score(columns, 0), single_score(columns, 1))
    # 1 - H(0.1) bits, hand-computed: the parts are independent of y, the pair is y up to the flips
    expected = 1.0 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)
    assert got.score == pytest.approx(expected, abs=0.01)
    assert abs(got.a_score) < 1e-3 and abs(got.b_score) < 1e-3
    assert got.synergy == pytest.approx(got.score, abs=2e-3)
    assert got.gain_p < 1e-100


def screen_reference(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> float:
    """The screening deviate computed with numpy and scipy: G of the gain over the better
    column (better by MI minus (levels - 1)(classes - 1)/2N), its degrees of freedom, and the
    normal deviate with the same upper tail as chi-square(df) (Wilson-Hilferty)."""
    n = len(y)
    classes = len(np.unique(y))
    mi_ab = mutual_info_score(y, a.astype(np.int64) * 256 + b)
    mi_a, mi_b = mutual_info_score(y, a), mutual_info_score(y, b)
    k_a, k_b, k_ab = len(np.unique(a)), len(np.unique(b)), len(np.unique(a.astype(np.int64) * 256 + b))
    if mi_a - (k_a - 1) * (classes - 1) / (2 * n) >= mi_b - (k_b - 1) * (classes - 1) / (2 * n):
        mi_best, k_best = mi_a, k_a
    else:
        mi_best, k_best = mi_b, k_b
    df = (k_ab - k_best) * (classes - 1)
    if df <= 0:
        return 0.0
    g = 2 * n * max(mi_ab - mi_best, 0.0)
    h = 2.0 / (9.0 * df)
    return ((g / df) ** (1 / 3) - (1 - h)) / math.sqrt(h)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(10, 500),
    n_features=st.integers(2, 6),
    n_target=st.integers(2, 5),
    seed=st.integers(0, 2**31),
)
def test_screen_kernel_matches_numpy(n, n_features, n_target, seed):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, SCREEN_LEVELS + 1, n_features)
    codes = np.stack([rng.integers(0, lv, n) for lv in levels]).astype(np.uint8)
    y = rng.integers(0, n_target, n).astype(np.int32)
    first, second = np.triu_indices(n_features, k=1)
    # in any order: the kernel keeps the first column's folded codes while pairs share it
    order = rng.permutation(first.shape[0])
    first, second = first[order], second[order]
    got = screen_pairs(codes, y, n_target=n_target, levels=levels, first=first, second=second)
    if len(np.unique(y)) < 2:
        assert np.all(got == 0.0)
        return
    want = [screen_reference(codes[i], codes[j], y) for i, j in zip(first, second, strict=True)]
    # the kernel sums looked-up x log x terms: their cancellation leaves ~1e-10 in G, which the
    # cube root of Wilson-Hilferty magnifies near G = 0 (deviates run from about -3 to 30)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-3)


def test_screen_deviate_is_standard_normal_under_the_null():
    """Pairs of independent columns: the deviates have about mean 0 and variance 1, and the
    Wilson-Hilferty tail matches chi-square's (the screen ranks by it)."""
    rng = np.random.default_rng(5)
    n, f = 8_000, 40
    levels = np.full(f, 16)
    codes = rng.integers(0, 16, (f, n)).astype(np.uint8)
    y = rng.integers(0, 2, n).astype(np.int32)
    first, second = np.triu_indices(f, k=1)
    z = screen_pairs(codes, y, n_target=2, levels=levels, first=first, second=second)
    assert abs(z.mean()) < 0.15 and 0.8 < z.std() < 1.2
    df = 15.0 * 16.0  # (256 - 16) cells x (2 - 1)
    h = 2.0 / (9.0 * df)
    deviate = ((chi2.isf(1e-4, df) / df) ** (1 / 3) - (1 - h)) / math.sqrt(h)
    assert deviate == pytest.approx(3.719, abs=0.02)  # the normal 1e-4 quantile


def _coarse_reference(codes: np.ndarray, levels: int, seed: int) -> tuple[list[int], int]:
    """The documented rule in plain Python: present levels renumbered in code order when at
    most SCREEN_LEVELS, else the SCREEN_KEPT most frequent (ties by code) then a bucket by
    splitmix64 of the code (the formula of tests/kernels/test_hashing.py)."""
    counts: dict[int, int] = {}
    for code in codes.tolist():
        counts[code] = counts.get(code, 0) + 1
    present = sorted(counts)
    if len(present) <= SCREEN_LEVELS:
        mapping = {code: k for k, code in enumerate(present)}
        return [mapping[c] for c in codes.tolist()], max(len(present), 1)
    ranked = sorted(present, key=lambda code: (-counts[code], code))
    mask = (1 << 64) - 1
    mapping = {code: k for k, code in enumerate(ranked[:SCREEN_KEPT])}
    for code in ranked[SCREEN_KEPT:]:
        x = code ^ ((seed * 0x9E3779B97F4A7C15) & mask)
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
        x ^= x >> 31
        mapping[code] = SCREEN_KEPT + x % (SCREEN_LEVELS - SCREEN_KEPT)
    return [mapping[c] for c in codes.tolist()], SCREEN_LEVELS


@pytest.mark.parametrize(
    "levels, n, skew",
    [
        (1, 10, 0.0),
        (3, 50, 0.0),
        (16, 300, 0.0),
        (17, 300, 0.0),
        (40, 300, 0.5),
        (2_000, 2_048, 0.0),
        (2_000, 2_048, 0.9),
    ],
)
@pytest.mark.parametrize("seed", [0, 7, -5, 2**64 - 1])
def test_coarse_codes_of_chosen_rows_follow_the_rule(levels, n, skew, seed):
    """Uniform codes tie at the cut (many levels seen once or twice), skewed ones do not."""
    rng = np.random.default_rng(levels * 31 + n)
    codes = rng.integers(0, levels, n)
    heavy = rng.random(n) < skew
    codes[heavy] = rng.integers(0, min(levels, 12), int(heavy.sum()))
    codes = codes.astype(np.int32)
    rows = np.sort(rng.choice(n, max(1, 2 * n // 3), replace=False))
    coarse, count = coarse_codes(codes, levels, seed=seed, rows=rows)
    want, want_count = _coarse_reference(codes[rows], levels, seed % 2**64)
    assert coarse.tolist() == want and count == want_count
    assert count == (
        SCREEN_LEVELS
        if len(set(codes[rows].tolist())) > SCREEN_LEVELS
        else max(len(set(codes[rows].tolist())), 1)
    )


def test_coarse_codes_keep_small_columns_and_the_most_frequent_levels():
    small = np.array([5, 9, 9, 5, 12], dtype=np.int32)
    coarse, levels = coarse_codes(small, 13, seed=0)
    assert levels == 3 and coarse.dtype == np.uint8
    assert coarse.tolist() == [0, 1, 1, 0, 2]
    rng = np.random.default_rng(2)
    # 1,000 levels: the 8 most frequent have distinct, large counts
    codes = rng.integers(0, 1_000, 50_000).astype(np.int32)
    heavy = np.arange(100, 100 + SCREEN_KEPT)
    sizes = 3_000 - 200 * np.arange(SCREEN_KEPT)  # most frequent first
    codes[: int(sizes.sum())] = np.repeat(heavy, sizes)
    coarse, levels = coarse_codes(codes, 1_000, seed=0)
    assert levels == SCREEN_LEVELS and int(coarse.max()) < SCREEN_LEVELS
    for rank, code in enumerate(heavy):
        assert set(coarse[codes == code].tolist()) == {rank}
    assert int(coarse[~np.isin(codes, heavy)].min()) >= SCREEN_KEPT
    # a function of the code: every row of a level lands in the same bucket
    for code in (0, 1, 500, 999):
        assert len(set(coarse[codes == code].tolist())) == 1
