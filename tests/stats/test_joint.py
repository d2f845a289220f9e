"""Pair kernels: dense and hashed counting agree with numpy; pair MI and stratified
conditional MI agree with scikit-learn computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

from outrank_cli.kernels import joint
from outrank_cli.stats.pairs import SampleColumns, pair_stats

LN2 = math.log(2.0)


def direct_cells(
    a: np.ndarray, b: np.ndarray, y: np.ndarray, n_target: int
) -> dict[tuple[int, int], list[int]]:
    out: dict[tuple[int, int], list[int]] = {}
    for x, z, t in zip(a.tolist(), b.tolist(), y.tolist(), strict=True):
        out.setdefault((x, z), [0] * n_target)[t] += 1
    return out


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 400),
    levels_a=st.integers(1, 600),
    levels_b=st.integers(1, 600),
    n_target=st.integers(1, 4),
    seed=st.integers(0, 2**31),
)
def test_pair_table_matches_direct_counts(n, levels_a, levels_b, n_target, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels_a, n).astype(np.int32)
    b = rng.integers(0, levels_b, n).astype(np.int32)
    y = rng.integers(0, n_target, n).astype(np.int32)
    cell_a, cell_b, counts = joint.pair_table(a, b, y, levels_b=levels_b, n_target=n_target)
    got = {(int(x), int(z)): c.tolist() for x, z, c in zip(cell_a, cell_b, counts, strict=True)}
    assert got == direct_cells(a, b, y, n_target)
    assert np.all(np.diff(cell_a) >= 0), "cells must come grouped by their first code"


def test_dense_and_hashed_paths_agree():
    rng = np.random.default_rng(1)
    n = 20_000
    a = rng.integers(0, 300, n).astype(np.int32)  # 300 x 300 cells is past the dense limit
    b = rng.integers(0, 300, n).astype(np.int32)
    y = rng.integers(0, 3, n).astype(np.int32)
    assert joint.DENSE_CELL_LIMIT < 300 * 300
    hashed = joint.pair_table(a, b, y, levels_b=300, n_target=3)
    small_b = (b % 100).astype(np.int32)
    assert joint.DENSE_CELL_LIMIT >= 300 * 100
    dense = joint.pair_table(a, small_b, y, levels_b=100, n_target=3)
    assert {(int(x), int(z)): c.tolist() for x, z, c in zip(*hashed, strict=True)} == direct_cells(a, b, y, 3)
    assert {(int(x), int(z)): c.tolist() for x, z, c in zip(*dense, strict=True)} == direct_cells(
        a, small_b, y, 3
    )


@pytest.mark.parametrize("levels", [(3, 4), (50, 2_000), (5_000, 5_000)])
def test_pair_stats_match_sklearn(levels):
    rng = np.random.default_rng(sum(levels))
    n = 6_000
    b = rng.integers(0, levels[1], n)
    a = (b * 7 + rng.integers(0, 3, n)) % levels[0]
    y = ((a % 2) ^ (rng.random(n) < 0.3)).astype(np.int32)
    columns = SampleColumns(
        names=("a", "b"),
        codes=(a.astype(np.int32), b.astype(np.int32)),
        levels=(levels[0], levels[1]),
        target=y,
        n_target=2,
    )
    stats = pair_stats(columns, 0, 1)
    assert stats.redundancy == pytest.approx(mutual_info_score(a, b) / LN2, rel=1e-9, abs=1e-12)
    assert stats.redundancy_normalized == pytest.approx(adjusted_mutual_info_score(a, b), rel=1e-6, abs=1e-9)
    expected_ab = expected_mutual_information(contingency_matrix(a, b), n) / LN2
    assert stats.redundancy_expected == pytest.approx(expected_ab, rel=1e-7, abs=1e-12)

    def conditional(strata: np.ndarray) -> tuple[float, float]:
        plug_in = corrected = 0.0
        for value in np.unique(strata):
            mask = strata == value
            if mask.sum() < 2:
                continue
            w = mask.mean()
            mi = mutual_info_score(a[mask], y[mask])
            plug_in += w * mi
            corrected += w * (
                mi - expected_mutual_information(contingency_matrix(a[mask], y[mask]), int(mask.sum()))
            )
        return plug_in / LN2, corrected / LN2

    # b coarsened: levels counted more often than the 16th most frequent keep a stratum each
    values, counts = np.unique(b, return_counts=True)
    if values.shape[0] > 16:
        cut = np.sort(counts)[::-1][15]
        b = np.where(np.isin(b, values[counts > cut]), b, -1)
        assert np.unique(b).shape[0] <= 16
    plug_in, corrected = conditional(b)
    assert stats.conditional_mi == pytest.approx(plug_in, rel=1e-9, abs=1e-12)
    assert stats.conditional_relevance == pytest.approx(corrected, rel=1e-7, abs=1e-10)
    assert 0.0 <= stats.conditional_p <= 1.0


def test_conditioning_on_a_copy_leaves_nothing():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 9, 5_000).astype(np.int32)
    y = (x % 3 == 0).astype(np.int32)
    relabelled = ((x * 5 + 2) % 9).astype(np.int32)  # a bijection of x
    columns = SampleColumns(("x", "copy"), (x, relabelled), (9, 9), y, 2)
    stats = pair_stats(columns, 1, 0)
    assert stats.conditional_mi == 0.0 and stats.conditional_relevance == 0.0
    assert stats.conditional_p == 1.0
    assert stats.redundancy_normalized == pytest.approx(1.0)
