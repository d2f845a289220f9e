"""The schema of an input: CSV types inferred from the leading rows, Parquet types merged
across files, and repeated header names renamed our way (``name__2``)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future

import polars as pl

from outrank_cli.source.formats import COMPRESSION_SUFFIXES, is_remote
from outrank_cli.source.problems import open_text

SCHEMA_INFERENCE_ROWS = 10_000


def csv_schema(
    path: str,
    *,
    separator: str,
    null_values: Sequence[str],
    overrides: Mapping[str, pl.DataType],
    storage_options: Mapping[str, str],
) -> dict[str, pl.DataType]:
    """Types of a CSV file from its first rows. A column that is empty there is tried as a
    number first (a later value that is not a number re-types it, see ``WidenColumn``); a
    text column whose values are all ISO dates or date-times becomes a date or datetime."""
    frame = pl.scan_csv(
        [path],
        separator=separator,
        new_columns=renamed_header(path, separator),
        infer_schema_length=SCHEMA_INFERENCE_ROWS,
        schema_overrides=dict(overrides) or None,
        storage_options=dict(storage_options) or None,
        raise_if_empty=False,
        null_values=list(null_values) or None,
    )
    # the leading rows as text are read while polars infers the types (both outside the GIL)
    text: Future[pl.DataFrame | None] = Future()

    def read_text() -> None:
        try:
            text.set_result(_leading_text(path, separator, null_values))
        except BaseException:  # the scan below reads the head instead
            text.set_result(None)

    threading.Thread(target=read_text, name="outrank-head", daemon=True).start()
    schema = dict(frame.collect_schema())
    unknown = [c for c, t in schema.items() if t == pl.String and c not in overrides]
    all_text = text.result()
    if unknown:
        readable = all_text is not None and set(unknown) <= set(all_text.columns)
        head = all_text.select(unknown) if all_text is not None and readable else None
        if head is None:
            head = frame.head(SCHEMA_INFERENCE_ROWS).select(unknown).collect()
        dated = _timestamp_columns(head)
        for column in unknown:
            if head.height and head.get_column(column).null_count() == head.height:
                schema[column] = pl.Float64()  # empty so far: try numbers first
            elif column in dated:
                schema[column] = pl.Date() if dated[column] else pl.Datetime("us")
    return schema


def _leading_text(path: str, separator: str, null_values: Sequence[str]) -> pl.DataFrame | None:
    """The rows the types are inferred from, as text, or None if they cannot be cut from
    the file (or parsed: anything odd, and the caller scans instead). This avoids the
    scan of the whole file that even ``scan_csv(...).head(n)`` costs (60 ms on 200k rows)."""
    head_bytes = _leading_rows(path, SCHEMA_INFERENCE_ROWS)
    if head_bytes is None:
        return None
    try:
        return pl.read_csv(
            io.BytesIO(head_bytes),
            separator=separator,
            infer_schema_length=0,
            raise_if_empty=False,
            null_values=list(null_values) or None,
        )
    except Exception:  # anything odd about the head: let the scan read it
        return None


def parquet_schemas(
    paths: Sequence[str], *, storage_options: Mapping[str, str]
) -> tuple[dict[str, pl.DataType], dict[str, dict[str, pl.DataType]]]:
    """The common type of every column across the files, and each local file's own schema."""
    own: dict[str, dict[str, pl.DataType]] = {}
    if all(not is_remote(p) for p in paths):
        schemas = [dict(pl.read_parquet_schema(p)) for p in paths]
        own = dict(zip(paths, schemas, strict=True))
    else:
        schemas = [
            dict(pl.scan_parquet([paths[0]], storage_options=dict(storage_options) or None).collect_schema())
        ]
    schema = dict(schemas[0])
    for other in schemas[1:]:
        for column, dtype in other.items():
            if column in schema:
                schema[column] = _common_type(schema[column], dtype)
    return schema, own


def _common_type(a: pl.DataType, b: pl.DataType) -> pl.DataType:
    """The type both Parquet files' values fit in (all-null columns take the other's type)."""
    if a == b or b == pl.Null:
        return a
    if a == pl.Null:
        return b
    if a.is_integer() and b.is_integer():
        return pl.Int64()
    if a.is_numeric() and b.is_numeric():
        return pl.Float64()
    return pl.String()


_ISO_DATE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"


def _timestamp_columns(head: pl.DataFrame) -> dict[str, bool]:
    """The text columns whose every value is an ISO date or date-time (the form polars
    parses without a format), each with whether all are plain dates. One query for all."""
    if head.height == 0 or head.width == 0:
        return {}
    shaped = head.select(
        (pl.col(c).str.contains(_ISO_DATE).all() & (pl.col(c).count() > 0)).alias(c) for c in head.columns
    ).row(0, named=True)
    out: dict[str, bool] = {}
    for column in (c for c, ok in shaped.items() if ok):
        values = head.get_column(column).drop_nulls()
        try:
            parsed = values.str.to_datetime(time_unit="us", strict=False).null_count() == 0
        except Exception:
            parsed = False
        if parsed:
            out[column] = values.str.len_chars().max() == 10
    return out


def renamed_header(path: str, separator: str) -> list[str] | None:
    """The header with repeated names renamed (the second ``a`` is ``a__2``, the third
    ``a__3``, skipping names the header already has), or None when no name repeats (or the
    header cannot be read here; the read itself reports unreadable files). Real files repeat
    names; polars would rename them its own way."""
    if is_remote(path):
        return None
    try:
        with open_text(path) as handle:
            header = next(csv.reader(handle, delimiter=separator), None)
    except (OSError, EOFError, UnicodeError):
        return None
    if not header:
        return None
    names = [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(header)]
    if len(set(names)) == len(names):
        return None
    taken = set(names)
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            out.append(name)
            continue
        copy = seen[name]
        while f"{name}__{copy}" in taken:
            copy += 1
        out.append(f"{name}__{copy}")
        taken.add(out[-1])
    return out


def header_renames(path: str, separator: str) -> tuple[tuple[str, str], ...]:
    """``(name, new name)`` of every renamed copy in the file's header (see ``renamed_header``)."""
    renamed = renamed_header(path, separator)
    if renamed is None:
        return ()
    with open_text(path) as handle:
        header = next(csv.reader(handle, delimiter=separator))
    header[0] = header[0].lstrip("\ufeff")
    return tuple((old, new) for old, new in zip(header, renamed, strict=True) if old != new)


_LEADING_ROWS_MAX_MIB = 64  # longer lines than this: let polars find the rows


def _leading_rows(path: str, rows: int) -> bytes | None:
    """The header and the first ``rows`` lines of a local, uncompressed CSV file, or None
    when that cannot be cut safely (remote or compressed file, or a quote character, which
    may hide a line break inside a field)."""
    if is_remote(path) or path.lower().endswith(COMPRESSION_SUFFIXES):
        return None
    chunks: list[bytes] = []
    lines = 0
    try:
        with open(path, "rb") as handle:
            while lines <= rows:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                if b'"' in chunk or len(chunks) >= _LEADING_ROWS_MAX_MIB:
                    return None
                chunks.append(chunk)
                lines += chunk.count(b"\n")
    except OSError:
        return None
    data = b"".join(chunks)
    if lines > rows:
        rest = data.split(b"\n", rows + 1)[-1]  # what follows the (rows + 1)-th line break
        data = data[: len(data) - len(rest)]
    return data
