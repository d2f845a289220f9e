"""A multi-valued column in the row sample: each sampled row's values are kept apart, named by
the row's priority, and read at the end as the indicator of one value. Checked against plain
columns of the same table that hold the indicators ("has7", "has3"), read from the same
sample rows: the two must agree row for row, whatever the sample size (filling, or replacing
rows past its capacity), the batches, the threads, and partitions merged in any order."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pytest

from outrank_cli.count.job import CountJob
from outrank_cli.count.local import count_local
from outrank_cli.count.result import TableCounts, finish_pass
from outrank_cli.count.state import PassState
from outrank_cli.count.values import SampledValues
from outrank_cli.encode.columns import plan_columns
from outrank_cli.encode.keys import Family, keys_of
from outrank_cli.options import EncodeOptions, ReadOptions
from outrank_cli.source import resolve


def _frame(n: int = 2_000, seed: int = 5) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    tags: list[list[int | None] | None] = []
    for i in range(n):
        row: list[int | None] = rng.choice(40, rng.integers(0, 5), replace=False).tolist()
        if i % 13 == 0:
            row.append(None)  # a null inside a list holds no value
        tags.append(None if i % 29 == 0 else row)
    held = [set(r or []) - {None} for r in tags]
    return pl.DataFrame(
        {
            "tags": pl.Series(tags, dtype=pl.List(pl.Int64)),
            "has7": [int(7 in h) for h in held],
            "has3": [int(3 in h) for h in held],
            # many rows repeat each other but for this column: priorities must tell them apart
            "noise": rng.integers(0, 1_000_000, n),
            "y": rng.integers(0, 2, n),
        }
    )


def _key(value: int) -> int:
    return int(keys_of(pl.Series([value]), Family.INTEGER).keys[0])


def _indicator_of_plain(counts: TableCounts, name: str) -> np.ndarray:
    """The sample's rows of a plain 0/1 column, as whether each holds 1."""
    index = [c.name for c in counts.columns].index(name)
    assert counts.sample is not None
    codes = counts.sample.final_codes(index)
    return counts.columns[index].level_keys[codes] == np.uint64(_key(1))


def _check(counts: TableCounts) -> None:
    sample = counts.sample
    assert sample is not None and sample.filled > 0
    tags = [c.name for c in counts.columns].index("tags")
    plain = {value: _indicator_of_plain(counts, f"has{value}") for value in (7, 3)}  # read once
    for value in (7, 3):
        holds = sample.values.holds(tags, sample.priority[: sample.filled], _key(value))
        np.testing.assert_array_equal(holds, plain[value])
    codes = sample.indicator_codes(tags, _key(7))
    assert codes.dtype == np.int32
    np.testing.assert_array_equal(codes, 1 + plain[7])


@pytest.mark.parametrize("sample_rows", [40, 150, 700, 5_000])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("batch_rows", [97, 700])  # 700: batches larger than the small samples
def test_the_sample_rows_hold_their_values(tmp_path, sample_rows, threads, batch_rows):
    path = tmp_path / "t.parquet"
    _frame().write_parquet(path)
    source = resolve([str(path)], ReadOptions())
    job = CountJob(
        source=source,
        plan=plan_columns(source.schema(), target="y"),
        encode=EncodeOptions(),
        batch_rows=batch_rows,
        sample_rows=sample_rows,
        seed=3,
    )
    with ThreadPoolExecutor(threads) as pool:
        counts = count_local(job, pool=pool)
    _check(counts)
    # the store stays about as large as the sample (rows that cannot be in it are dropped)
    stored = counts.sample.values._records[0].rows
    assert stored <= min(3 * sample_rows + batch_rows, 2_000)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_partitions_merged_in_any_order(tmp_path, order):
    frame = _frame()
    paths = []
    for i, (a, b) in enumerate(((0, 600), (600, 1_300), (1_300, 2_000))):
        part = tmp_path / f"p{i}.parquet"
        frame.slice(a, b - a).write_parquet(part)
        paths.append(str(part))
    source = resolve(paths, ReadOptions())
    plan = plan_columns(source.schema(), target="y")
    columns = [plan.target, *(name for name, _ in plan.features)]
    states = []
    with ThreadPoolExecutor(1) as pool:
        for partition in source.partitions():
            state = PassState.start(plan, None, max_levels=10_000, sample_rows=300, seed=1)
            for first, batch in source.partition_batches(partition, columns, source.schema(), batch_rows=71):
                state.count(partition.file_index, first, batch, plan, pool)
            for counter in state.counters:
                counter.pending_remaps.clear()
            states.append(pickle.loads(pickle.dumps(state)))  # as Dask moves them
    merged = states[order[0]]
    for i in order[1:]:
        merged.merge(states[i])
    _check(finish_pass(merged, source, plan, seconds=0.0))


