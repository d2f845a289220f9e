"""The row sample's storage: two-byte codes while they fit, four from the first code above
65,535, the same rows and codes either way (checked against plain int64 arrays)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from outrank_cli.count.sample import RowSample

WIDE_CODE = 70_000  # above uint16


def _feed(
    sample: RowSample, priorities: np.ndarray, codes: np.ndarray, batch: int, target: np.ndarray | None = None
) -> None:
    """Put rows in batches as the pass does: choose, then the target (default 0) and every column."""
    if target is None:
        target = np.zeros(priorities.shape[0], dtype=np.int32)
    for start in range(0, priorities.shape[0], batch):
        part = slice(start, start + batch)
        rows, slots = sample.choose(priorities[part], target[part])
        sample.put_target(rows, slots, target[part])
        for column in range(codes.shape[0]):
            sample.put_column(column, rows, slots, codes[column, part].astype(np.int32))


def _expected(priorities: np.ndarray, codes: np.ndarray, capacity: int) -> np.ndarray:
    """The ``capacity`` rows of smallest priority, in priority order (the definition)."""
    order = np.argsort(priorities, kind="stable")[:capacity]
    return codes[:, order]


@pytest.fixture
def table() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    n = 5_000
    priorities = rng.permutation(n).astype(np.uint64) * np.uint64(7919)
    narrow = rng.integers(0, 40, n)
    wide = rng.integers(0, 300, n)
    wide[n // 2 :: 97] = rng.integers(WIDE_CODE, WIDE_CODE + 10, wide[n // 2 :: 97].shape[0])  # late
    return priorities, np.stack([narrow, wide])


@pytest.mark.parametrize("expected_rows", [None, 5_000])
@pytest.mark.parametrize("capacity", [5_000, 700])
def test_a_code_above_65535_widens_its_column_and_keeps_every_code(table, capacity, expected_rows):
    priorities, codes = table
    sample = RowSample(2, capacity=capacity, seed=0, expected_rows=expected_rows)
    _feed(sample, priorities, codes, batch=512)
    sample.compact()
    expected = _expected(priorities, codes, capacity)
    assert sample.filled == expected.shape[1]
    for column in range(2):
        np.testing.assert_array_equal(sample.column(column), expected[column])
    assert sample.column(0).dtype == np.uint16  # the narrow column stays two bytes
    if expected[1].max() >= WIDE_CODE:
        assert sample.column(1).dtype == np.int32


def test_a_remap_or_recode_beyond_65535_widens_before_writing(table):
    priorities, codes = table
    codes = codes[:, :1_000] % 50
    priorities = priorities[:1_000]
    sample = RowSample(2, capacity=2_000, seed=0)
    _feed(sample, priorities, codes, batch=300)
    remap = np.arange(50) + 65_500  # codes 36.. land above 65,535
    sample.remap_column(0, remap)
    recode = np.arange(65_600) * 2  # then every code doubles
    sample.finish(recode=[recode, None])
    expected = _expected(priorities, codes, 2_000)
    np.testing.assert_array_equal(sample.column(0), (expected[0] + 65_500) * 2)
    np.testing.assert_array_equal(sample.column(1), expected[1])
    assert (sample.column(0).dtype, sample.column(1).dtype) == (np.int32, np.uint16)


def test_merging_a_wide_sample_into_a_narrow_one_keeps_the_wide_codes(table):
    priorities, codes = table
    half = codes.shape[1] // 2
    first = RowSample(2, capacity=1_500, seed=0)
    second = RowSample(2, capacity=1_500, seed=0)
    _feed(first, priorities[:half], codes[:, :half], batch=400)  # codes < 300 only
    _feed(second, priorities[half:], codes[:, half:], batch=400)  # holds codes >= 70,000
    assert first.column(1).dtype == np.uint16 and second.column(1).dtype == np.int32
    second = pickle.loads(pickle.dumps(second))  # as Dask moves it
    first.merge(second)
    expected = _expected(priorities, codes, 1_500)
    for column in range(2):
        np.testing.assert_array_equal(first.column(column), expected[column])


def test_final_codes_are_int32_and_hand_the_column_back(table):
    priorities, codes = table
    codes = np.vstack([codes, (codes[0] * 7 + 3) % 41])  # a second narrow column, after the first
    sample = RowSample(3, capacity=5_000, seed=0, expected_rows=5_000)
    _feed(sample, priorities, codes, batch=1_000)
    sample.compact()
    expected = _expected(priorities, codes, 5_000)
    bins = np.arange(WIDE_CODE + 10) // 3
    narrow = sample.final_codes(0)
    assert sample.column(0).shape == (0,)  # handed back ...
    np.testing.assert_array_equal(sample.column(2), expected[2])  # ... and no other column
    wide = sample.final_codes(1, bins)
    last = sample.final_codes(2)
    assert narrow.dtype == wide.dtype == last.dtype == np.int32
    assert narrow.flags.c_contiguous and wide.flags.c_contiguous
    np.testing.assert_array_equal(narrow, expected[0])
    np.testing.assert_array_equal(wide, expected[1] // 3)
    np.testing.assert_array_equal(last, expected[2])


@pytest.mark.parametrize("capacity", [5_000, 1_200])
def test_finish_moves_and_recodes_each_column_when_it_is_read(table, capacity):
    """``finish`` orders the target now and each column when it is read, through its end of
    pass map and then the view's map: the same codes as moving everything at once."""
    priorities, codes = table
    codes = np.vstack([codes, (codes[0] * 7 + 3) % 41])
    target = (np.arange(priorities.shape[0]) % 3).astype(np.int32)
    sample = RowSample(3, capacity=capacity, seed=0)
    _feed(sample, priorities, codes, 700, target)
    first = np.arange(40)[::-1] * 3  # code -> 117 - 3 code
    third = np.arange(41) + 65_530  # codes 6.. land above 65,535
    sample.finish(recode=[first, None, third])
    order = np.argsort(priorities, kind="stable")[:capacity]
    np.testing.assert_array_equal(sample.target_codes(), target[order])
    bins = np.arange(200) // 2
    np.testing.assert_array_equal(sample.final_codes(0, bins), bins[117 - 3 * codes[0, order]])
    np.testing.assert_array_equal(sample.column(2), codes[2, order] + 65_530)  # moved on reading
    assert sample.column(2).dtype == np.int32
    moved = pickle.loads(pickle.dumps(sample))  # as Dask moves it: every column moved first
    np.testing.assert_array_equal(moved.column(1), codes[1, order])
    np.testing.assert_array_equal(sample.final_codes(1), codes[1, order])
    np.testing.assert_array_equal(sample.final_codes(2), codes[2, order] + 65_530)


