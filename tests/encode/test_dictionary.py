"""``HashDictionary``: its direct-address index changes nothing but speed.

A dictionary whose levels' keys lie in a narrow span indexes them directly (key - base ->
code) instead of in hash slots; codes (in order of first sight), levels and counts must be
exactly those of the hash slots, batch by batch, whatever keys fall outside the span later.
"""

from __future__ import annotations

import itertools
from typing import Any
from unittest import mock

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from outrank_cli.count.counter import ColumnCounter
from outrank_cli.encode import dictionary
from outrank_cli.encode.keys import Family, keys_of

N_TARGET = 3


def _counted(
    values: list[int | None], targets: list[int], cuts: list[int], max_levels: int, *, direct: bool
) -> tuple[Any, list[int], bool]:
    """The result, each row's final code, and whether a direct index was ever used."""
    series = pl.Series("x", values, dtype=pl.Int64)
    codes = np.array(targets, dtype=np.int32)
    used = False
    budget = dictionary.DIRECT_SPAN_PER_SLOT if direct else 0
    with mock.patch.object(dictionary, "DIRECT_SPAN_PER_SLOT", budget):
        counter = ColumnCounter("x", Family.INTEGER, max_levels=max_levels, n_target_levels=N_TARGET)
        counter.track_remaps = True
        rows: list[int] = []
        for lo, hi in itertools.pairwise([0, *cuts, len(values)]):
            out = np.full(hi - lo, -7, dtype=np.int32)
            counter.update(keys_of(series[lo:hi], Family.INTEGER), codes[lo:hi], out)
            for remap in counter.pending_remaps:
                rows = [int(c) for c in remap[np.array(rows, dtype=np.int64)]] if rows else []
            counter.pending_remaps.clear()
            rows += out.tolist()
            used = used or (counter.levels is not None and counter.levels.direct)
        counter.finish()
        for remap in counter.pending_remaps:
            rows = [int(c) for c in remap[np.array(rows, dtype=np.int64)]] if rows else []
        return counter.result(), rows, used


spans = st.sampled_from([(0, 40), (0, 400), (-5000, 5000), (10**12, 10**12 + 300)])


@settings(max_examples=80, deadline=None)
@given(data=st.data(), span=spans, far=st.booleans(), max_levels=st.sampled_from([10, 100, 10**6]))
def test_a_direct_index_gives_the_codes_and_counts_of_hash_slots(
    data: Any, span: tuple[int, int], far: bool, max_levels: int
) -> None:
    size = data.draw(st.integers(0, 600))
    value = st.integers(*span)
    if far:  # keys far outside the span, now and then: a new index, or back to hashing
        value = st.one_of(value, st.integers(-(2**63), 2**63 - 1), st.none())
    values = data.draw(st.lists(value, min_size=size, max_size=size))
    targets = data.draw(st.lists(st.integers(-1, N_TARGET - 1), min_size=size, max_size=size))
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=5)))
    hashed, hashed_rows, never = _counted(values, targets, cuts, max_levels, direct=False)
    direct, direct_rows, _ = _counted(values, targets, cuts, max_levels, direct=True)
    assert not never
    np.testing.assert_array_equal(direct.table, hashed.table)
    np.testing.assert_array_equal(direct.level_keys, hashed.level_keys)
    assert direct.key_shift == hashed.key_shift
    assert direct_rows == hashed_rows


def test_integer_ids_are_indexed_directly_and_a_far_key_returns_them_to_hashing() -> None:
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 5_000, 4_000).tolist()
    targets = rng.integers(0, N_TARGET, 4_000).tolist()
    result, rows, used = _counted(ids, targets, [1_000], 10**6, direct=True)
    assert used
    want, want_rows, _ = _counted(ids, targets, [1_000], 10**6, direct=False)
    np.testing.assert_array_equal(result.table, want.table)
    assert rows == want_rows
    counter = ColumnCounter("x", Family.INTEGER, max_levels=10**6, n_target_levels=N_TARGET)
    counter.update(keys_of(pl.Series(ids), Family.INTEGER), np.array(targets, dtype=np.int32))
    assert counter.levels is not None and counter.levels.direct
    counter.update(keys_of(pl.Series([2**62]), Family.INTEGER), np.zeros(1, dtype=np.int32))
    assert not counter.levels.direct  # a span of 2**62 would not fit: hash slots again
    assert counter.result().table[1:, 0].sum() == np.count_nonzero(np.array(targets) == 0) + 1


def test_the_key_order_of_a_direct_index_is_the_argsort_of_the_keys() -> None:
    rng = np.random.default_rng(3)
    counter = ColumnCounter("x", Family.INTEGER, max_levels=10**6, n_target_levels=N_TARGET)
    ids = rng.integers(-300, 3_000, 2_000)
    counter.update(keys_of(pl.Series(ids), Family.INTEGER), np.zeros(2_000, dtype=np.int32))
    levels = counter.levels
    assert levels is not None and levels.direct
    order = levels.key_order()
    assert order is not None and order.dtype == np.int64
    np.testing.assert_array_equal(order, np.argsort(levels.keys(), kind="stable"))
    assert order.shape[0] == np.unique(ids).shape[0]
