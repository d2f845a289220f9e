"""The row sample's priorities in a pass: the counting tasks add each column's share of the
row hash while the sample takes every row, and a pass over the columns comes first once it is
full. Either way the sample holds the rows of smallest ``content_priorities`` (computed here
at once over the whole table), in that order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pytest

from outrank_cli.count.job import CountJob
from outrank_cli.count.local import count_local
from outrank_cli.count.sample import content_priorities
from outrank_cli.encode.columns import plan_columns
from outrank_cli.encode.keys import keys_of
from outrank_cli.options import EncodeOptions, ReadOptions
from outrank_cli.source import resolve


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tuple[str, pl.DataFrame]:
    rng = np.random.default_rng(3)
    n = 3_000
    frame = pl.DataFrame(
        {
            "s": pl.Series(rng.choice(["a", "b", "c"], n)).set(pl.Series(rng.random(n) < 0.2), None),
            "k": pl.Series(rng.integers(0, 50, n)).set(pl.Series(rng.random(n) < 0.1), None),
            "x": rng.normal(size=n).round(1),
            "b": rng.random(n) < 0.3,
            "y": pl.Series(rng.choice(["p", "q"], n)).set(pl.Series(rng.random(n) < 0.05), None),
        }
    )
    path = tmp_path_factory.mktemp("priorities") / "table.parquet"
    frame.write_parquet(path)
    return str(path), frame


@pytest.mark.parametrize("capacity", [5_000, 700, 90])
@pytest.mark.parametrize("threads", [1, 2])
def test_the_sample_holds_the_smallest_content_priorities(table, capacity, threads):
    path, frame = table
    source = resolve([path], ReadOptions())
    plan = plan_columns(source.schema(), target="y")
    job = CountJob(
        source=source, plan=plan, encode=EncodeOptions(), batch_rows=400, sample_rows=capacity, seed=11
    )
    with ThreadPoolExecutor(threads) as pool:
        counts = count_local(job, pool=pool)
    sample = counts.sample
    assert sample is not None
    columns = [(plan.target, plan.target_family), *plan.features]
    expected = content_priorities([keys_of(frame[name], family) for name, family in columns], 11)
    with_target = frame["y"].is_not_null().to_numpy()
    kept = np.sort(expected[with_target])[:capacity]
    np.testing.assert_array_equal(sample.priority[: sample.filled], kept)