@pytest.mark.parametrize("capacity", [5_000, 1_200])
def test_stored_codes_read_as_the_final_codes_without_moving_them(table, capacity):
    """``stored`` describes a column's final codes where they are (``then[first[row[p]]]`` is
    sample row ``slots[p]``'s code): the codes ``final_codes`` then makes, for a column not
    yet moved and for one moved before, and nothing is handed back on the way."""
    priorities, codes = table
    codes = np.vstack([codes, (codes[0] * 7 + 3) % 41])
    target = (np.arange(priorities.shape[0]) % 3).astype(np.int32)
    sample = RowSample(3, capacity=capacity, seed=0)
    _feed(sample, priorities, codes, 700, target)
    sample.finish(recode=[np.arange(40)[::-1] * 3, None, None])
    order = np.argsort(priorities, kind="stable")[:capacity]
    bins = (np.arange(200) // 2).astype(np.int32)
    moved = sample.column(2).copy()  # column 2 is moved on reading

    def made(row, slots, first, then):
        values = row.astype(np.int64)
        values = values if first is None else first[values]
        values = values if then is None else then[values]
        if slots is None:
            return values
        out = np.full(capacity, -1)
        out[slots[slots >= 0]] = values[slots >= 0]
        assert (out >= 0).all() and np.count_nonzero(slots >= 0) == capacity
        return out

    expected = {0: bins[117 - 3 * codes[0, order]], 1: codes[1, order], 2: bins[moved]}
    for column, recode in ((0, bins), (1, None), (2, bins)):
        row, slots, first, then = sample.stored(column, recode)
        assert (slots is None) == (column == 2)
        np.testing.assert_array_equal(made(row, slots, first, then), expected[column])
    np.testing.assert_array_equal(sample.final_codes(0, bins), bins[117 - 3 * codes[0, order]])
    np.testing.assert_array_equal(sample.final_codes(2, bins), bins[moved])


@pytest.mark.parametrize("capacity", [5_000, 1_200])
def test_narrow_final_codes_stay_uint16_where_they_fit(table, capacity):
    """With ``narrow``, a ``uint16`` column whose mapped codes all fit comes back as ``uint16``
    (its own storage, rewritten), with the same codes as the ``int32`` result; a map past
    65,535 or a wide column still gives ``int32``. After ``finish`` (gathered on reading) and
    for a column moved before (read with ``column``) alike."""
    priorities, codes = table
    codes = np.vstack([codes, (codes[0] * 7 + 3) % 41, codes[0], (codes[0] * 7 + 3) % 41])
    target = (np.arange(priorities.shape[0]) % 3).astype(np.int32)
    sample = RowSample(5, capacity=capacity, seed=0, expected_rows=priorities.shape[0])
    _feed(sample, priorities, codes, 700, target)
    first = np.arange(40)[::-1] * 3  # code -> 117 - 3 code
    sample.finish(recode=[first, None, None, first, None])
    order = np.argsort(priorities, kind="stable")[:capacity]
    expected = [117 - 3 * codes[0, order], codes[1, order], codes[2, order], 117 - 3 * codes[3, order]]
    bins = np.arange(200) // 2
    assert sample.column(3).dtype == np.uint16  # moved on reading, before its final codes

    fitted = sample.final_codes(0, bins, narrow=True)
    assert fitted.dtype == np.uint16 and fitted.flags.c_contiguous
    np.testing.assert_array_equal(fitted, bins[expected[0]])
    assert sample.column(0).shape == (0,)  # handed over
    far = sample.final_codes(2, np.arange(41) + 65_530, narrow=True)  # a map past 65,535
    assert far.dtype == np.int32
    np.testing.assert_array_equal(far, expected[2] + 65_530)
    wide = sample.final_codes(1, narrow=True)  # holds codes above 65,535
    np.testing.assert_array_equal(wide, expected[1])
    assert wide.dtype == (np.int32 if expected[1].max() > 65_535 else np.uint16)
    moved = sample.final_codes(3, bins, narrow=True)
    assert moved.dtype == np.uint16
    np.testing.assert_array_equal(moved, bins[expected[3]])
    assert sample.column(4).dtype == np.uint16  # moved, then a map past 65,535
    moved_far = sample.final_codes(4, np.arange(41) + 65_530, narrow=True)
    assert moved_far.dtype == np.int32
    np.testing.assert_array_equal(moved_far, codes[4, order] + 65_530)
    # every narrow result is still intact once all columns were converted
    np.testing.assert_array_equal(fitted, bins[expected[0]])