def test_a_row_without_values_on_record_is_an_error():
    values = SampledValues([0])
    values.put(0, np.array([0, 1]), np.array([1, 0]), np.array([5], dtype=np.uint64))
    values.seal(np.array([10, 20], dtype=np.uint64), None, capacity=10)
    np.testing.assert_array_equal(values.holds(0, np.array([20, 10], dtype=np.uint64), 5), [False, True])
    with pytest.raises(AssertionError, match="no values on record"):
        values.holds(0, np.array([30], dtype=np.uint64), 5)


def test_a_column_whose_final_rows_hold_too_many_values_is_given_up(monkeypatch):
    monkeypatch.setattr("outrank_cli.count.values.VALUES_PER_ROW", 2)
    values = SampledValues([0, 1])
    # capacity 4, budget 8 values; column 0: 3 values a row, column 1: 1 a row
    values.put(0, np.arange(4), np.full(4, 3), np.arange(12, dtype=np.uint64))
    values.put(1, np.arange(4), np.ones(4, dtype=np.int64), np.arange(4, dtype=np.uint64))
    values.seal(np.arange(4, dtype=np.uint64), None, capacity=4)
    assert values.kept(0) and values.kept(1)  # 12 values: within twice the budget
    values.settle(np.array([3, 1, 0, 2], dtype=np.uint64), capacity=4)  # the final rows: 12 > 8
    assert not values.kept(0) and values.kept(1)
    with pytest.raises(ValueError, match="not on record"):
        values.holds(0, np.arange(4, dtype=np.uint64), 1)
    np.testing.assert_array_equal(
        values.holds(1, np.arange(4, dtype=np.uint64), 2), [False, False, True, False]
    )


def test_the_memory_guard_keeps_the_rows_the_verdict_needs(monkeypatch):
    monkeypatch.setattr("outrank_cli.count.values.VALUES_PER_ROW", 2)
    values = SampledValues([0])
    # capacity 4, budget 8: rows of priorities 0..5 with 1, 1, 2, 3, 9, 9 values (25 > 16)
    sizes = np.array([1, 1, 2, 3, 9, 9])
    values.put(0, np.arange(6), sizes, np.arange(25, dtype=np.uint64))
    values.seal(np.array([5, 1, 3, 0, 2, 4], dtype=np.uint64), None, capacity=4)
    # by priority the rows hold 3 (prio 0), 1 (1), 9 (2), 2 (3), 9 (4), 1 (5): past 8 at prio 2
    record = values._records[0]
    assert record.cut == 2 and record.rows == 2 and record.values == 4
    later = SampledValues([0])  # the same rows in another order: the same verdicts
    later.put(0, np.arange(2), np.array([3, 1]), np.arange(4, dtype=np.uint64))
    later.seal(np.array([0, 1], dtype=np.uint64), None, capacity=4)
    # a final sample of priorities 0 and 1 (4 values): kept either way, with its values
    for store in (values, later):
        store.settle(np.array([0, 1], dtype=np.uint64), capacity=4)
        assert store.kept(0)
    # a final sample reaching the cut: given up (its rows hold 3 + 1 + 9 > 8)
    values = SampledValues([0])
    values.put(0, np.arange(6), sizes, np.arange(25, dtype=np.uint64))
    values.seal(np.array([5, 1, 3, 0, 2, 4], dtype=np.uint64), None, capacity=4)
    values.settle(np.array([0, 1, 2, 3], dtype=np.uint64), capacity=4)
    assert not values.kept(0)


