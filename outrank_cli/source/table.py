"""A resolved input: its files, their format and parse options; its schema and its batches.

Everything here is lazy: ``scan_csv`` / ``scan_parquet`` with only the needed columns, and
``collect_batches`` so the table is never held whole. Polars errors are turned into
``InputError`` messages that name the file, the column or the line (``problems``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from outrank_cli.errors import InputError
from outrank_cli.source.formats import COMPRESSION_SUFFIXES, DEFAULT_NULL_VALUES, Format
from outrank_cli.source.problems import WidenColumn, input_error, where
from outrank_cli.source.schema import csv_schema, header_renames, parquet_schemas, renamed_header

# a progress total for CSV: rows per byte of the first megabyte of each file
_ESTIMATE_BYTES = 1 << 20
# rows x columns of one Parquet read (``in_windows``): one batch at 1,000 columns; three
# batches a read held 0.3 GB more at the same speed
_CELLS_PER_WINDOW = 16_000_000


@dataclass(frozen=True)
class Source:
    """A resolved input: the files, their format and how to parse them."""

    paths: tuple[str, ...]
    format: Format
    separator: str = ","
    schema_overrides: Mapping[str, pl.DataType] = field(default_factory=dict)
    storage_options: Mapping[str, str] = field(default_factory=dict)
    null_values: tuple[str, ...] = DEFAULT_NULL_VALUES
    # CSV numeric columns with values that are no numbers: read as text, cast back leniently
    lenient: Mapping[str, pl.DataType] = field(default_factory=dict)
    # the inferred schema, and each local Parquet file's own schema (computed once)
    _schema: dict[str, pl.DataType] = field(default_factory=dict, compare=False, repr=False)
    _file_schemas: dict[str, dict[str, pl.DataType]] = field(default_factory=dict, compare=False, repr=False)
    # (column, file, first row of the batch) -> (count, first value, its row) of values no number
    _unparsable: dict[tuple[str, str, int], tuple[int, str, int]] = field(
        default_factory=dict, compare=False, repr=False
    )

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
            new_columns=renamed_header(files[0], self.separator),
            schema_overrides=self.schema(),
            storage_options=options,
            raise_if_empty=False,
            null_values=list(self.null_values) or None,
        )

    def schema(self) -> dict[str, pl.DataType]:
        """Column names and types of the whole input (computed once per source).

        CSV: types are inferred from the first file's first rows (``schema.csv_schema``).
        Parquet: the common type of every file's column.
        """
        if not self._schema:
            try:
                if self.format is Format.CSV:
                    inferred = csv_schema(
                        self.paths[0],
                        separator=self.separator,
                        null_values=self.null_values,
                        overrides=self.schema_overrides,
                        storage_options=self.storage_options,
                    )
                else:
                    inferred, own = parquet_schemas(self.paths, storage_options=self.storage_options)
                    inferred.update(self.schema_overrides)
                    self._file_schemas.update(own)
            except (InputError, WidenColumn):
                raise
            except Exception as error:  # polars raises many types; all mean "cannot read"
                # CSV types come from the first file alone: name it
                first = self.paths[0] if self.format is Format.CSV else None
                raise input_error(self, error, path=first) from error
            if not inferred:
                raise InputError(
                    f"{where(self)}: the input is empty (no header row); a CSV needs a header row"
                )
            self._schema.update(inferred)
        return dict(self._schema)

    def renamed_columns(self) -> tuple[tuple[str, str], ...]:
        """``(name, new name)`` of the repeated header names of the first CSV file, which
        are read renamed (``name__2``); empty for Parquet."""
        if self.format is not Format.CSV:
            return ()
        return header_renames(self.paths[0], self.separator)

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
                frame = pl.scan_csv(
                    [partition.path],
                    separator=self.separator,
                    new_columns=renamed_header(partition.path, self.separator),
                    schema_overrides={c: schema[c] for c in schema},
                    storage_options=dict(self.storage_options) or None,
                    raise_if_empty=False,
                    null_values=list(self.null_values) or None,
                )
            else:
                frame = pl.scan_parquet([partition.path], storage_options=dict(self.storage_options) or None)
                file_schema = self._file_schemas.get(partition.path) or frame.collect_schema()
                frame = frame.with_columns(
                    pl.col(c).cast(schema[c])
                    for c in columns
                    if c in file_schema and file_schema[c] != schema[c]
                )
            # resolve the schema once: per column it cost O(columns^2) (240 s at 10,000 columns)
            present = frame.collect_schema()
            missing = [c for c in columns if c not in present]
            if missing:
                raise InputError(
                    f"{partition.path}: column {missing[0]!r} is missing from this file but present in "
                    f"{self.paths[0]}; all inputs must have the same columns"
                )
            frame = frame.select([pl.col(c) for c in columns])
            lenient = {c: t for c, t in self.lenient.items() if c in columns}
            reads = lead_and_rest(partition.row_offset, partition.row_count, batch_rows)
            if self.format is Format.PARQUET:
                count = partition.row_count
                end = _rows(frame) if count is None else partition.row_offset + count
                reads = in_windows(reads, end, window_rows(len(columns), batch_rows))
            for start, length, chunk in reads:
                for batch in frame.slice(start, length).collect_batches(chunk_size=chunk):
                    if batch.height:
                        yield start, self._cast_leniently(batch, lenient, partition.path, start)
                        start += batch.height
        except (InputError, WidenColumn):
            raise
        except Exception as error:  # polars raises many types; all mean "cannot read"
            raise input_error(self, error, path=partition.path) from error

    def with_override(self, column: str, dtype: pl.DataType, *, numeric: pl.DataType | None = None) -> Source:
        """The same input with one column read as ``dtype`` (a fresh schema cache); with
        ``numeric``, read as text and cast to that type, values that are no number missing."""
        overrides = dict(self.schema_overrides)
        overrides[column] = dtype
        lenient = dict(self.lenient)
        if numeric is not None:
            lenient[column] = numeric
        return Source(
            self.paths,
            self.format,
            self.separator,
            overrides,
            self.storage_options,
            self.null_values,
            lenient,
        )

    def _cast_leniently(
        self, batch: pl.DataFrame, lenient: Mapping[str, pl.DataType], path: str, start: int
    ) -> pl.DataFrame:
        """Cast the text of lenient columns to their numbers; note the values that are none."""
        if not lenient:
            return batch
        for column, dtype in lenient.items():
            text = batch.get_column(column)
            numbers = text.cast(dtype, strict=False)
            bad = numbers.is_null() & text.is_not_null()
            count = int(bad.sum())
            if count:
                first = int(bad.arg_true()[0])
                self._unparsable[(column, path, start)] = (count, str(text[first]), start + first)
            batch = batch.with_columns(numbers)
        return batch

    def unparsable_values(self) -> tuple[Unparsable, ...]:
        """Per lenient column: how many values were no number (counted as missing), and the
        first one with its file and line (the header is line 1)."""
        out: list[Unparsable] = []
        names = list(self.schema())
        for column in sorted(self.lenient, key=names.index):
            seen = sorted(
                (self.paths.index(path), start, value)
                for (name, path, start), value in self._unparsable.items()
                if name == column
            )
            if seen:
                file_index, _, (_, example, row) = seen[0]
                total = sum(v[0] for _, _, v in seen)
                out.append(Unparsable(column, total, example, self.paths[file_index], row + 2))
        return tuple(out)

    def estimated_rows(self) -> int | None:
        """Rows for a progress total: exact for Parquet (metadata); for plain local CSV files,
        each file's size times the rows per byte of its first megabyte; else None."""
        if self.format is Format.PARQUET:
            return self.parquet_rows()
        total = 0
        for path in self.paths:
            if path.endswith(COMPRESSION_SUFFIXES) or not os.path.isfile(path):
                return None
            size = os.path.getsize(path)
            with open(path, "rb") as handle:
                head = handle.read(_ESTIMATE_BYTES)
            lines = head.count(b"\n")
            if lines == 0:
                continue
            # the header is a line, not a row; a file read whole is counted exactly
            per_byte = lines / (head.rfind(b"\n") + 1)
            rows = lines - 1 if len(head) == size else round(size * per_byte) - 1
            total += max(rows, 0)
        return total

    def parquet_rows(self) -> int | None:
        """Row count from Parquet metadata (no data read), or None for CSV."""
        if self.format is not Format.PARQUET:
            return None
        try:
            return int(self.scan().select(pl.len()).collect().item())
        except Exception:
            return None


