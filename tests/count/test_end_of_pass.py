"""The end of a pass: when the input's rows are known (Parquet metadata), each column finishes
in the task of its last batch; otherwise after the pass. The counts, the target's classes and
the row sample are the same either way, and when the metadata promised too few rows (the
columns then finish twice) or too many (they finish after the pass)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pytest

from outrank_cli.count.job import CountJob
from outrank_cli.count.local import count_local
from outrank_cli.count.result import TableCounts
from outrank_cli.count.state import PassState
from outrank_cli.encode.columns import plan_columns
from outrank_cli.options import EncodeOptions, ReadOptions
from outrank_cli.source import Source, resolve


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tuple[str, int]:
    rng = np.random.default_rng(21)
    n = 1_000
    frame = pl.DataFrame(
        {
            # classes first met out of their canonical order: the end of the pass reorders them
            "y": ["r", "p", *rng.choice(["p", "q", "r"], n - 2).tolist()],
            "s": pl.Series(rng.choice(list("abcdefgh"), n)).set(pl.Series(rng.random(n) < 0.1), None),
            "k": rng.integers(0, 300, n),  # more levels than --max-levels 64: folded and binned
            "id": rng.permutation(n) * 7,
            "x": rng.normal(size=n).round(2),
            "tags": [rng.choice(["u", "v", "w"], rng.integers(0, 3)).tolist() for _ in range(n)],
        }
    )
    path = tmp_path_factory.mktemp("end") / "table.parquet"
    frame.write_parquet(path)
    return str(path), n


def _count(path: str, sample_rows: int, threads: int) -> TableCounts:
    source = resolve([path], ReadOptions())
    plan = plan_columns(source.schema(), target="y")
    job = CountJob(
        source=source,
        plan=plan,
        encode=EncodeOptions(max_levels=64),
        batch_rows=97,
        sample_rows=sample_rows,
        seed=3,
    )
    with ThreadPoolExecutor(threads) as pool:
        return count_local(job, pool=pool)


def _snapshot(counts: TableCounts) -> dict[str, object]:
    """Everything a pass hands on, as plain values (the sample's codes are read once: reading
    hands their storage back)."""
    columns = [
        (
            c.name,
            c.table.tolist(),
            c.level_keys[1:].tolist(),
            c.distinct,
            c.distinct_exact,
            c.key_shift,
            c.folded,
            None if c.categories is None else c.categories.tolist(),
        )
        for c in counts.columns
    ]
    sample = counts.sample
    codes = None
    if sample is not None:
        codes = [sample.target_codes().tolist()]
        codes += [sample.final_codes(column).tolist() for column in range(sample.n_columns)]
    return {
        "rows": counts.rows,
        "labels": counts.target.labels,
        "classes": counts.target.class_counts.tolist(),
        "columns": columns,
        "sample": codes,
    }


@pytest.mark.parametrize("sample_rows", [0, 300, 5_000])
@pytest.mark.parametrize("threads", [1, 2])
def test_the_known_row_count_changes_nothing(table, monkeypatch, sample_rows, threads):
    path, n = table
    finished_after: list[bool] = []
    original = PassState.finish_columns

    def finish_columns(self: PassState, pool: ThreadPoolExecutor) -> None:
        finished_after.append(True)
        original(self, pool)

    monkeypatch.setattr(PassState, "finish_columns", finish_columns)
    monkeypatch.setattr(Source, "parquet_rows", lambda self: None)
    unknown = _snapshot(_count(path, sample_rows, threads))
    assert finished_after == [True]  # unknown rows: the columns finish after the pass
    for promised, after in ((n, False), (n // 3, True), (n + 50, True)):
        finished_after.clear()
        monkeypatch.setattr(Source, "parquet_rows", lambda self, rows=promised: rows)
        assert _snapshot(_count(path, sample_rows, threads)) == unknown
        # the exact count: the columns finished in their last batch's tasks
        assert finished_after == ([True] if after else []), promised
    assert unknown["labels"] == ("p", "q", "r")
    assert (unknown["sample"] is None) == (sample_rows == 0)


@pytest.mark.parametrize("sample_rows", [70_000, 50_000])
def test_a_column_of_more_than_65536_levels_keeps_every_code_in_the_sample(tmp_path, sample_rows):
    """The sample stores codes in two bytes until a column's first code above 65,535: a pass
    over a column of 70,000 distinct values keeps each row's own code (none wrapped)."""
    n = 70_000
    rng = np.random.default_rng(8)
    values = rng.permutation(n)
    frame = pl.DataFrame({"y": rng.integers(0, 2, n), "id": [f"v{v}" for v in values]})
    path = tmp_path / "wide_codes.parquet"
    frame.write_parquet(path)
    source = resolve([str(path)], ReadOptions())
    job = CountJob(
        source=source,
        plan=plan_columns(source.schema(), target="y"),
        encode=EncodeOptions(max_levels=100_000),
        batch_rows=20_000,
        sample_rows=sample_rows,
        seed=3,
    )
    with ThreadPoolExecutor(2) as pool:
        counts = count_local(job, pool=pool)
    assert counts.sample is not None and counts.sample.filled == sample_rows
    codes = counts.sample.final_codes(0)
    # every value its own code, in key order of the finished column: the codes of distinct
    # rows are distinct, and they reach past 65,535
    assert np.unique(codes).shape[0] == sample_rows and codes.max() > 65_535
    keys = counts.columns[0].level_keys
    assert np.unique(keys[codes]).shape[0] == sample_rows
