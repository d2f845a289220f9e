"""Column keys (``outrank_cli.encode.keys``) and the dictionary-encoding kernels under the counter."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outrank_cli.encode.keys import (
    Family,
    family_of,
    float_order_keys,
    integer_order_keys,
    key_to_value,
    keys_of,
)
from outrank_cli.kernels import encoding

SPECIAL_FLOATS = [
    0.0,
    -0.0,
    math.inf,
    -math.inf,
    5e-324,
    -5e-324,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    1.0,
    -1.0,
    2.2250738585072014e-308,
]


# -- order keys -------------------------------------------------------------------------------
def assert_same_order(keys: np.ndarray, values: np.ndarray) -> None:
    np.testing.assert_array_equal(np.argsort(keys, kind="stable"), np.argsort(values, kind="stable"))
    # and pairwise: equal values <-> equal keys, less <-> less
    order = np.argsort(values, kind="stable")
    v, k = values[order], keys[order]
    np.testing.assert_array_equal(v[1:] == v[:-1], k[1:] == k[:-1])
    assert np.all(k[1:] >= k[:-1])


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.one_of(st.floats(allow_nan=False), st.sampled_from(SPECIAL_FLOATS)), max_size=60))
def test_float_order_keys_preserve_order(values: list[float]) -> None:
    array = np.array(values, dtype=np.float64)
    keys = float_order_keys(array)
    assert keys.keys.dtype == np.uint64
    assert keys.missing.size == 0
    assert_same_order(keys.keys, array)


def test_float_order_keys_on_random_floats() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [
            rng.standard_normal(5000) * 10.0 ** rng.integers(-300, 300, 5000),
            np.array(SPECIAL_FLOATS),
        ]
    )
    rng.shuffle(values)
    assert_same_order(float_order_keys(values).keys, values)


def test_negative_zero_is_zero() -> None:
    keys = float_order_keys(np.array([-0.0, 0.0])).keys
    assert keys[0] == keys[1]


def test_nan_and_null_are_missing() -> None:
    keys = keys_of(pl.Series([1.0, None, math.nan, -2.0], dtype=pl.Float64), Family.FLOAT)
    np.testing.assert_array_equal(keys.missing, [False, True, True, False])
    assert float_order_keys(np.array([math.nan, 1.0])).missing.tolist() == [True, False]
    keys = keys_of(pl.Series(["a", None, "b"]), Family.STRING)
    np.testing.assert_array_equal(keys.missing, [False, True, False])
    keys = keys_of(pl.Series([3, None, 4], dtype=pl.Int32), Family.INTEGER)
    np.testing.assert_array_equal(keys.missing, [False, True, False])
    keys = keys_of(pl.Series([True, None, False]), Family.BOOLEAN)
    np.testing.assert_array_equal(keys.missing, [False, True, False])
    keys = keys_of(pl.Series([1.5, None], dtype=pl.Float32), Family.FLOAT)
    np.testing.assert_array_equal(keys.missing, [False, True])


def test_nothing_missing_gives_an_empty_mask() -> None:
    assert keys_of(pl.Series([1.0, 2.0]), Family.FLOAT).missing.size == 0
    assert keys_of(pl.Series(["a"]), Family.STRING).missing.size == 0
    assert keys_of(pl.Series([1, 2]), Family.INTEGER).missing.size == 0


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(allow_nan=False), st.sampled_from(SPECIAL_FLOATS)),
        min_size=1,
        max_size=30,
    )
)
def test_key_to_value_inverts_float_keys(values: list[float]) -> None:
    keys = keys_of(pl.Series(values, dtype=pl.Float64), Family.FLOAT).keys
    for key, value in zip(keys, values, strict=True):
        back = key_to_value(int(key), Family.FLOAT)
        assert back == value  # -0.0 == 0.0
        assert not math.copysign(1.0, back) < 0 or value != 0.0  # -0.0 comes back as 0.0


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=30))
def test_integer_order_keys_preserve_order_and_invert(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    keys = keys_of(pl.Series(values, dtype=pl.Int64), Family.INTEGER).keys
    np.testing.assert_array_equal(keys, integer_order_keys(array))
    assert_same_order(keys, array)
    for key, value in zip(keys, values, strict=True):
        assert key_to_value(int(key), Family.INTEGER) == float(value)


@pytest.mark.parametrize(
    "dtype", [pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64]
)
def test_key_to_value_inverts_every_integer_dtype(dtype: pl.DataType) -> None:
    values = [0, 1, 2, 7, 100]
    keys = keys_of(pl.Series(values, dtype=dtype), Family.INTEGER).keys
    assert_same_order(keys, np.array(values))
    assert [key_to_value(int(k), Family.INTEGER) for k in keys] == [float(v) for v in values]


def test_unsigned_integer_keys_keep_order_below_2_63_and_stay_distinct_above() -> None:
    values = [0, 2**62, 2**63 - 1, 2**63, 2**64 - 1]
    keys = keys_of(pl.Series(values, dtype=pl.UInt64), Family.INTEGER).keys
    assert_same_order(keys[:3], np.array(values[:3], dtype=np.uint64))
    assert len(set(keys.tolist())) == len(values)


def test_temporal_keys_follow_time_order() -> None:
    dates = [dt.date(2020, 1, 2), dt.date(1969, 12, 31), dt.date(2020, 1, 1), None]
    keys = keys_of(pl.Series(dates, dtype=pl.Date), Family.INTEGER)
    assert keys.missing.tolist() == [False, False, False, True]
    assert keys.keys[1] < keys.keys[2] < keys.keys[0]
    # a date's key inverts to its day number
    assert key_to_value(int(keys.keys[2]), Family.INTEGER) == float(
        (dt.date(2020, 1, 1) - dt.date(1970, 1, 1)).days
    )
    stamps = pl.Series([dt.datetime(2021, 5, 1, 12), dt.datetime(2021, 5, 1, 11)])
    k = keys_of(stamps, Family.INTEGER).keys
    assert k[1] < k[0]


def test_boolean_keys() -> None:
    keys = keys_of(pl.Series([False, True, None]), Family.BOOLEAN)
    assert keys.keys[:2].tolist() == [0, 1]
    assert keys.missing.tolist() == [False, False, True]


def test_string_keys_equal_for_equal_strings_and_categoricals() -> None:
    words = ["apple", "pear", "apple", "", "plum"]
    plain = keys_of(pl.Series(words), Family.STRING).keys
    assert plain[0] == plain[2]
    assert len(set(plain.tolist())) == 4
    categorical = keys_of(pl.Series(words, dtype=pl.Categorical), Family.STRING).keys
    np.testing.assert_array_equal(plain, categorical)
    # batch boundaries do not change a string's key
    np.testing.assert_array_equal(keys_of(pl.Series(words[3:]), Family.STRING).keys, plain[3:])


@pytest.mark.parametrize(
    ("dtype", "family"),
    [
        (pl.Boolean, Family.BOOLEAN),
        (pl.Float32, Family.FLOAT),
        (pl.Float64, Family.FLOAT),
        (pl.Int8, Family.INTEGER),
        (pl.UInt64, Family.INTEGER),
        (pl.Date, Family.INTEGER),
        (pl.Datetime("us"), Family.INTEGER),
        (pl.String, Family.STRING),
        (pl.Categorical(), Family.STRING),
        (pl.Null, Family.STRING),
        (pl.Decimal(10, 2), Family.FLOAT),
    ],
)
def test_family_of(dtype: pl.DataType, family: Family) -> None:
    assert family_of(dtype) is family


def test_family_of_unsupported() -> None:
    assert family_of(pl.List(pl.Int64)) is None
    assert family_of(pl.Struct({"a": pl.Int64})) is None


def test_family_ordered() -> None:
    assert Family.INTEGER.ordered and Family.FLOAT.ordered
    assert not Family.STRING.ordered and not Family.BOOLEAN.ordered


# -- encoding kernels -------------------------------------------------------------------------
class Dictionary:
    """The arrays ``encode_count`` works on, sized for ``n_slots``."""

    def __init__(self, n_slots: int, n_target: int) -> None:
        self.slot_keys = np.zeros(n_slots, dtype=np.uint64)
        self.slot_codes = np.full(n_slots, encoding.EMPTY_SLOT, dtype=np.int32)
        self.level_keys = np.zeros(n_slots // 2 + 1, dtype=np.uint64)
        self.counts = np.zeros((n_slots // 2 + 1, n_target), dtype=np.int64)
        self.n_levels = np.zeros(1, dtype=np.int64)

    def encode(
        self,
        keys: np.ndarray,
        targets: np.ndarray,
        *,
        start: int = 0,
        max_levels: int = 10**6,
        missing: np.ndarray | None = None,
        key_shift: int = 0,
        out: np.ndarray | None = None,
    ) -> tuple[int, int]:
        return encoding.encode_count(
            keys,
            np.zeros(0, dtype=np.bool_) if missing is None else missing,
            targets,
            start=start,
            key_shift=key_shift,
            slot_keys=self.slot_keys,
            slot_codes=self.slot_codes,
            level_keys=self.level_keys,
            n_levels_box=self.n_levels,
            max_levels=max_levels,
            counts=self.counts,
            out_codes=out,
        )


def test_encode_count_codes_in_order_of_first_sight() -> None:
    d = Dictionary(64, 2)
    keys = np.array([50, 7, 50, 9, 7, 7], dtype=np.uint64)
    targets = np.array([0, 1, 1, 0, -1, 1], dtype=np.int32)
    out = np.full(6, -5, dtype=np.int32)
    assert d.encode(keys, targets, out=out) == (6, encoding.STATUS_DONE)
    assert out.tolist() == [1, 2, 1, 3, 2, 2]
    assert d.n_levels[0] == 3
    assert d.level_keys[1:4].tolist() == [50, 7, 9]
    # target -1 rows take a code but are not counted
    np.testing.assert_array_equal(d.counts[:4], [[0, 0], [1, 1], [0, 2], [1, 0]])


def test_encode_count_missing_rows_get_code_zero() -> None:
    d = Dictionary(64, 1)
    keys = np.array([5, 6, 5], dtype=np.uint64)
    missing = np.array([False, True, False])
    out = np.empty(3, dtype=np.int32)
    d.encode(keys, np.zeros(3, dtype=np.int32), missing=missing, out=out)
    assert out.tolist() == [1, 0, 1]
    assert d.counts[:2, 0].tolist() == [1, 2]
    assert d.n_levels[0] == 1


def test_encode_count_key_shift_merges_keys() -> None:
    d = Dictionary(64, 1)
    keys = np.array([0b1000, 0b1011, 0b0100, 0b1111], dtype=np.uint64)
    out = np.empty(4, dtype=np.int32)
    d.encode(keys, np.zeros(4, dtype=np.int32), key_shift=2, out=out)
    assert out.tolist() == [1, 1, 2, 3]
    assert d.level_keys[1:4].tolist() == [0b10, 0b01, 0b11]


def test_encode_count_stops_for_growth_and_resumes() -> None:
    d = Dictionary(8, 1)  # rows 0..4: room for codes 1..4
    keys = np.arange(100, 110, dtype=np.uint64)
    targets = np.zeros(10, dtype=np.int32)
    out = np.empty(10, dtype=np.int32)
    row, status = d.encode(keys, targets, out=out)
    assert status == encoding.STATUS_GROW
    assert row == d.n_levels[0] == 4
    # grow as the counter does: a bigger table, levels re-inserted
    bigger = Dictionary(32, 1)
    bigger.level_keys[:5] = d.level_keys[:5]
    bigger.counts[:5] = d.counts[:5]
    bigger.n_levels[0] = 4
    encoding.insert_levels(bigger.level_keys, 4, bigger.slot_keys, bigger.slot_codes)
    assert bigger.encode(keys, targets, start=row, out=out) == (10, encoding.STATUS_DONE)
    assert out.tolist() == list(range(1, 11))
    assert bigger.counts[1:11, 0].tolist() == [1] * 10


def test_encode_count_reports_overflow_at_the_first_new_level() -> None:
    d = Dictionary(64, 1)
    keys = np.array([1, 2, 1, 2, 3, 1], dtype=np.uint64)
    row, status = d.encode(keys, np.zeros(6, dtype=np.int32), max_levels=2)
    assert (row, status) == (4, encoding.STATUS_OVERFLOW)
    assert d.n_levels[0] == 2
    # nothing from the overflowing row on was counted
    assert d.counts[1:3, 0].tolist() == [2, 2]


@settings(max_examples=30, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**64 - 1), max_size=50),
    n_buckets=st.integers(1, 20),
)
def test_fold_count_agrees_with_bucket_of(keys: list[int], n_buckets: int) -> None:
    array = np.array(keys, dtype=np.uint64)
    buckets = encoding.bucket_of(array, n_buckets=n_buckets)
    assert buckets.dtype == np.int64
    assert np.all((buckets >= 1) & (buckets <= n_buckets))
    missing = np.arange(array.shape[0]) % 5 == 0
    targets = (np.arange(array.shape[0]) % 3 - 1).astype(np.int32)  # -1, 0, 1
    counts = np.zeros((n_buckets + 1, 2), dtype=np.int64)
    encoding.fold_count(array, missing, targets, n_buckets=n_buckets, counts=counts)
    expected = np.zeros_like(counts)
    rows = np.where(missing, 0, buckets)
    for r, t in zip(rows, targets, strict=True):
        if t >= 0:
            expected[r, t] += 1
    np.testing.assert_array_equal(counts, expected)


def test_bucket_of_is_deterministic_and_spreads() -> None:
    keys = np.arange(10_000, dtype=np.uint64)
    buckets = encoding.bucket_of(keys, n_buckets=8)
    np.testing.assert_array_equal(buckets, encoding.bucket_of(keys, n_buckets=8))
    share = np.bincount(buckets, minlength=9)[1:] / keys.shape[0]
    assert np.all(np.abs(share - 1 / 8) < 0.02)


def test_float_key_kernel_equals_the_numpy_formula() -> None:
    rng = np.random.default_rng(5)
    special = [0.0, -0.0, math.inf, -math.inf, 5e-324, -5e-324, 1.7976931348623157e308, math.nan]
    values = np.concatenate([rng.normal(size=5_000) * 10.0 ** rng.integers(-300, 300, 5_000), special])
    summed = values + 0.0
    bits = summed.view(np.uint64)
    sign = np.uint64(1 << 63)
    expected = np.where((bits & sign) != 0, ~bits, bits | sign)
    result = float_order_keys(values)
    nan = np.isnan(values)
    np.testing.assert_array_equal(result.keys[~nan], expected[~nan])
    assert result.missing.tolist() == nan.tolist()
    assert float_order_keys(values[~nan]).missing.size == 0


# -- the direct-address index ------------------------------------------------------------------
def _direct(span: int, base: int, rows: int, n_target: int) -> dict[str, object]:
    return {
        "base": base,
        "index": np.full(span, encoding.EMPTY_SLOT, dtype=np.int32),
        "level_keys": np.zeros(rows, dtype=np.uint64),
        "n_levels_box": np.zeros(1, dtype=np.int64),
        "counts": np.zeros((rows, n_target), dtype=np.int64),
    }


@pytest.mark.parametrize("seed", range(4))
def test_the_direct_index_codes_and_counts_as_the_hash_table(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = 2**63 - 50
    keys = (rng.integers(0, 300, 2_000) + base).astype(np.uint64)
    missing = rng.random(2_000) < 0.05
    targets = rng.integers(-1, 3, 2_000).astype(np.int32)
    hashed = Dictionary(1024, 3)
    want = np.empty(2_000, dtype=np.int32)
    assert hashed.encode(keys, targets, missing=missing, out=want) == (2_000, encoding.STATUS_DONE)
    d = _direct(300, base, 513, 3)
    got = np.empty(2_000, dtype=np.int32)
    status = encoding.encode_count_direct(
        keys, missing, targets, start=0, key_shift=0, max_levels=10**6, out_codes=got, **d
    )
    assert status == (2_000, encoding.STATUS_DONE)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(d["level_keys"], hashed.level_keys[:513])
    np.testing.assert_array_equal(d["counts"], hashed.counts[:513])
    # the index holds each level's code at its key
    n = int(d["n_levels_box"][0])
    np.testing.assert_array_equal(
        d["index"][(d["level_keys"][1 : n + 1] - np.uint64(base)).astype(np.int64)], np.arange(1, n + 1)
    )


def test_the_direct_index_stops_at_a_key_outside_it_with_the_rows_before_counted() -> None:
    keys = np.array([10, 12, 10, 9, 11], dtype=np.uint64) << np.uint64(2)
    targets = np.array([0, 1, 1, 0, 0], dtype=np.int32)
    d = _direct(3, 10, 8, 2)  # keys 10, 11, 12 (after the shift)
    out = np.full(5, -5, dtype=np.int32)
    status = encoding.encode_count_direct(
        keys, np.zeros(0, dtype=np.bool_), targets, start=0, key_shift=2, max_levels=100, out_codes=out, **d
    )
    assert status == (3, encoding.STATUS_SPAN)  # 9 is below the index
    assert out[:3].tolist() == [1, 2, 1] and d["n_levels_box"][0] == 2
    np.testing.assert_array_equal(d["counts"][:3], [[0, 0], [1, 1], [0, 1]])
    assert d["index"].tolist() == [1, encoding.EMPTY_SLOT, 2]


@pytest.mark.parametrize("n", [0, 1, 2, 7, 300])
@pytest.mark.parametrize("seed", range(3))
def test_permute_levels_moves_keys_and_rows_as_fancy_indexing(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 2**63, n + 5, dtype=np.int64).astype(np.uint64)  # room past the levels
    counts = rng.integers(0, 100, (n + 5, 3)).astype(np.int64)
    order = rng.permutation(n).astype(np.int64)
    want_keys, want_counts = keys.copy(), counts.copy()
    want_keys[1 : n + 1] = keys[1 : n + 1][order]
    want_counts[1 : n + 1] = counts[1 : n + 1][order]
    given_order = order.copy()
    encoding.permute_levels(keys, counts, order)
    np.testing.assert_array_equal(keys, want_keys)
    np.testing.assert_array_equal(counts, want_counts)
    np.testing.assert_array_equal(order, given_order)  # the scratch marks are undone
