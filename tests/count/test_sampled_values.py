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
    stored = sum(priority.shape[0] for priority, _, _ in counts.sample.values._parts[0])
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


def test_a_column_with_too_many_values_a_row_is_given_up(monkeypatch):
    monkeypatch.setattr("outrank_cli.count.values.VALUES_PER_ROW", 2)
    values = SampledValues([0, 1])
    # capacity 4; column 0: 3 values a row, column 1: 1 a row
    values.put(0, np.arange(4), np.full(4, 3), np.arange(12, dtype=np.uint64))
    values.put(1, np.arange(4), np.ones(4, dtype=np.int64), np.arange(4, dtype=np.uint64))
    values.seal(np.arange(4, dtype=np.uint64), None, capacity=4)
    assert values.kept(0) and values.kept(1)  # 12 values: within the guard (2 x 2 x 4)
    values.settle(np.array([3, 1, 0, 2], dtype=np.uint64))  # the final rows: 3 values a row
    assert not values.kept(0) and values.kept(1)
    with pytest.raises(ValueError, match="not on record"):
        values.holds(0, np.arange(4, dtype=np.uint64), 1)
    np.testing.assert_array_equal(
        values.holds(1, np.arange(4, dtype=np.uint64), 2), [False, False, True, False]
    )
    # the guard while the sample fills: 20 values for capacity 4 gives the column up at once
    early = SampledValues([0])
    early.put(0, np.arange(4), np.full(4, 5), np.arange(20, dtype=np.uint64))
    early.seal(np.arange(4, dtype=np.uint64), None, capacity=4)
    assert not early.kept(0)
    early.put(0, np.arange(1), np.ones(1, dtype=np.int64), np.arange(1, dtype=np.uint64))  # ignored now
    early.seal(np.arange(4, dtype=np.uint64), None, capacity=4)
    assert not early.kept(0)
    # a partition that gave a column up gives it up in the merge
    other = SampledValues([0])
    other.put(0, np.arange(2), np.ones(2, dtype=np.int64), np.arange(2, dtype=np.uint64))
    other.seal(np.arange(10, 12, dtype=np.uint64), None, capacity=4)
    other.merge(early)
    assert not other.kept(0)


def test_settling_keeps_the_final_rows_values():
    values = SampledValues([0])
    values.put(0, np.arange(4), np.array([2, 0, 1, 3]), np.array([5, 6, 7, 5, 8, 9], dtype=np.uint64))
    values.seal(np.array([40, 10, 30, 20], dtype=np.uint64), None, capacity=4)
    values.settle(np.array([10, 20, 40], dtype=np.uint64))  # row 30 (holding 7) left the sample
    (part,) = values._parts[0]
    np.testing.assert_array_equal(part[1], [0, 3, 2])
    np.testing.assert_array_equal(part[2], [5, 8, 9, 5, 6])
    np.testing.assert_array_equal(
        values.holds(0, np.array([40, 20, 10], dtype=np.uint64), 5), [True, True, False]
    )
