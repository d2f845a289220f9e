"""Count-row helpers of ``encode.cells`` against numpy's own (slower) reductions and sort."""

from __future__ import annotations

import numpy as np
import pytest

from outrank_cli.encode.cells import column_totals, row_totals, sorted_order, sum_rows


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


def test_sum_rows_adds_each_row_into_its_index() -> None:
    rng = np.random.default_rng(7)
    rows = rng.integers(0, 2**50, (500, 3))  # sums past 2**53: exact all the same
    index = rng.integers(0, 9, 500)
    want = [[0] * 3 for _ in range(10)]
    for row, i in zip(rows.tolist(), index.tolist(), strict=True):
        for j in range(3):
            want[i][j] += row[j]
    assert sum_rows(rows, index, 10).tolist() == want  # row 9 stays empty
    assert sum_rows(rows[:0], index[:0], 2).tolist() == [[0, 0, 0], [0, 0, 0]]


def test_sum_rows_rejects_an_index_outside_the_output() -> None:
    with pytest.raises(ValueError, match=r"index must lie in 0\.\.1, got 0\.\.2"):
        sum_rows(np.ones((2, 1), dtype=np.int64), np.array([0, 2]), 2)
