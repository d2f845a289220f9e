"""``ColumnCounter``: counts equal a direct contingency table, whatever the order or batching.

DESIGN invariant 2/4: the final counts depend only on the multiset of rows, never on their
order or on batch boundaries, including after folding (strings) or coarsening (numbers).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from outrank_cli.count.counter import ColumnCounter
from outrank_cli.encode.dictionary import expected_distinct
from outrank_cli.encode.features import ColumnCounts
from outrank_cli.encode.keys import Family, key_to_value, keys_of
from outrank_cli.kernels import encoding

N_TARGET = 3
DTYPES = {
    Family.STRING: pl.String,
    Family.INTEGER: pl.Int64,
    Family.FLOAT: pl.Float64,
    Family.BOOLEAN: pl.Boolean,
}

WORDS = [f"w{i}" for i in range(20)]
value_strategies = {
    Family.STRING: st.one_of(st.none(), st.sampled_from(WORDS), st.text("abc", max_size=3)),
    Family.INTEGER: st.one_of(st.none(), st.integers(-40, 40), st.integers(-(2**63), 2**63 - 1)),
    Family.FLOAT: st.one_of(
        st.none(),
        st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1.5, -1.5]),
        st.floats(-1e6, 1e6),
        st.floats(allow_nan=True),
    ),
    Family.BOOLEAN: st.one_of(st.none(), st.booleans()),
}


@st.composite
def columns(draw: Any, family: Family, min_size: int = 0, max_size: int = 80) -> tuple[list[Any], list[int]]:
    # draw the size first: hypothesis' own list sizes lean small, and the cap tests need
    # columns with more distinct values than the cap
    size = draw(st.integers(min_size, max_size))
    values = draw(st.lists(value_strategies[family], min_size=size, max_size=size))
    targets = draw(st.lists(st.integers(-1, N_TARGET - 1), min_size=len(values), max_size=len(values)))
    return values, targets


def cuts_for(data: Any, n: int) -> list[int]:
    return sorted(data.draw(st.lists(st.integers(0, n), max_size=6)))


def count(
    values: list[Any],
    targets: list[int],
    family: Family,
    *,
    max_levels: int,
    cuts: list[int] | None = None,
    order: np.ndarray | None = None,
    n_target: int = N_TARGET,
) -> ColumnCounts:
    series = pl.Series("x", values, dtype=DTYPES[family])
    codes = np.array(targets, dtype=np.int32)
    if order is not None:
        series = series.gather(order) if len(values) else series
        codes = codes[order]
    counter = ColumnCounter("x", family, max_levels=max_levels, n_target_levels=n_target)
    bounds = [0, *(cuts or []), len(values)]
    for lo, hi in itertools.pairwise(bounds):
        counter.update(keys_of(series[lo:hi], family), codes[lo:hi])
    return counter.result()


def all_keys(values: list[Any], family: Family) -> tuple[np.ndarray, np.ndarray]:
    keys = keys_of(pl.Series("x", values, dtype=DTYPES[family]), family)
    missing = keys.missing if keys.missing.size else np.zeros(len(values), dtype=np.bool_)
    return keys.keys, missing


def expected_rows(result: ColumnCounts, values: list[Any], family: Family, max_levels: int) -> np.ndarray:
    """The table row of every input row, derived from the keys alone."""
    keys, missing = all_keys(values, family)
    if result.folded:
        rows = encoding.bucket_of(keys, n_buckets=max_levels)
    else:
        code_of = {int(k): code for code, k in enumerate(result.level_keys) if code > 0}
        cells = keys >> np.uint64(result.key_shift)
        rows = np.array([code_of.get(int(c), -99) for c in cells], dtype=np.int64)
    rows = np.where(missing, 0, rows)
    assert np.all(rows >= 0), "a non-missing row has no level"
    return rows


def direct_table(rows: np.ndarray, targets: list[int], n_rows: int, n_target: int = N_TARGET) -> np.ndarray:
    table = np.zeros((n_rows, n_target), dtype=np.int64)
    for r, t in zip(rows, targets, strict=True):
        if t >= 0:
            table[r, t] += 1
    return table


def canonical(value: Any) -> Any:
    """None for missing (null, NaN); -0.0 as 0.0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value == 0.0:
        return 0.0
    return value


