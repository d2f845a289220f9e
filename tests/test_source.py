"""CSV schema inference reads only the leading rows, and agrees with polars' own scan."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

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


def test_a_prefetched_schema_is_the_schema(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    _mixed_table(500).write_csv(path)
    expected = resolve([str(path)]).schema()
    source_module._prefetched.clear()
    source_module.prefetch_schema([str(path)])
    assert len(source_module._prefetched) == 1
    calls = []
    monkeypatch.setattr(source_module.Source, "_csv_schema", lambda self: calls.append(1) or {})
    assert resolve([str(path)]).schema() == expected  # taken from the side thread
    assert calls == [] and source_module._prefetched == {}


def test_prefetch_errors_surface_from_the_real_call(tmp_path):
    source_module._prefetched.clear()
    source_module.prefetch_schema([str(tmp_path / "missing.csv")])  # resolve fails: nothing started
    assert source_module._prefetched == {}
    bad = tmp_path / "dup.csv"
    bad.write_text("a,a\n1,2\n")
    source_module.prefetch_schema([str(bad)])
    with pytest.raises(source_module.InputError, match="duplicate"):
        resolve([str(bad)]).schema()
    assert source_module._prefetched == {}
