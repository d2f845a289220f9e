"""Equal-frequency bins over ordered cells, against the midpoint-rule reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from outrank_cli.encode.binning import equal_frequency_bins
from outrank_cli.encode.features import ColumnCounts, FeatureKind, encode_views
from outrank_cli.encode.keys import Family
from outrank_cli.kernels import binning as kernel_binning
from tests import reference


@st.composite
def cells(draw: Any, *, zeros: bool) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(0, 40))
    keys = draw(st.lists(st.integers(0, 2**64 - 1), min_size=n, max_size=n, unique=True))
    weight = st.integers(0, 50) if zeros else st.integers(1, 50)
    weights = draw(st.lists(st.one_of(weight, st.integers(1, 10_000)), min_size=n, max_size=n))
    return np.array(keys, dtype=np.uint64), np.array(weights, dtype=np.int64)


def check_shape(keys: np.ndarray, bins: np.ndarray, n_bins: int) -> None:
    assert bins.dtype == np.int64
    assert bins.shape == keys.shape
    if keys.size == 0:
        return
    # dense 0..k-1, at most n_bins of them
    used = np.unique(bins)
    np.testing.assert_array_equal(used, np.arange(used.shape[0]))
    assert used.shape[0] <= n_bins
    # monotone in key order
    in_key_order = bins[np.argsort(keys, kind="stable")]
    assert np.all(np.diff(in_key_order) >= 0)


@settings(max_examples=50, deadline=None)
@given(data=cells(zeros=False), n_bins=st.integers(1, 20))
def test_matches_reference(data: tuple[np.ndarray, np.ndarray], n_bins: int) -> None:
    keys, weights = data
    bins = equal_frequency_bins(keys, weights, n_bins=n_bins)
    check_shape(keys, bins, n_bins)
    assert bins.tolist() == reference.equal_frequency_bins(keys.tolist(), weights.tolist(), n_bins=n_bins)


@settings(max_examples=50, deadline=None)
@given(data=cells(zeros=True), n_bins=st.integers(1, 20))
@example(data=(np.array([1, 2, 3], dtype=np.uint64), np.array([0, 10, 10])), n_bins=4)
def test_matches_reference_with_empty_cells(data: tuple[np.ndarray, np.ndarray], n_bins: int) -> None:
    keys, weights = data
    bins = equal_frequency_bins(keys, weights, n_bins=n_bins)
    check_shape(keys, bins, n_bins)
    assert bins.tolist() == reference.equal_frequency_bins(keys.tolist(), weights.tolist(), n_bins=n_bins)


@settings(max_examples=50, deadline=None)
@given(data=cells(zeros=True), n_bins=st.integers(1, 20))
@example(data=(np.array([1, 2, 3], dtype=np.uint64), np.array([0, 10, 10])), n_bins=4)
def test_no_bin_without_weight(data: tuple[np.ndarray, np.ndarray], n_bins: int) -> None:
    # an empty cell joins a neighbour's bin; it never makes a bin of its own
    keys, weights = data
    if weights.sum() == 0:
        return
    bins = equal_frequency_bins(keys, weights, n_bins=n_bins)
    per_bin = np.bincount(bins, weights=weights)
    assert np.all(per_bin > 0), (bins.tolist(), weights.tolist())


def test_leading_empty_cell_joins_the_first_bin() -> None:
    keys = np.array([1, 2, 3], dtype=np.uint64)
    bins = equal_frequency_bins(keys, np.array([0, 10, 10]), n_bins=4)
    assert bins.tolist() == [0, 0, 1]


def test_hand_example() -> None:
    # weights 1..4 (total 10), midpoints 0.5, 2, 4.5, 8 -> x 2/10 -> raw 0, 0, 0, 1
    keys = np.array([40, 10, 30, 20], dtype=np.uint64)  # shuffled key order
    weights = np.array([4, 1, 3, 2])
    assert equal_frequency_bins(keys, weights, n_bins=2).tolist() == [1, 0, 0, 0]
    # with 4 bins: raw 0, 0, 1, 3 -> dense 0, 0, 1, 2
    assert equal_frequency_bins(keys, weights, n_bins=4).tolist() == [2, 0, 1, 0]


def test_equal_cells_give_equal_bins() -> None:
    keys = np.arange(100, dtype=np.uint64)
    bins = equal_frequency_bins(keys, np.ones(100, dtype=np.int64), n_bins=10)
    np.testing.assert_array_equal(np.bincount(bins), [10] * 10)


@settings(max_examples=50, deadline=None)
@given(data=cells(zeros=True), heavy=st.integers(0, 39), n_bins=st.integers(4, 32))
def test_a_cell_with_half_the_weight_gets_its_own_bin(
    data: tuple[np.ndarray, np.ndarray], heavy: int, n_bins: int
) -> None:
    keys, weights = data
    if keys.size == 0:
        return
    heavy %= keys.size
    weights = weights.copy()
    weights[heavy] = 0
    weights[heavy] = max(int(weights.sum()), 1)  # at least half of the new total
    bins = equal_frequency_bins(keys, weights, n_bins=n_bins)
    others = (bins == bins[heavy]) & (weights > 0)
    assert others.sum() == 1


def test_heavy_value_in_the_middle() -> None:
    keys = np.arange(11, dtype=np.uint64)
    weights = np.array([1, 1, 1, 1, 1, 50, 1, 1, 1, 1, 1])
    bins = equal_frequency_bins(keys, weights, n_bins=16)
    assert np.count_nonzero(bins == bins[5]) == 1


def test_zero_total_weight() -> None:
    keys = np.array([5, 1, 3], dtype=np.uint64)
    assert equal_frequency_bins(keys, np.zeros(3, dtype=np.int64), n_bins=4).tolist() == [0, 0, 0]


def test_no_cells() -> None:
    out = equal_frequency_bins(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), n_bins=5)
    assert out.shape == (0,)
    assert out.dtype == np.int64


def test_one_bin() -> None:
    keys = np.arange(7, dtype=np.uint64)
    assert equal_frequency_bins(keys, np.arange(1, 8), n_bins=1).tolist() == [0] * 7


@pytest.mark.parametrize("n_bins", [0, -3])
def test_rejects_bad_n_bins(n_bins: int) -> None:
    with pytest.raises(ValueError, match=f"n_bins must be >= 1, got {n_bins}"):
        equal_frequency_bins(np.arange(3, dtype=np.uint64), np.ones(3), n_bins=n_bins)


@settings(max_examples=50, deadline=None)
@given(data=cells(zeros=True), n_bins=st.integers(1, 20))
def test_cells_already_in_key_order_match_reference(data: tuple[np.ndarray, np.ndarray], n_bins: int) -> None:
    # the path that skips the sort (the end of the pass leaves the cells in key order)
    keys, weights = data
    order = np.argsort(keys)
    keys, weights = keys[order], weights[order]
    bins = equal_frequency_bins(keys, weights, n_bins=n_bins)
    assert bins.tolist() == reference.equal_frequency_bins(keys.tolist(), weights.tolist(), n_bins=n_bins)


@settings(max_examples=60, deadline=None)
@given(
    data=cells(zeros=True),
    n_bins=st.integers(1, 20),
    targets=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
@example(data=(np.array([1, 2, 3], dtype=np.uint64), np.array([1, 2, 1])), n_bins=4, targets=1, seed=0)
@example(data=(np.array([7], dtype=np.uint64), np.array([5])), n_bins=3, targets=2, seed=0)
def test_binned_table_is_the_reference_bins_summed(
    data: tuple[np.ndarray, np.ndarray], n_bins: int, targets: int, seed: int
) -> None:
    """The one-pass numeric view: cells in key order binned by the reference's midpoint rule,
    each bin's rows summed by hand, row 0 (missing values) kept, the code map 0 then bin + 1."""
    keys, weights = data
    if keys.size == 0:
        return
    keys = np.sort(keys)
    rng = np.random.default_rng(seed)
    # each cell's weight split over the target columns
    cells = np.array([rng.multinomial(int(w), np.ones(targets) / targets) for w in weights]).reshape(
        -1, targets
    )
    missing = rng.integers(0, 5, (1, targets))
    table = np.concatenate([missing, cells]).astype(np.int64)
    level_keys = np.concatenate([np.zeros(1, dtype=np.uint64), keys])
    result = kernel_binning.binned_table(table, level_keys, n_bins=n_bins)
    assert result is not None
    binned, code_map = result
    expected_bins = reference.equal_frequency_bins(keys.tolist(), cells.sum(axis=1).tolist(), n_bins=n_bins)
    assert code_map.tolist() == [0] + [b + 1 for b in expected_bins]
    sums = [list(missing[0])] + [[0] * targets for _ in range(max(expected_bins) + 1)]
    for cell, b in enumerate(expected_bins):
        for j in range(targets):
            sums[b + 1][j] += int(cells[cell, j])
    assert binned.tolist() == sums


