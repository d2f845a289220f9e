"""CSV schema inference reads only the leading rows, and agrees with polars' own scan."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from outrank_cli.errors import InputError
from outrank_cli.options import ReadOptions
from outrank_cli.source import batches as reading
from outrank_cli.source import paths as paths_module
from outrank_cli.source import schema as schema_module
from outrank_cli.source import table as table_module
from outrank_cli.source.early import EarlyStart
from outrank_cli.source.schema import SCHEMA_INFERENCE_ROWS

READ = ReadOptions()


def resolve(paths: list[str]):
    return paths_module.resolve(paths, READ)


def _mixed_table(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame(
        {
            "y": rng.integers(0, 2, rows),
            "count": rng.integers(0, 1_000, rows),
            "price": rng.normal(size=rows).round(3),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows),
            "day": [date(2024, 1, 1 + i % 28) for i in range(rows)],
            "empty_at_first": [None] * min(rows, SCHEMA_INFERENCE_ROWS + 5)
            + ["7"] * max(0, rows - SCHEMA_INFERENCE_ROWS - 5),
            "int_then_text": [str(i) for i in range(rows - 1)] + ["n/a-ish"],
        }
    )


@pytest.mark.parametrize("rows", [0, 3, SCHEMA_INFERENCE_ROWS, SCHEMA_INFERENCE_ROWS + 50])
def test_leading_rows_schema_equals_the_scan_schema(tmp_path, monkeypatch, rows):
    path = tmp_path / "t.csv"
    (_mixed_table(rows) if rows else _mixed_table(3).head(0)).write_csv(path)
    fast = resolve([str(path)]).schema()
    monkeypatch.setattr(schema_module, "_leading_rows", lambda *_: None)
    slow = resolve([str(path)]).schema()
    assert fast == slow
    if rows:
        assert fast["day"] == pl.Date and fast["count"] == pl.Int64 and fast["city"] == pl.String


def test_leading_rows_cuts_after_exactly_the_header_and_n_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(100)))
    head = schema_module._leading_rows(str(path), 10)
    assert head == b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(10))
    assert schema_module._leading_rows(str(path), 1_000) == path.read_bytes()


def test_quotes_or_compression_fall_back_to_the_scan(tmp_path):
    quoted = tmp_path / "q.csv"
    quoted.write_text('a,b\n1,"two\nlines"\n')
    assert schema_module._leading_rows(str(quoted), 10) is None
    compressed = tmp_path / "t.csv.gz"
    compressed.write_bytes(b"not read")
    assert schema_module._leading_rows(str(compressed), 10) is None
    assert resolve([str(quoted)]).schema() == {"a": pl.Int64, "b": pl.String}


def test_an_early_schema_and_reader_are_taken_over(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    _mixed_table(500).drop("int_then_text").write_csv(path)
    expected = resolve([str(path)]).schema()
    early = EarlyStart([str(path)], READ, read_rows=True)
    source = early.source([str(path)], ReadOptions())  # an equal ReadOptions is the same input
    assert source is not None
    calls = []
    monkeypatch.setattr(schema_module, "csv_schema", lambda *a, **k: calls.append(1) or {})
    schema = source.schema()
    assert schema == expected and calls == []  # inferred on the side thread
    columns = ["city", "y", "count", "price", "day", "empty_at_first"]  # all, in another order
    batches = list(
        reading.open_batches(source, columns, schema, batch_rows=64, default_batch_rows=True, early=early)
    )
    assert early.take_reader(source) is None  # taken over once
    got = pl.concat([b for _, _, b in batches])
    assert got.columns == columns
    plain = pl.concat([b for _, _, b in reading.table_batches(source, columns, schema, batch_rows=10_000)])
    assert got.equals(plain)
    assert [first for _, first, _ in batches] == [0]  # the early reader's batch size, not 64


def test_an_early_start_for_another_input_is_not_used(tmp_path):
    path = tmp_path / "t.csv"
    _mixed_table(50).write_csv(path)
    early = EarlyStart([str(path)], READ, read_rows=True)
    assert early.source([str(path)], ReadOptions(separator=";")) is None
    assert early.source([str(tmp_path / "other.csv")], READ) is None
    source = resolve([str(path)])  # equal, but not the early one: its reader is not handed out
    assert early.take_reader(source) is None
    early.close()


@pytest.mark.parametrize("columns", [["y"], ["y", "count", "price", "city", "day", "empty_at_first"]])
def test_an_early_reader_of_other_columns_or_batches_is_not_used(tmp_path, columns):
    # ``int_then_text`` fails to parse as an integer in its last row: a reader of every
    # column would fail the read of ``y`` alone
    path = tmp_path / "t.csv"
    _mixed_table(500).write_csv(path)
    early = EarlyStart([str(path)], READ, read_rows=True)
    source = early.source([str(path)], READ)
    assert source is not None
    schema = source.schema()
    batches = list(reading.open_batches(source, columns, schema, batch_rows=64, early=early))
    assert early.take_reader(source) is None
    assert [first for _, first, _ in batches] == list(range(0, 500, 64))
    assert sum(b.height for _, _, b in batches) == 500


def test_early_errors_surface_from_the_real_call(tmp_path):
    missing = EarlyStart([str(tmp_path / "missing.csv")], READ, read_rows=True)
    assert missing.source([str(tmp_path / "missing.csv")], READ) is None  # nothing started
    missing.close()
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    early = EarlyStart([str(bad)], READ, read_rows=True)
    assert early.source([str(bad)], READ) is None
    with pytest.raises(InputError, match="empty"):
        resolve([str(bad)]).schema()


def test_in_windows_cuts_reads_into_whole_windows_up_to_the_end():
    reads = table_module.lead_and_rest(0, None, 100)  # a lead of 100 rows, then the rest
    assert table_module.in_windows(reads, 1_050, 300) == [
        (0, 100, 100),
        (100, 300, 100),
        (400, 300, 100),
        (700, 300, 100),
        (1_000, 50, 100),
    ]
    assert table_module.in_windows([(10, 5, 4)], 1_000, 300) == [(10, 5, 4)]
    assert table_module.in_windows([(0, 4_096, 4_096)], 300, 300) == [(0, 300, 4_096)]
    assert table_module.window_rows(1_000, 16_384) == 16_384  # one batch a read
    assert table_module.window_rows(100, 16_384) == 147_456
    assert table_module.window_rows(30, 133_333) == 533_332  # narrow tables: a few reads
    assert table_module.window_rows(100_000, 16_384) == 16_384  # at least one batch


def test_a_wide_parquet_file_read_in_windows_gives_every_row_once(tmp_path, monkeypatch):
    monkeypatch.setattr(table_module, "_CELLS_PER_WINDOW", 3 * 1_000)  # windows of 1,000 rows
    frame = pl.DataFrame({"a": np.arange(5_500), "b": np.arange(5_500) % 7, "y": np.arange(5_500) % 2})
    path = tmp_path / "wide.parquet"
    frame.write_parquet(path, row_group_size=2_000)
    source = resolve([str(path)])
    schema = source.schema()
    seen = []
    for partition in source.partitions():
        for first, batch in source.partition_batches(partition, ["a", "b", "y"], schema, batch_rows=500):
            assert batch.height <= 500
            assert batch["a"][0] == first
            seen.append(batch)
    assert pl.concat(seen).equals(frame)
