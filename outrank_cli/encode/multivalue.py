"""The values of a multi-valued column, row by row, as the counter and ``evaluate`` read them.

A list column holds them as lists; a text column named by ``--multivalue NAME:SEP`` as text
split by SEP ("a|b|" holds a and b: values are trimmed and empty ones dropped). Either way a
row holds each distinct value once, nulls (and NaN) inside a list are dropped, and a missing row
(a null list or null text) stays missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from outrank_cli.source import Format, Source


def value_lists(column: pl.Series, separator: str | None) -> pl.Series:
    """Each row's distinct values as a list (a missing row stays null): text is split by
    ``separator``, a list or array column (``separator`` None) is taken as it is."""
    if separator is not None:
        value = pl.element().str.strip_chars()
        lists = pl.select(
            column.cast(pl.String).str.split(separator).list.eval(value.filter(value != ""))
        ).to_series()
    elif isinstance(column.dtype, pl.Array):
        lists = column.cast(pl.List(column.dtype.inner))
    else:
        lists = column
    inner = lists.dtype.inner if isinstance(lists.dtype, pl.List) else None
    if inner is not None and inner.is_float():  # a NaN inside a list is no value, as a null
        lists = lists.list.eval(pl.element().fill_nan(None))
    return lists.list.drop_nulls().list.unique()


def delimited_as_text(source: Source, specs: Sequence[str]) -> Source:
    """``source`` with each CSV column named outright by ``--multivalue NAME:SEP`` read as
    text: its first rows may hold one number each (``12``) and later ones several (``12|7``)."""
    if source.format is not Format.CSV:
        return source
    schema = source.schema()
    for spec in specs:
        name = spec.rpartition(":")[0]
        if name in schema and schema[name] != pl.String:
            source = source.with_override(name, pl.String())
    return source