def test_a_merge_keeps_the_rows_below_both_cuts(monkeypatch):
    monkeypatch.setattr("outrank_cli.count.values.VALUES_PER_ROW", 1)
    one, two = SampledValues([0]), SampledValues([0])
    one.put(0, np.arange(3), np.array([5, 1, 1]), np.arange(7, dtype=np.uint64))
    one.seal(np.array([10, 1, 2], dtype=np.uint64), None, capacity=3)  # 7 > 6: cut at 10
    two.put(0, np.arange(2), np.array([1, 1]), np.array([50, 60], dtype=np.uint64))
    two.seal(np.array([3, 11], dtype=np.uint64), None, capacity=3)
    assert one._records[0].cut == 10 and two._records[0].cut is None
    one.merge(two)
    record = one._records[0]
    assert record.cut == 10 and sorted(np.concatenate([p for p, _, _ in record.parts]).tolist()) == [1, 2, 3]
    one.settle(np.array([1, 2, 3], dtype=np.uint64), capacity=3)
    np.testing.assert_array_equal(one.holds(0, np.array([3, 1], dtype=np.uint64), 50), [True, False])


def test_equal_rows_are_kept_once():
    values = SampledValues([0])
    values.put(0, np.arange(3), np.array([2, 2, 1]), np.array([7, 8, 7, 8, 9], dtype=np.uint64))
    values.seal(np.array([4, 4, 2], dtype=np.uint64), None, capacity=10)
    values.settle(np.array([2, 4, 4], dtype=np.uint64), capacity=10)
    (part,) = values._records[0].parts  # rows in the order they came, each priority once
    np.testing.assert_array_equal(part[0], [4, 2])
    np.testing.assert_array_equal(part[2], [7, 8, 9])
    np.testing.assert_array_equal(
        values.holds(0, np.array([4, 2, 4], dtype=np.uint64), 8), [True, False, True]
    )


def test_settling_keeps_the_final_rows_values():
    values = SampledValues([0])
    values.put(0, np.arange(4), np.array([2, 0, 1, 3]), np.array([5, 6, 7, 5, 8, 9], dtype=np.uint64))
    values.seal(np.array([40, 10, 30, 20], dtype=np.uint64), None, capacity=4)
    values.settle(np.array([10, 20, 40], dtype=np.uint64), capacity=4)  # row 30 left the sample
    (part,) = values._records[0].parts
    np.testing.assert_array_equal(part[0], [40, 10, 20])
    np.testing.assert_array_equal(part[1], [2, 0, 3])
    np.testing.assert_array_equal(part[2], [5, 6, 5, 8, 9])
    np.testing.assert_array_equal(
        values.holds(0, np.array([40, 20, 10], dtype=np.uint64), 5), [True, True, False]
    )


def test_equal_rows_count_once_against_the_budget(monkeypatch):
    monkeypatch.setattr("outrank_cli.count.values.VALUES_PER_ROW", 2)
    values = SampledValues([0])
    # capacity 4, budget 8: ten copies of a 3-value row (priority 1) and one more row (2):
    # 33 values on record, but the distinct rows hold 6
    sizes = np.full(11, 3)
    keys = np.concatenate(
        [np.array([7, 8, 9], dtype=np.uint64)] * 10 + [np.array([1, 2, 3], dtype=np.uint64)]
    )
    values.put(0, np.arange(11), sizes, keys)
    values.seal(np.array([1] * 10 + [2], dtype=np.uint64), None, capacity=4)
    assert values._records[0].cut is None and values._records[0].values == 6
    values.settle(np.array([1, 1, 2], dtype=np.uint64), capacity=4)
    assert values.kept(0)
    np.testing.assert_array_equal(values.holds(0, np.array([2, 1], dtype=np.uint64), 8), [False, True])