def test_binned_table_declines_keys_out_of_order() -> None:
    table = np.ones((4, 2), dtype=np.int64)
    assert kernel_binning.binned_table(table, np.array([0, 3, 2, 8], dtype=np.uint64), n_bins=2) is None
    assert kernel_binning.binned_table(table, np.array([0, 3, 3, 8], dtype=np.uint64), n_bins=2) is None
    assert kernel_binning.binned_table(table, np.array([0, 2, 3, 8], dtype=np.uint64), n_bins=2) is not None


@settings(max_examples=40, deadline=None)
@given(data=cells(zeros=True), n_bins=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_a_numeric_view_of_cells_out_of_key_order_bins_them_in_key_order(
    data: tuple[np.ndarray, np.ndarray], n_bins: int, seed: int
) -> None:
    """Cells in any order (a pass leaves them in key order): each cell gets the reference's bin
    of its key, and each bin the rows of its cells, as if they had come in key order."""
    keys, weights = data
    if keys.size == 0:
        return
    rng = np.random.default_rng(seed)
    cells = np.stack([weights, rng.integers(0, 4, weights.shape[0])], axis=1).astype(np.int64)
    table = np.concatenate([[[3, 1]], cells]).astype(np.int64)
    level_keys = np.concatenate([np.zeros(1, dtype=np.uint64), keys])
    counts = ColumnCounts("x", Family.INTEGER, table, level_keys, 0, keys.shape[0], True, False)
    (view,) = encode_views(counts, bins=n_bins, forced=FeatureKind.NUMERIC)
    expected = reference.equal_frequency_bins(keys.tolist(), cells.sum(axis=1).tolist(), n_bins=n_bins)
    assert view.code_map is not None
    assert view.code_map.tolist() == [0] + [b + 1 for b in expected]
    sums = [[3, 1]] + [[0, 0] for _ in range(max(expected) + 1)]
    for cell, b in enumerate(expected):
        sums[b + 1] = [sums[b + 1][0] + int(cells[cell, 0]), sums[b + 1][1] + int(cells[cell, 1])]
    assert view.table.tolist() == sums
