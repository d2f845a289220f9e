"""Where rows come from: resolve paths, read the schema, stream column batches with polars.

Everything here is lazy: ``scan_csv`` / ``scan_parquet`` with only the needed columns, and
``collect_batches`` so the table is never held whole. Polars errors are turned into
``InputError`` messages that name the file, the column or the line.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

from outrank_cli.errors import InputError, UsageError

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
REMOTE_PREFIXES = (
    "s3://",
    "s3a://",
    "gs://",
    "gcs://",
    "az://",
    "abfs://",
    "abfss://",
    "hdfs://",
    "http://",
    "https://",
    "file://",
)
SCHEMA_INFERENCE_ROWS = 10_000
_FILE_SCHEMA = "file schema:"  # Source._cache key prefix of one Parquet file's own schema
# CSV spellings of a missing value (besides the empty field), as pandas and R write them
DEFAULT_NULL_VALUES = ("NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A")


class Format(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


@dataclass(frozen=True)
class Source:
    """A resolved input: the files, their format and how to parse them."""

    paths: tuple[str, ...]
    format: Format
    separator: str = ","
    schema_overrides: Mapping[str, pl.DataType] = field(default_factory=dict)
    storage_options: Mapping[str, str] = field(default_factory=dict)
    null_values: tuple[str, ...] = DEFAULT_NULL_VALUES
    _cache: dict[str, dict[str, pl.DataType]] = field(default_factory=dict, compare=False, repr=False)

    def scan(self, paths: Sequence[str] | None = None) -> pl.LazyFrame:
        """A lazy scan of all files (or of ``paths``) with this source's parse options."""
        files = list(paths if paths is not None else self.paths)
        options = dict(self.storage_options) or None
        if self.format is Format.PARQUET:
            frame = pl.scan_parquet(files, storage_options=options)
            if self.schema_overrides:
                frame = frame.with_columns(pl.col(c).cast(t) for c, t in self.schema_overrides.items())
            return frame
        return pl.scan_csv(
            files,
            separator=self.separator,
            schema_overrides=self.schema(),
            storage_options=options,
            raise_if_empty=False,
            null_values=list(self.null_values) or None,
        )

    def schema(self) -> dict[str, pl.DataType]:
        """Column names and types of the whole input (computed once per source).

        CSV: types are inferred from the first file's first rows; a column that is empty
        there is tried as a number first (a later value that is not a number re-types it
        as text, see ``WidenColumn``). Parquet: the common type of every file's column.
        """
        if "schema" not in self._cache:
            self._cache.update(_take_prefetched(self.identity()))
        return self._inferred_schema()

    def _inferred_schema(self) -> dict[str, pl.DataType]:
        cached = self._cache.get("schema")
        if cached is None:
            try:
                cached = self._csv_schema() if self.format is Format.CSV else self._parquet_schema()
            except (InputError, WidenColumn):
                raise
            except Exception as error:  # polars raises many types; all mean "cannot read"
                raise _input_error(self, error) from error
            if not cached:
                raise InputError(
                    f"{_where(self)}: the input is empty (no header row); a CSV needs a header row"
                )
            self._cache["schema"] = cached
        return dict(cached)

    def identity(self) -> str:
        """Everything the schema and the batches depend on, as a key (see ``start_schema``)."""
        overrides = sorted((name, str(dtype)) for name, dtype in self.schema_overrides.items())
        storage = sorted(self.storage_options.items())
        return repr((self.paths, self.format.value, self.separator, overrides, storage, self.null_values))

    def _csv_schema(self) -> dict[str, pl.DataType]:
        first = self.paths[0]
        _check_csv_header(first, self.separator)
        frame = pl.scan_csv(
            [first],
            separator=self.separator,
            infer_schema_length=SCHEMA_INFERENCE_ROWS,
            schema_overrides=dict(self.schema_overrides) or None,
            storage_options=dict(self.storage_options) or None,
            raise_if_empty=False,
            null_values=list(self.null_values) or None,
        )
        # the leading rows as text are read while polars infers the types (both outside the GIL)
        text: Future[pl.DataFrame | None] = Future()

        def read_text() -> None:
            try:
                text.set_result(self._leading_text(first))
            except BaseException:  # the scan below reads the head instead
                text.set_result(None)

        threading.Thread(target=read_text, name="outrank-head", daemon=True).start()
        schema = dict(frame.collect_schema())
        unknown = [c for c, t in schema.items() if t == pl.String and c not in self.schema_overrides]
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

    def _leading_text(self, path: str) -> pl.DataFrame | None:
        """The rows the types are inferred from, as text, or None if they cannot be cut from
        the file (or parsed: anything odd, and the caller scans instead). This avoids the
        scan of the whole file that even ``scan_csv(...).head(n)`` costs (60 ms on 200k rows)."""
        head_bytes = _leading_rows(path, SCHEMA_INFERENCE_ROWS)
        if head_bytes is None:
            return None
        try:
            return pl.read_csv(
                io.BytesIO(head_bytes),
                separator=self.separator,
                infer_schema_length=0,
                raise_if_empty=False,
                null_values=list(self.null_values) or None,
            )
        except Exception:  # anything odd about the head: let the scan read it
            return None

    def _parquet_schema(self) -> dict[str, pl.DataType]:
        local = [p for p in self.paths if not _is_remote(p)]
        if len(local) == len(self.paths):
            schemas = [dict(pl.read_parquet_schema(p)) for p in self.paths]
            for path, file_schema in zip(self.paths, schemas, strict=True):
                self._cache[_FILE_SCHEMA + path] = file_schema
        else:
            schemas = [
                dict(
                    pl.scan_parquet(
                        [self.paths[0]], storage_options=dict(self.storage_options) or None
                    ).collect_schema()
                )
            ]
        schema = dict(schemas[0])
        for other in schemas[1:]:
            for column, dtype in other.items():
                if column in schema:
                    schema[column] = _common_type(schema[column], dtype)
        schema.update(self.schema_overrides)
        return schema

    def partitions(self) -> list[Partition]:
        """One partition per file, in order (row groups of big Parquet files are split later)."""
        return [Partition(index, path) for index, path in enumerate(self.paths)]

    def partition_batches(
        self,
        partition: Partition,
        columns: Sequence[str],
        schema: Mapping[str, pl.DataType],
        *,
        batch_rows: int,
    ) -> Iterator[tuple[int, pl.DataFrame]]:
        """Stream one partition's columns as ``(first row within the file, batch)``.

        Every file is read with the table's schema, so a column cannot change type from one
        file to the next: a value that does not fit asks for a wider type (``WidenColumn``).
        """
        try:
            if self.format is Format.CSV:
                _check_csv_header(partition.path, self.separator)
                frame = pl.scan_csv(
                    [partition.path],
                    separator=self.separator,
                    schema_overrides={c: schema[c] for c in schema},
                    storage_options=dict(self.storage_options) or None,
                    raise_if_empty=False,
                    null_values=list(self.null_values) or None,
                )
            else:
                frame = pl.scan_parquet([partition.path], storage_options=dict(self.storage_options) or None)
                file_schema = self._cache.get(_FILE_SCHEMA + partition.path) or frame.collect_schema()
                frame = frame.with_columns(
                    pl.col(c).cast(schema[c]) for c in columns if file_schema.get(c) != schema[c]
                )
            missing = [c for c in columns if c not in frame.collect_schema()]
            if missing:
                raise InputError(
                    f"{partition.path}: column {missing[0]!r} is missing from this file but present in "
                    f"{self.paths[0]}; all inputs must have the same columns"
                )
            frame = frame.select([pl.col(c) for c in columns])
            for start, length, chunk in _lead_and_rest(partition.row_offset, partition.row_count, batch_rows):
                for batch in frame.slice(start, length).collect_batches(chunk_size=chunk):
                    if batch.height:
                        yield start, batch
                        start += batch.height
        except (InputError, WidenColumn):
            raise
        except Exception as error:  # polars raises many types; all mean "cannot read"
            raise _input_error(self, error, path=partition.path) from error

    def with_override(self, column: str, dtype: pl.DataType) -> Source:
        """The same input with one column read as ``dtype`` (a fresh schema cache)."""
        overrides = dict(self.schema_overrides)
        overrides[column] = dtype
        return Source(
            self.paths, self.format, self.separator, overrides, self.storage_options, self.null_values
        )

    def parquet_rows(self) -> int | None:
        """Row count from Parquet metadata (no data read), or None for CSV."""
        if self.format is not Format.PARQUET:
            return None
        try:
            return int(self.scan().select(pl.len()).collect().item())
        except Exception:
            return None