def lead_and_rest(offset: int, count: int | None, batch_rows: int) -> list[tuple[int, int | None, int]]:
    """``(first row, rows or None for all, batch size)`` of the reads of one partition.

    A small lead batch comes first: polars parses a whole batch before handing it over, so
    with only full batches the counting threads would wait for ``batch_rows`` rows (90 ms
    of a 200k-row CSV) before starting; the rest streams in full batches.
    """
    lead = min(max(batch_rows // 8, 4_096), batch_rows)
    if count is not None and count <= lead:
        return [(offset, count, lead)]
    return [(offset, lead, lead), (offset + lead, None if count is None else count - lead, batch_rows)]


def window_rows(n_columns: int, batch_rows: int) -> int:
    """Rows of one Parquet read: whole batches, about ``_CELLS_PER_WINDOW`` cells."""
    return max(batch_rows, _CELLS_PER_WINDOW // max(n_columns, 1) // batch_rows * batch_rows)


def in_windows(
    reads: list[tuple[int, int | None, int]], end: int, window: int
) -> list[tuple[int, int | None, int]]:
    """``reads`` (from ``lead_and_rest``) cut into reads of at most ``window`` rows, up to row
    ``end``: polars decodes a read ahead of its consumer without bound (the whole of a 200k x
    1,000 file, 1.7 GB), so a wide file is read a window at a time (16,384 rows there)."""
    out: list[tuple[int, int | None, int]] = []
    for start, length, chunk in reads:
        stop = end if length is None else min(start + length, end)
        out.extend((s, min(window, stop - s), chunk) for s in range(start, stop, window))
    return out


def _rows(frame: pl.LazyFrame) -> int:
    """Rows of a Parquet scan, from its metadata."""
    return int(frame.select(pl.len()).collect().item())


@dataclass(frozen=True, slots=True)
class Unparsable:
    """Values of a numeric CSV column that are no number (``1.5.5``): counted as missing."""

    column: str
    count: int
    example: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Partition:
    """A unit of reading: file ``file_index`` (rows ``row_offset`` onwards, ``row_count`` of them)."""

    file_index: int
    path: str
    row_offset: int = 0
    row_count: int | None = None
