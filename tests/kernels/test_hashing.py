"""splitmix64 of arrays, and HyperLogLog distinct counts: accuracy, idempotence under
duplicates, exact mergeability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outrank_cli.kernels.hashing import (
    HLL_REGISTERS,
    hll_add,
    hll_estimate,
    mix64_accumulate,
    mix64_array,
    new_hll,
)

SEEDS = [
    0,
    1,
    42,
    2024,
    -1,
    -12345,
    2**63 - 1,
    2**63,
    -(2**63),
    2**64 - 1,
    2**64,
    2**64 + 7,
    10**30,
    -(10**30),
]


def splitmix64_reference(ids: np.ndarray, seed: int) -> np.ndarray:
    """What ``outrank_cli.count.sample.priorities`` computes in numpy (copied, so that this stays
    the reference whatever becomes of that function)."""
    with np.errstate(over="ignore"):
        x = ids ^ np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


# -- splitmix64 of arrays ---------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_mix64_accumulate_equals_where_xor_mix_and_sum_done_apart(seed: int) -> None:
    rng = np.random.default_rng(seed & 0xFFFF)
    columns = [rng.integers(0, 2**63, 500, dtype=np.int64).astype(np.uint64) for _ in range(4)]
    missing = [rng.random(500) < share for share in (0.0, 0.3, 1.0, 0.5)]
    salts = [np.uint64(s) for s in rng.integers(0, 2**63, 4, dtype=np.int64)]
    salts[0] = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    missing_key = 0x6A09E667F3BCC908
    want = np.zeros(500, dtype=np.uint64)
    got = np.zeros(500, dtype=np.uint64)
    for index, (keys, absent, salt) in enumerate(zip(columns, missing, salts, strict=True)):
        step = np.where(absent, np.uint64(missing_key), keys)
        with np.errstate(over="ignore"):
            want = want + splitmix64_reference(step ^ salt, 0)  # wrapping
        # an empty mask for the column without missing values, as the sample passes it
        mix64_accumulate(got, keys, absent if index else None, missing_key, int(salt))
        np.testing.assert_array_equal(got, want)


def test_mix64_accumulate_refuses_a_total_it_cannot_write_in_place() -> None:
    with pytest.raises(ValueError, match="contiguous uint64"):
        mix64_accumulate(np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.uint64), None, 0, 0)
    with pytest.raises(ValueError, match="contiguous uint64"):
        mix64_accumulate(np.zeros(8, dtype=np.uint64)[::2], np.zeros(4, dtype=np.uint64), None, 0, 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_mix64_array_equals_the_numpy_formula_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(abs(seed) % 2**32)
    values = np.concatenate(
        [
            rng.integers(0, 2**64, 5_000, dtype=np.uint64),
            np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64),
            (np.uint64(3) << np.uint64(40)) + np.arange(1_000, dtype=np.uint64),  # row ids of file 3
        ]
    )
    got = mix64_array(values, seed)
    assert got.dtype == np.uint64
    np.testing.assert_array_equal(got, splitmix64_reference(values, seed))


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 2**64 - 1), max_size=40),
    seed=st.integers(-(2**80), 2**80),
)
def test_mix64_array_equals_the_numpy_formula_for_any_seed(values: list[int], seed: int) -> None:
    array = np.array(values, dtype=np.uint64)
    np.testing.assert_array_equal(mix64_array(array, seed), splitmix64_reference(array, seed))


def test_mix64_array_keeps_the_shape_and_takes_numpy_seeds_and_other_dtypes() -> None:
    values = np.arange(12, dtype=np.uint64).reshape(3, 4)
    want = splitmix64_reference(values, -7)
    np.testing.assert_array_equal(mix64_array(values, -7), want)
    np.testing.assert_array_equal(mix64_array(values, np.int64(-7)), want)
    np.testing.assert_array_equal(mix64_array(values.T, np.uint64(2**64 - 7)), want.T)  # not contiguous
    np.testing.assert_array_equal(mix64_array(values.astype(np.int64), 2**64 - 7), want)
    assert mix64_array(np.zeros(0, dtype=np.uint64), 5).shape == (0,)
    # seeds that differ modulo 2**64 give unrelated values
    assert not np.any(mix64_array(values, 1) == mix64_array(values, 2))


def sketch_of(keys: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    registers = new_hll()
    hll_add(registers, keys, missing)
    return registers


@pytest.mark.parametrize("n", [1_000, 3_000, 10_000, 50_000, 100_000, 300_000, 1_000_000])
@pytest.mark.parametrize("kind", ["consecutive", "random"])
def test_estimate_within_three_percent(n: int, kind: str) -> None:
    if kind == "consecutive":
        keys = np.arange(n, dtype=np.uint64) + np.uint64(12345)
    else:
        keys = np.unique(np.random.default_rng(n).integers(0, 2**63, size=n, dtype=np.uint64))
        n = keys.shape[0]
    estimate = hll_estimate(sketch_of(keys))
    assert abs(estimate - n) <= 0.03 * n, (estimate, n)


def test_empty_sketch_estimates_zero() -> None:
    assert hll_estimate(new_hll()) == 0
    assert new_hll().shape == (HLL_REGISTERS,)


def test_small_counts_are_nearly_exact() -> None:
    for n in (1, 2, 10, 100):
        assert abs(hll_estimate(sketch_of(np.arange(n, dtype=np.uint64))) - n) <= max(1, 0.01 * n)


def test_duplicates_do_not_change_the_sketch() -> None:
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 2**63, size=20_000, dtype=np.uint64)
    once = sketch_of(keys)
    repeated = np.concatenate([keys, keys[::-1], keys[:5000]])
    twice = sketch_of(rng.permutation(repeated))
    np.testing.assert_array_equal(once, twice)
    assert hll_estimate(once) == hll_estimate(twice)
    # adding the same keys again in place is a no-op
    registers = once.copy()
    hll_add(registers, keys)
    np.testing.assert_array_equal(registers, once)


def test_merge_by_maximum_equals_sketch_of_union() -> None:
    rng = np.random.default_rng(1)
    left = rng.integers(0, 2**63, size=40_000, dtype=np.uint64)
    right = np.concatenate([left[:10_000], rng.integers(0, 2**63, size=30_000, dtype=np.uint64)])
    merged = np.maximum(sketch_of(left), sketch_of(right))
    union = sketch_of(np.concatenate([left, right]))
    np.testing.assert_array_equal(merged, union)
    assert hll_estimate(merged) == hll_estimate(union)
    assert abs(hll_estimate(union) - 70_000) <= 0.03 * 70_000


def test_batches_equal_one_pass() -> None:
    keys = np.arange(100_000, dtype=np.uint64) * np.uint64(7919)
    one = sketch_of(keys)
    batched = new_hll()
    for part in np.array_split(keys, 13):
        hll_add(batched, part)
    np.testing.assert_array_equal(one, batched)


def test_missing_rows_are_skipped() -> None:
    keys = np.arange(2000, dtype=np.uint64)
    missing = np.zeros(2000, dtype=np.bool_)
    missing[1000:] = True
    np.testing.assert_array_equal(sketch_of(keys, missing), sketch_of(keys[:1000]))


def test_accepts_other_integer_dtypes() -> None:
    np.testing.assert_array_equal(
        sketch_of(np.arange(500, dtype=np.int64)), sketch_of(np.arange(500, dtype=np.uint64))
    )


def test_rejects_wrong_registers() -> None:
    with pytest.raises(ValueError, match="uint8"):
        hll_add(np.zeros(HLL_REGISTERS, dtype=np.int64), np.arange(3, dtype=np.uint64))
    with pytest.raises(ValueError, match="uint8"):
        hll_add(np.zeros(16, dtype=np.uint8), np.arange(3, dtype=np.uint64))