def _lead_and_rest(offset: int, count: int | None, batch_rows: int) -> list[tuple[int, int | None, int]]:
    """``(first row, rows or None for all, batch size)`` of the reads of one partition.

    A small lead batch comes first: polars parses a whole batch before handing it over, so
    with only full batches the counting threads would wait for ``batch_rows`` rows (90 ms
    of a 200k-row CSV) before starting; the rest streams in full batches.
    """
    lead = min(max(batch_rows // 8, 4_096), batch_rows)
    if count is not None and count <= lead:
        return [(offset, count, lead)]
    return [(offset, lead, lead), (offset + lead, None if count is None else count - lead, batch_rows)]


@dataclass(frozen=True, slots=True)
class Partition:
    """A unit of reading: file ``file_index`` (rows ``row_offset`` onwards, ``row_count`` of them)."""

    file_index: int
    path: str
    row_offset: int = 0
    row_count: int | None = None


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


def _check_csv_header(path: str, separator: str) -> None:
    """Refuse duplicate column names (polars would silently rename the second one)."""
    if _is_remote(path):
        return
    try:
        with _open_text(path) as handle:
            header = next(csv.reader(handle, delimiter=separator), None)
    except (OSError, EOFError, UnicodeError):
        return  # the read itself reports unreadable files
    if not header:
        return
    seen: set[str] = set()
    for name in header:
        name = name.lstrip("\ufeff")
        if name in seen:
            raise InputError(
                f"{path}: column name {name!r} appears more than once in the header; rename the duplicates"
            )
        seen.add(name)


class WidenColumn(Exception):
    """A CSV value did not parse as the type inferred from the first rows."""

    def __init__(self, column: str, dtype: pl.DataType) -> None:
        super().__init__(column, dtype)
        self.column = column
        self.dtype = dtype


def _strip_compression(name: str) -> str:
    lowered = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lowered.endswith(suffix):
            return lowered[: -len(suffix)]
    return lowered


def format_of(path: str) -> Format | None:
    name = _strip_compression(path.rsplit("/", 1)[-1])
    if name.endswith(PARQUET_SUFFIXES):
        return Format.PARQUET
    if name.endswith(CSV_SUFFIXES):
        return Format.CSV
    return None


def _is_remote(path: str) -> bool:
    return path.lower().startswith(REMOTE_PREFIXES)


def _expand(path: str, storage_options: Mapping[str, str] | None = None) -> list[str]:
    if _is_remote(path):
        if path.lower().startswith("file://"):
            return _expand(path[len("file://") :])
        if any(ch in path for ch in "*?["):
            return _expand_remote_glob(path, storage_options or {})
        return [path]
    if any(ch in path for ch in "*?["):
        matches = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        if not matches:
            raise InputError(
                f"no file matches {path!r}; check the pattern (quote it so the shell does not expand it)"
            )
        return matches
    if os.path.isdir(path):
        found = sorted(
            str(p)
            for p in Path(path).rglob("*")
            if p.is_file()
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
            and format_of(p.name) is not None
        )
        if not found:
            raise InputError(
                f"directory {path!r} holds no CSV/TSV/Parquet files; valid suffixes: "
                f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)} (optionally .gz/.zst)"
            )
        return found
    if not os.path.exists(path):
        raise InputError(f"file {path!r} does not exist; check the path")
    if not os.path.isfile(path):
        raise InputError(f"{path!r} is not a regular file")
    return [path]


