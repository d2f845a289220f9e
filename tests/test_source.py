"""CSV schema inference reads only the leading rows, and agrees with polars' own scan."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from outrank_cli import reading
from outrank_cli import source as source_module
from outrank_cli.source import SCHEMA_INFERENCE_ROWS, resolve


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
    monkeypatch.setattr(source_module, "_leading_rows", lambda *_: None)
    slow = resolve([str(path)]).schema()
    assert fast == slow
    if rows:
        assert fast["day"] == pl.Date and fast["count"] == pl.Int64 and fast["city"] == pl.String


def test_leading_rows_cuts_after_exactly_the_header_and_n_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(100)))
    head = source_module._leading_rows(str(path), 10)
    assert head == b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(10))
    assert source_module._leading_rows(str(path), 1_000) == path.read_bytes()


def test_quotes_or_compression_fall_back_to_the_scan(tmp_path):
    quoted = tmp_path / "q.csv"
    quoted.write_text('a,b\n1,"two\nlines"\n')
    assert source_module._leading_rows(str(quoted), 10) is None
    compressed = tmp_path / "t.csv.gz"
    compressed.write_bytes(b"not read")
    assert source_module._leading_rows(str(compressed), 10) is None
    assert resolve([str(quoted)]).schema() == {"a": pl.Int64, "b": pl.String}


def test_a_prefetched_schema_and_reader_are_taken_over(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    _mixed_table(500).drop("int_then_text").write_csv(path)
    expected = resolve([str(path)]).schema()
    reading.prefetch([str(path)])
    assert len(source_module._prefetched) == 1 and len(reading._started) == 1
    calls = []
    monkeypatch.setattr(source_module.Source, "_csv_schema", lambda self: calls.append(1) or {})
    source = resolve([str(path)])
    schema = source.schema()
    assert schema == expected and calls == []  # taken from the side thread
    columns = ["city", "y", "count", "price", "day", "empty_at_first"]  # all, in another order
    batches = list(reading.open_batches(source, columns, schema, batch_rows=64, default_batch_rows=True))
    assert reading._started == {} and source_module._prefetched == {}
    got = pl.concat([b for _, _, b in batches])
    assert got.columns == columns
    plain = pl.concat([b for _, _, b in reading.table_batches(source, columns, schema, batch_rows=10_000)])
    assert got.equals(plain)
    assert [first for _, first, _ in batches] == [0]  # the prefetch's batch size, not 64


@pytest.mark.parametrize("columns", [["y"], ["y", "count", "price", "city", "day", "empty_at_first"]])
def test_a_prefetched_reader_of_other_columns_or_batches_is_not_used(tmp_path, columns):
    # ``int_then_text`` fails to parse as an integer in its last row: a reader of every
    # column would fail the read of ``y`` alone
    path = tmp_path / "t.csv"
    _mixed_table(500).write_csv(path)
    reading.prefetch([str(path)])
    source = resolve([str(path)])
    schema = source.schema()
    batches = list(reading.open_batches(source, columns, schema, batch_rows=64))
    assert reading._started == {}
    assert [first for _, first, _ in batches] == list(range(0, 500, 64))
    assert sum(b.height for _, _, b in batches) == 500


def test_prefetch_errors_surface_from_the_real_call(tmp_path):
    reading.prefetch([str(tmp_path / "missing.csv")])  # resolve fails: nothing started
    assert source_module._prefetched == {} and reading._started == {}
    bad = tmp_path / "dup.csv"
    bad.write_text("a,a\n1,2\n")
    reading.prefetch([str(bad)])
    with pytest.raises(source_module.InputError, match="duplicate"):
        resolve([str(bad)]).schema()
    assert source_module._prefetched == {}
    reading._started.clear()
