"""The progress total: exact Parquet rows, CSV rows estimated from the file size."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import polars as pl

from outrank_cli.options import ReadOptions
from outrank_cli.source.paths import resolve


def _table(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(rows)
    return pl.DataFrame(
        {"y": rng.integers(0, 2, rows), "x": rng.normal(size=rows), "s": rng.integers(0, 10**6, rows)}
    )


def test_parquet_rows_are_exact(tmp_path):
    path = tmp_path / "t.parquet"
    _table(12_345).write_parquet(path)
    assert resolve([str(path)], ReadOptions()).estimated_rows() == 12_345


def test_small_csv_is_counted_exactly(tmp_path):
    path = tmp_path / "t.csv"
    _table(1_000).write_csv(path)
    assert resolve([str(path)], ReadOptions()).estimated_rows() == 1_000


def test_large_csvs_are_estimated_closely(tmp_path):
    paths = []
    for rows in (80_000, 50_000):
        path = tmp_path / f"t{rows}.csv"
        _table(rows).write_csv(path)
        paths.append(str(path))
    lines = sum(len(open_lines) for open_lines in (Path(p).read_text().splitlines() for p in paths))
    assert lines - 2 == 130_000  # independent count of the rows
    estimate = resolve(paths, ReadOptions()).estimated_rows()
    assert estimate is not None and abs(estimate - 130_000) <= 0.02 * 130_000


def test_compressed_csv_has_no_estimate(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(_table(100).write_csv().encode()))
    assert resolve([str(path)], ReadOptions()).estimated_rows() is None