def _expand_remote_glob(path: str, storage_options: Mapping[str, str]) -> list[str]:
    """List a glob on an object store with fsspec (part of the dask extra)."""
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"listing {path!r} needs fsspec: pip install 'outrank-cli[dask]'") from None
    protocol = path.split("://", 1)[0]
    try:
        fs = fsspec.filesystem(protocol, **storage_options)
        matches = sorted(fs.glob(path))
    except Exception as error:
        raise InputError(f"cannot list {path!r} ({error}); check the path and --storage-option") from None
    if not matches:
        raise InputError(f"no file matches {path!r}; check the pattern")
    return [m if "://" in m else f"{protocol}://{m}" for m in matches]


def resolve(
    paths: Sequence[str],
    *,
    separator: str | None = None,
    file_format: str | None = None,
    storage_options: Mapping[str, str] | None = None,
    null_values: Sequence[str] | None = None,
) -> Source:
    """Expand files, globs and directories into one ``Source`` of a single format."""
    if not paths:
        raise UsageError("no input given; pass a file, a glob or a directory")
    files: list[str] = []
    for path in paths:
        files.extend(_expand(path, storage_options))
    files = list(dict.fromkeys(files))
    if file_format is not None:
        try:
            chosen = Format(file_format)
        except ValueError:
            raise UsageError(f"unknown --input-format {file_format!r}; valid: csv, parquet") from None
        formats: set[Format | None] = {chosen}
    else:
        formats = {format_of(f) for f in files}
        if None in formats:
            unknown = next(f for f in files if format_of(f) is None)
            raise InputError(
                f"cannot tell the format of {unknown!r} from its name; valid suffixes: "
                f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)} (optionally .gz/.zst), or pass --input-format"
            )
    if len(formats) > 1:
        raise InputError("the inputs mix CSV and Parquet files; pass one format at a time")
    fmt = formats.pop()
    assert fmt is not None
    if separator is None:
        names = [_strip_compression(f) for f in files]
        separator = "\t" if all(n.endswith((".tsv", ".tab")) for n in names) else ","
    if len(separator) != 1:
        raise UsageError(f"--separator must be one character, got {separator!r}; use '\\t' for tabs")
    nulls = DEFAULT_NULL_VALUES if null_values is None else tuple(null_values)
    return Source(tuple(files), fmt, separator, {}, dict(storage_options or {}), nulls)