def numpy_contingency(values: list[Any], targets: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(missing row, level rows sorted lexicographically) by plain numpy."""
    labels = [canonical(v) for v in values]
    present = [i for i, v in enumerate(labels) if v is not None]
    missing_row = np.zeros(N_TARGET, dtype=np.int64)
    for i, t in enumerate(targets):
        if labels[i] is None and t >= 0:
            missing_row[t] += 1
    if not present:
        return missing_row, np.zeros((0, N_TARGET), dtype=np.int64)
    # np.unique on an object array of one type; inverse gives the level of each row
    level_values = np.array([repr(labels[i]) for i in present])
    _, inverse = np.unique(level_values, return_inverse=True)
    table = np.zeros((inverse.max() + 1, N_TARGET), dtype=np.int64)
    for row, i in zip(inverse, present, strict=True):
        if targets[i] >= 0:
            table[row, targets[i]] += 1
    return missing_row, sort_rows(table)


def sort_rows(table: np.ndarray) -> np.ndarray:
    if table.shape[0] == 0:
        return table
    return table[np.lexsort(table.T[::-1])]


def by_level(result: ColumnCounts) -> dict[int, tuple[int, ...]]:
    """Level key -> count row (plus the missing row under key -1): a labelling-free view."""
    if result.folded:
        return {code: tuple(row) for code, row in enumerate(result.table.tolist())}
    out = {
        int(k): tuple(row) for k, row in zip(result.level_keys[1:], result.table[1:].tolist(), strict=True)
    }
    out[-1] = tuple(result.table[0].tolist())
    assert len(out) == result.table.shape[0], "level keys are not distinct"
    return out


def n_distinct(values: list[Any], family: Family) -> int:
    keys, missing = all_keys(values, family)
    return len(set(keys[~missing].tolist()))


def minimal_shift(values: list[Any], family: Family, max_levels: int) -> int:
    keys, missing = all_keys(values, family)
    present = keys[~missing]
    shift = 0
    while np.unique(present >> np.uint64(shift)).shape[0] > max_levels:
        shift += 1
    return shift


def assert_same_result(a: ColumnCounts, b: ColumnCounts) -> None:
    assert a.folded == b.folded
    assert a.key_shift == b.key_shift
    assert a.distinct == b.distinct
    assert a.distinct_exact == b.distinct_exact
    assert by_level(a) == by_level(b)


# -- exact counting ---------------------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(data=st.data(), family=st.sampled_from(list(Family)))
def test_exact_counts_equal_direct_table(data: Any, family: Family) -> None:
    values, targets = data.draw(columns(family))
    cuts = cuts_for(data, len(values))
    result = count(values, targets, family, max_levels=1000, cuts=cuts)
    assert not result.folded
    assert result.key_shift == 0
    assert result.distinct_exact
    assert result.distinct == n_distinct(values, family)
    assert result.table.shape == (result.distinct + 1, N_TARGET)
    rows = expected_rows(result, values, family, 1000)
    np.testing.assert_array_equal(result.table, direct_table(rows, targets, result.table.shape[0]))
    # the same counts, level labels aside, from plain numpy on the values
    missing_row, levels = numpy_contingency(values, targets)
    np.testing.assert_array_equal(result.table[0], missing_row)
    np.testing.assert_array_equal(sort_rows(result.table[1:]), levels)


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3), st.integers(-5, 5).map(float)), max_size=60),
    data=st.data(),
)
def test_float_levels_map_back_to_values(values: list[float | None], data: Any) -> None:
    targets = data.draw(st.lists(st.integers(0, N_TARGET - 1), min_size=len(values), max_size=len(values)))
    result = count(values, targets, Family.FLOAT, max_levels=1000)
    expected: dict[float, Counter[int]] = {}
    for v, t in zip(values, targets, strict=True):
        if canonical(v) is not None:
            expected.setdefault(canonical(v), Counter())[t] += 1
    got = {
        key_to_value(int(k), Family.FLOAT): result.table[code]
        for code, k in enumerate(result.level_keys)
        if code > 0
    }
    assert set(got) == set(expected)
    for value, row in got.items():
        assert row.tolist() == [expected[value][t] for t in range(N_TARGET)]


def test_missing_values_go_to_row_zero() -> None:
    values = ["a", None, "b", None, "a", None]
    targets = [0, 1, 1, 1, 2, -1]
    result = count(values, targets, Family.STRING, max_levels=100)
    assert result.table[0].tolist() == [0, 2, 0]
    assert result.distinct == 2
    floats = count([1.0, math.nan, None, 2.0], [0, 0, 1, 1], Family.FLOAT, max_levels=100)
    assert floats.table[0].tolist() == [1, 1, 0]
    assert floats.distinct == 2


def test_dropped_target_rows_are_levels_without_counts() -> None:
    result = count(["a", "b"], [0, -1], Family.STRING, max_levels=10)
    assert result.distinct == 2
    assert sorted(result.table.sum(axis=1).tolist()) == [0, 0, 1]


def test_many_levels_grow_the_dictionary() -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(-(10**9), 10**9, 3000).tolist()
    targets = rng.integers(0, N_TARGET, 3000).tolist()
    result = count(values, targets, Family.INTEGER, max_levels=100_000, cuts=[1, 500, 2999])
    assert result.distinct == len(set(values))
    rows = expected_rows(result, values, Family.INTEGER, 100_000)
    np.testing.assert_array_equal(result.table, direct_table(rows, targets, result.table.shape[0]))


def test_rejects_bad_max_levels() -> None:
    with pytest.raises(ValueError, match="max_levels"):
        ColumnCounter("x", Family.STRING, max_levels=0, n_target_levels=2)


# -- (a) batching and (b) row order -----------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(data=st.data(), family=st.sampled_from(list(Family)), max_levels=st.sampled_from([3, 8, 1000]))
def test_batching_gives_the_same_result(data: Any, family: Family, max_levels: int) -> None:
    values, targets = data.draw(columns(family))
    one = count(values, targets, family, max_levels=max_levels)
    many = count(values, targets, family, max_levels=max_levels, cuts=cuts_for(data, len(values)))
    # same rows in the same order: the state is identical, labels included
    np.testing.assert_array_equal(one.table, many.table)
    np.testing.assert_array_equal(one.level_keys, many.level_keys)
    assert_same_result(one, many)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), family=st.sampled_from(list(Family)), max_levels=st.sampled_from([3, 8, 1000]))
def test_row_order_gives_the_same_result(data: Any, family: Family, max_levels: int) -> None:
    values, targets = data.draw(columns(family))
    order = np.array(data.draw(st.permutations(range(len(values)))), dtype=np.int64)
    one = count(values, targets, family, max_levels=max_levels)
    shuffled = count(
        values,
        targets,
        family,
        max_levels=max_levels,
        order=order,
        cuts=cuts_for(data, len(values)),
    )
    assert_same_result(one, shuffled)


# -- (c) folding and coarsening ---------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_strings_fold_past_max_levels(data: Any) -> None:
    values, targets = data.draw(columns(Family.STRING, min_size=6))
    max_levels = 8
    distinct = n_distinct(values, Family.STRING)
    result = count(values, targets, Family.STRING, max_levels=max_levels, cuts=cuts_for(data, len(values)))
    event(f"folded={result.folded}")
    assert result.folded == (distinct > max_levels)
    rows = expected_rows(result, values, Family.STRING, max_levels)
    n_rows = max_levels + 1 if result.folded else distinct + 1
    assert result.table.shape == (n_rows, N_TARGET)
    np.testing.assert_array_equal(result.table, direct_table(rows, targets, n_rows))
    if result.folded:
        assert not result.distinct_exact
        assert result.level_keys.size == 0
        # HLL is near exact for tiny counts (register collisions cost one each)
        assert abs(result.distinct - distinct) <= 4
        order = np.array(data.draw(st.permutations(range(len(values)))), dtype=np.int64)
        other = count(
            values,
            targets,
            Family.STRING,
            max_levels=max_levels,
            order=order,
            cuts=cuts_for(data, len(values)),
        )
        np.testing.assert_array_equal(other.table, result.table)
        assert other.distinct == result.distinct
    else:
        assert result.distinct == distinct


@settings(max_examples=50, deadline=None)
@given(data=st.data(), family=st.sampled_from([Family.INTEGER, Family.FLOAT]))
def test_numbers_coarsen_past_max_levels(data: Any, family: Family) -> None:
    values, targets = data.draw(columns(family, min_size=6))
    max_levels = 8
    distinct = n_distinct(values, family)
    result = count(values, targets, family, max_levels=max_levels, cuts=cuts_for(data, len(values)))
    assert not result.folded
    # the grid is the finest one that fits: as many key bits as the cap allows
    assert result.key_shift == minimal_shift(values, family, max_levels)
    event(f"coarsened={result.key_shift > 0}")
    assert (result.key_shift > 0) == (distinct > max_levels)
    assert result.table.shape[0] - 1 <= max_levels
    rows = expected_rows(result, values, family, max_levels)
    np.testing.assert_array_equal(result.table, direct_table(rows, targets, result.table.shape[0]))
    if result.key_shift > 0 and distinct > 2 * max_levels:
        # ordered columns may hold twice the cap while streaming; past that only a sketch
        assert not result.distinct_exact
        assert abs(result.distinct - distinct) <= 4
    else:
        assert result.distinct_exact and result.distinct == distinct
    order = np.array(data.draw(st.permutations(range(len(values)))), dtype=np.int64)
    other = count(
        values,
        targets,
        family,
        max_levels=max_levels,
        order=order,
        cuts=cuts_for(data, len(values)),
    )
    assert_same_result(result, other)


def test_string_column_with_exactly_max_levels_does_not_fold() -> None:
    values = WORDS[:8] * 3
    assert not count(values, [0] * 24, Family.STRING, max_levels=8).folded
    assert count([*values, "extra"], [0] * 25, Family.STRING, max_levels=8).folded


def test_large_coarsened_column_is_order_independent() -> None:
    rng = np.random.default_rng(3)
    values = (rng.standard_normal(20_000) * 1e3).tolist()
    targets = rng.integers(0, N_TARGET, 20_000).tolist()
    one = count(values, targets, Family.FLOAT, max_levels=256)
    other = count(
        values,
        targets,
        Family.FLOAT,
        max_levels=256,
        order=rng.permutation(20_000),
        cuts=[1, 77, 5000, 12_000],
    )
    assert one.key_shift > 0
    assert_same_result(one, other)
    assert abs(one.distinct - 20_000) <= 0.03 * 20_000
    assert one.table.sum() == 20_000


# -- (d) widening the target ------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(data=st.data(), family=st.sampled_from(list(Family)), max_levels=st.sampled_from([3, 8, 1000]))
def test_ensure_target_levels_keeps_counts(data: Any, family: Family, max_levels: int) -> None:
    values, _ = data.draw(columns(family))
    split = data.draw(st.integers(0, len(values)))
    # the first part only sees targets 0..1; the second also 2..4
    first = data.draw(st.lists(st.integers(-1, 1), min_size=split, max_size=split))
    second = data.draw(
        st.lists(st.integers(-1, 4), min_size=len(values) - split, max_size=len(values) - split)
    )
    series = pl.Series("x", values, dtype=DTYPES[family])
    counter = ColumnCounter("x", family, max_levels=max_levels, n_target_levels=2)
    counter.update(keys_of(series[:split], family), np.array(first, dtype=np.int32))
    before = counter.result()
    counter.ensure_target_levels(5)
    widened = counter.result()
    assert widened.table.shape[1] == 5
    np.testing.assert_array_equal(widened.table[:, :2], before.table)
    assert not widened.table[:, 2:].any()
    counter.ensure_target_levels(3)  # never narrows
    assert counter.result().table.shape[1] == 5
    counter.update(keys_of(series[split:], family), np.array(second, dtype=np.int32))
    result = counter.result()
    # the same as counting everything with 5 target levels from the start
    reference = count(values, first + second, family, max_levels=max_levels, cuts=[split], n_target=5)
    np.testing.assert_array_equal(result.table, reference.table)
    assert_same_result(result, reference)


# -- codes written per row ---------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(data=st.data(), family=st.sampled_from(list(Family)), max_levels=st.sampled_from([3, 8, 1000]))
def test_out_codes_match_the_final_table(data: Any, family: Family, max_levels: int) -> None:
    values, targets = data.draw(columns(family))
    counter = ColumnCounter("x", family, max_levels=max_levels, n_target_levels=N_TARGET)
    counter.track_remaps = True
    out = np.full(len(values), -7, dtype=np.int32)
    counter.update(
        keys_of(pl.Series("x", values, dtype=DTYPES[family]), family),
        np.array(targets, dtype=np.int32),
        out_codes=out,
    )
    # codes written during the batch are brought up to date by the queued remaps, which
    # include the final coarsening of ``finish``
    already = len(counter.pending_remaps)
    counter.finish()
    result = counter.result()
    for remap in counter.pending_remaps[already:]:
        out = remap[out]
    np.testing.assert_array_equal(out, expected_rows(result, values, family, max_levels))


def test_distinct_estimate_never_exceeds_the_values_seen() -> None:
    # a column unique in every row, folded: the sketch may overshoot; the report must not
    values = [f"id{i}" for i in range(5_000)]
    result = count(values, [0] * len(values), Family.STRING, max_levels=64)
    assert result.folded and not result.distinct_exact
    assert result.distinct <= len(values)
    assert result.distinct >= 0.95 * len(values)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), family=st.sampled_from(list(Family)), max_levels=st.sampled_from([3, 8, 1000]))
def test_counting_after_finish_continues_exactly(data: Any, family: Family, max_levels: int) -> None:
    # finish leaves the hash slots to be rebuilt by the next batch, if one ever comes
    values, targets = data.draw(columns(family))
    cut = data.draw(st.integers(0, len(values)))
    series = pl.Series("x", values, dtype=DTYPES[family])
    codes = np.array(targets, dtype=np.int32)
    counter = ColumnCounter("x", family, max_levels=max_levels, n_target_levels=N_TARGET)
    counter.update(keys_of(series[:cut], family), codes[:cut])
    counter.finish()
    counter.update(keys_of(series[cut:], family), codes[cut:])
    counter.finish()
    assert by_level(counter.result()) == by_level(count(values, targets, family, max_levels=max_levels))


# -- the categorical view of an integer column ---------------------------------------------------
def _categories(values: list[int], targets: list[int], max_levels: int, cuts: list[int]) -> ColumnCounts:
    series = pl.Series("x", values, dtype=pl.Int64)
    codes = np.array(targets, dtype=np.int32)
    counter = ColumnCounter(
        "x", Family.INTEGER, max_levels=max_levels, n_target_levels=N_TARGET, categories=True
    )
    for lo, hi in itertools.pairwise([0, *cuts, len(values)]):
        counter.update(keys_of(series[lo:hi], Family.INTEGER), codes[lo:hi])
    counter.finish()
    return counter.result()


@settings(max_examples=60, deadline=None)
@given(data=st.data(), max_levels=st.integers(2, 12))
def test_an_integer_columns_categories_are_its_keys_folded_from_the_start(data: Any, max_levels: int) -> None:
    values = data.draw(st.lists(st.integers(-50, 50), min_size=0, max_size=300))
    targets = data.draw(st.lists(st.integers(-1, N_TARGET - 1), min_size=len(values), max_size=len(values)))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=4)))
    result = _categories(values, targets, max_levels, cuts)
    distinct = len(set(values))
    if distinct <= max_levels:  # exact: the table itself is the categorical view
        assert result.categories is None
        return
    # folded: every row in the bucket of its key, whatever the batches (bucket_of is tested
    # against its own reference in the kernel tests)
    assert result.categories is not None
    keys = keys_of(pl.Series("x", values, dtype=pl.Int64), Family.INTEGER).keys
    buckets = encoding.bucket_of(keys, n_buckets=max_levels)
    expected = np.zeros((max_levels + 1, N_TARGET), dtype=np.int64)
    for bucket, target in zip(buckets, targets, strict=True):
        if target >= 0:
            expected[bucket, target] += 1
    np.testing.assert_array_equal(result.categories, expected)
    # and the numeric grid is what it always was
    np.testing.assert_array_equal(
        result.table, count(values, targets, Family.INTEGER, max_levels=max_levels).table
    )


def test_merged_categories_equal_one_pass() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 40, 500).tolist()
    targets = rng.integers(0, N_TARGET, 500).tolist()
    whole = _categories(values, targets, 6, [])
    parts = []
    for lo, hi in ((0, 100), (100, 101), (101, 500)):
        counter = ColumnCounter("x", Family.INTEGER, max_levels=6, n_target_levels=N_TARGET, categories=True)
        counter.update(
            keys_of(pl.Series("x", values[lo:hi], dtype=pl.Int64), Family.INTEGER),
            np.array(targets[lo:hi], dtype=np.int32),
        )
        parts.append(counter)
    parts[1].merge(parts[2])
    parts[0].merge(parts[1])
    parts[0].finish()
    merged = parts[0].result()
    assert merged.categories is not None and whole.categories is not None
    np.testing.assert_array_equal(merged.categories, whole.categories)
    np.testing.assert_array_equal(merged.table, whole.table)


def test_a_many_level_column_makes_room_for_its_next_batch_at_once(monkeypatch) -> None:
    """After the first batch, a column whose values were all new reserves room for the next
    batch in one step; the counts are exact."""
    rng = np.random.default_rng(5)
    values = rng.permutation(10**6)[:6000].tolist()  # every value new
    targets = rng.integers(0, N_TARGET, 6000).tolist()
    counter = ColumnCounter("x", Family.INTEGER, max_levels=100_000, n_target_levels=N_TARGET)
    first = keys_of(pl.Series(values[:1000]), Family.INTEGER)
    counter.update(first, np.array(targets[:1000], dtype=np.int32))
    assert counter.levels is not None
    grown: list[int] = []
    original = type(counter.levels)._resize
    monkeypatch.setattr(
        type(counter.levels), "_resize", lambda self, slots: grown.append(slots) or original(self, slots)
    )
    rest = keys_of(pl.Series(values[1000:]), Family.INTEGER)
    counter.update(rest, np.array(targets[1000:], dtype=np.int32))
    # 1,000 distinct values in 1,000: 5,000 more expected, 6,000 levels fit 16,384 slots
    assert grown == [16_384]
    result = counter.result()
    rows = expected_rows(result, values, Family.INTEGER, 100_000)
    np.testing.assert_array_equal(result.table, direct_table(rows, targets, result.table.shape[0]))


def test_a_first_batch_that_knows_the_rows_to_come_grows_once_for_all(monkeypatch) -> None:
    """With ``rows_ahead`` (the input's rows are known), the first batch's growth covers the
    whole input, so the next batch finds its room; the counts are exact."""
    from outrank_cli.encode import dictionary

    rng = np.random.default_rng(6)
    values = rng.permutation(10**6)[:6000].tolist()  # every value new
    targets = rng.integers(0, N_TARGET, 6000).tolist()
    sizes: list[int] = []
    original = dictionary.HashDictionary._resize
    monkeypatch.setattr(
        dictionary.HashDictionary, "_resize", lambda self, slots: sizes.append(slots) or original(self, slots)
    )
    counter = ColumnCounter("x", Family.INTEGER, max_levels=100_000, n_target_levels=N_TARGET)
    for lo, hi in ((0, 1000), (1000, 6000)):
        counter.update(
            keys_of(pl.Series(values[lo:hi]), Family.INTEGER),
            np.array(targets[lo:hi], dtype=np.int32),
            rows_ahead=6000 - hi,
        )
    # doubling to 512 slots, then 6,000 levels at once (16,384 slots); nothing in batch two
    assert sizes == [128, 256, 512, 16_384]
    result = counter.result()
    rows = expected_rows(result, values, Family.INTEGER, 100_000)
    np.testing.assert_array_equal(result.table, direct_table(rows, targets, result.table.shape[0]))


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    family=st.sampled_from(list(Family)),
    max_levels=st.sampled_from([3, 8, 1000]),
    ahead=st.sampled_from([0, 1, 50, 10**6]),
)
def test_rows_ahead_changes_room_only(data: Any, family: Family, max_levels: int, ahead: int) -> None:
    values, targets = data.draw(columns(family))
    cuts = cuts_for(data, len(values))
    series = pl.Series("x", values, dtype=DTYPES[family])
    codes = np.array(targets, dtype=np.int32)
    counter = ColumnCounter("x", family, max_levels=max_levels, n_target_levels=N_TARGET)
    for lo, hi in itertools.pairwise([0, *cuts, len(values)]):
        counter.update(keys_of(series[lo:hi], family), codes[lo:hi], rows_ahead=ahead)
    counter.finish()
    reference = count(values, targets, family, max_levels=max_levels, cuts=cuts)
    np.testing.assert_array_equal(counter.result().table, reference.table)
    assert_same_result(counter.result(), reference)


def test_a_column_of_few_levels_reserves_nothing(monkeypatch) -> None:
    values = [i % 7 for i in range(3000)]
    counter = ColumnCounter("x", Family.INTEGER, max_levels=100_000, n_target_levels=N_TARGET)
    zeros = np.zeros(1500, dtype=np.int32)
    counter.update(keys_of(pl.Series(values[:1500]), Family.INTEGER), zeros)
    assert counter.levels is not None
    before = counter.levels.level_keys.shape[0]
    counter.update(keys_of(pl.Series(values[1500:]), Family.INTEGER), zeros)
    assert counter.levels.level_keys.shape[0] == before  # 7 levels fitted: no reserve
    assert counter.result().table[1:, 0].tolist() == [429, 429, 429, 429, 428, 428, 428]


@pytest.mark.parametrize("levels", [10, 1000, 50_000])
def test_expected_distinct_refits_a_uniform_column(levels: int) -> None:
    """K uniform levels: after N draws E[distinct] = K (1 - (1 - 1/K)^N); from that, the
    estimate recovers K and extrapolates to N + M draws."""
    seen, more = 2 * levels, 18 * levels
    distinct = round(levels * (1 - (1 - 1 / levels) ** seen))
    want = levels * (1 - (1 - 1 / levels) ** (seen + more))
    assert abs(expected_distinct(distinct, seen, more) - want) <= max(2, 0.002 * levels)


def test_expected_distinct_of_all_new_values_and_of_nothing() -> None:
    assert expected_distinct(1000, 1000, 5000) == 6000
    assert expected_distinct(0, 10, 10) == 0
    assert expected_distinct(1, 100, 100) == 1  # one level in 100 values: no other expected


def test_a_full_table_grows_to_what_the_values_so_far_promise(monkeypatch) -> None:
    """Within a batch, a full table doubles until FIT_MIN_VALUES values were seen, then grows
    to the levels they promise for the rest of the batch (all distinct: every row new)."""
    from outrank_cli.encode import dictionary

    sizes: list[int] = []
    original = dictionary.HashDictionary._resize
    monkeypatch.setattr(
        dictionary.HashDictionary, "_resize", lambda self, slots: sizes.append(slots) or original(self, slots)
    )
    values = list(range(5000))
    targets = [v % N_TARGET for v in values]
    result = count(values, targets, Family.INTEGER, max_levels=100_000)
    assert dictionary.FIT_MIN_VALUES == 256
    # 31 levels fill 64 slots; doubling to 512 slots (255 levels) then 5,000 levels at once
    assert sizes == [128, 256, 512, 16_384]
    assert result.table[1:].sum(axis=1).tolist() == [1] * 5000


def test_a_spent_counter_hands_over_its_tables_and_refuses_when_unfinished() -> None:
    counter = ColumnCounter("x", Family.INTEGER, max_levels=100, n_target_levels=N_TARGET)
    counter.update(keys_of(pl.Series([5, 3, 5, 9]), Family.INTEGER), np.zeros(4, dtype=np.int32))
    with pytest.raises(ValueError, match="not finished"):
        counter.result(spent=True)
    copied = counter.result()
    counter.finish()
    shared = counter.result(spent=True)
    np.testing.assert_array_equal(shared.table, copied.table)
    np.testing.assert_array_equal(shared.level_keys, copied.level_keys)
    assert counter.levels is not None and np.shares_memory(shared.table, counter.levels.counts)
    assert not np.shares_memory(copied.table, counter.levels.counts)
