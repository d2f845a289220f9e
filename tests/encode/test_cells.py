"""Count-row helpers of ``encode.cells`` against numpy's own (slower) reductions and sort."""

from __future__ import annotations

import numpy as np
import pytest

from outrank_cli.encode.cells import column_totals, row_totals, sorted_order


@pytest.mark.parametrize("shape", [(0, 2), (1, 1), (7, 3), (65_537, 2), (5, 0)])
def test_totals_equal_numpy_sums(shape: tuple[int, int]) -> None:
    table = np.random.default_rng(1).integers(0, 1_000, size=shape, dtype=np.int64)
    np.testing.assert_array_equal(row_totals(table), table.sum(axis=1))
    np.testing.assert_array_equal(column_totals(table), table.sum(axis=0))
    assert row_totals(table).dtype == column_totals(table).dtype == np.int64


def test_row_totals_of_a_view_leave_the_table_alone() -> None:
    table = np.arange(12, dtype=np.int64).reshape(4, 3)
    before = table.copy()
    np.testing.assert_array_equal(row_totals(table[1:]), [12, 21, 30])
    np.testing.assert_array_equal(table, before)


def _integer_keys(values: np.ndarray) -> np.ndarray:
    return values.astype(np.int64).view(np.uint64) ^ np.uint64(1 << 63)


@pytest.mark.parametrize(
    "keys",
    [
        np.zeros(0, dtype=np.uint64),
        np.array([7], dtype=np.uint64),
        _integer_keys(np.random.default_rng(2).permutation(100_000)[:60_000] - 50_000),  # direct
        _integer_keys(np.random.default_rng(4).choice(100_000, 8_000, replace=False)),  # direct, span 12x
        np.random.default_rng(3).integers(0, 2**63, size=5_000, dtype=np.uint64),  # sparse: argsort
        np.array([2**64 - 1, 0, 2**63], dtype=np.uint64),
    ],
)
def test_sorted_order_is_the_argsort_of_distinct_keys(keys: np.ndarray) -> None:
    np.testing.assert_array_equal(sorted_order(keys), np.argsort(keys))