# -- errors ------------------------------------------------------------------------------------


_prefetched: dict[str, Future[dict[str, dict[str, pl.DataType]]]] = {}


def start_schema(source: Source) -> Future[dict[str, dict[str, pl.DataType]]]:
    """Infer ``source``'s schema on a side thread; the future gives its schema cache.

    Polars infers outside the GIL, so this overlaps whatever the caller does next. The next
    ``schema()`` of an equal ``Source`` takes the result over; errors are left for that call
    to raise (``reading.prefetch`` is the caller).
    """
    future: Future[dict[str, dict[str, pl.DataType]]] = Future()

    def run() -> None:
        try:
            source._inferred_schema()
            future.set_result(dict(source._cache))
        except BaseException as error:
            future.set_exception(error)

    _prefetched.clear()  # one input per command: never hold on to an unclaimed one
    _prefetched[source.identity()] = future
    threading.Thread(target=run, name="outrank-schema", daemon=True).start()
    return future


def _take_prefetched(identity: str) -> dict[str, dict[str, pl.DataType]]:
    """The schema cache ``start_schema`` produced for this input, or {} (none, or it failed)."""
    future = _prefetched.pop(identity, None)
    if future is None:
        return {}
    try:
        return future.result()
    except Exception:  # computed again, and raised, by the caller
        return {}


def _input_error(source: Source, error: Exception, *, path: str | None = None) -> Exception:
    text = str(error)
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    where = path or _where(source)
    if source.format is Format.CSV:
        widen = _widening(text)
        if widen is not None:
            return widen
        if "more fields than defined" in text or "found more fields" in text:
            located = _find_ragged_line(source)
            if located:
                return InputError(located)
            return InputError(
                f"{where}: a row has more fields than the header; fix the file or check --separator"
            )
    if isinstance(error, FileNotFoundError):
        return InputError(f"{where}: file not found ({first})")
    if "empty CSV" in text:
        return InputError(f"{where}: the file is empty (no header row); a CSV needs a header row")
    if source.format is Format.PARQUET and ("PAR1" in text or "parquet" in text.lower()):
        return InputError(
            f"{where}: not a readable Parquet file ({first}); the file may be corrupt or truncated"
        )
    return InputError(f"{where}: cannot read the input ({first})")


def _where(source: Source) -> str:
    return source.paths[0] if len(source.paths) == 1 else f"{len(source.paths)} files"


def _widening(text: str) -> WidenColumn | None:
    import re

    match = re.search(r"could not parse `(.*?)` as dtype `(\w+)` at column '(.*?)'", text, re.S)
    if not match:
        return None
    value, dtype, column = match.groups()
    try:
        float(value)
        target: pl.DataType = pl.Float64()
    except ValueError:
        target = pl.String()
    if dtype.startswith("f"):
        target = pl.String()
    return WidenColumn(column, target)


_LEADING_ROWS_MAX_MIB = 64  # longer lines than this: let polars find the rows


def _leading_rows(path: str, rows: int) -> bytes | None:
    """The header and the first ``rows`` lines of a local, uncompressed CSV file, or None
    when that cannot be cut safely (remote or compressed file, or a quote character, which
    may hide a line break inside a field)."""
    if _is_remote(path) or path.lower().endswith(COMPRESSION_SUFFIXES):
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


def _open_text(path: str) -> io.TextIOBase:
    lowered = path.lower()
    if lowered.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    if lowered.endswith((".zst", ".zstd")):
        try:
            import zstandard
        except ImportError:
            raise InputError(f"{path}: cannot locate the bad row without the zstandard package") from None
        return io.TextIOWrapper(zstandard.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def _find_ragged_line(source: Source) -> str | None:
    """Scan the CSV files for the first row whose field count differs from the header's."""
    for path in source.paths:
        if _is_remote(path):
            continue
        with _open_text(path) as handle:
            reader = csv.reader(handle, delimiter=source.separator)
            header = next(reader, None)
            if header is None:
                continue
            for row in reader:
                if len(row) != len(header) and row:
                    return (
                        f"{path} line {reader.line_num}: {len(row)} fields, but the header has "
                        f"{len(header)}; fix that row (quote fields that contain {source.separator!r}) "
                        "or check --separator"
                    )
    return None
