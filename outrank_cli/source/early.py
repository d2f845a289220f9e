"""An early start: resolve the input, infer its schema and start reading, before the command
has imported numpy and the counting code.

Importing numpy and the kernels takes about 60 ms, which is most of the read of a 200k-row
Parquet file; polars infers and parses outside the GIL, so doing both on a side thread
overlaps them. The command line creates one ``EarlyStart`` and hands it to the pipeline,
which takes the source (with its schema) and the running reader over when they are for the
same input. Anything that goes wrong here is left for the pipeline to meet again and report.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from outrank_cli.options import ReadOptions
from outrank_cli.source.batches import Batch, ReadAhead, batch_rows_for, table_batches
from outrank_cli.source.paths import resolve
from outrank_cli.source.table import Source


@dataclass(frozen=True, slots=True)
class StartedReader:
    """A reader of every column, begun by the early start."""

    columns: tuple[str, ...]
    batch_rows: int
    reader: ReadAhead[Batch]


class EarlyStart:
    """Resolve ``paths`` and infer the schema on a side thread and, with ``read_rows``, start
    reading every column right after (local engine only: a cluster reads on its workers)."""

    def __init__(self, paths: Sequence[str], read: ReadOptions, *, read_rows: bool) -> None:
        self._paths = tuple(paths)
        self._read = read
        self._read_rows = read_rows
        self._source: Future[Source | None] = Future()
        self._reader: Future[StartedReader | None] = Future()
        threading.Thread(target=self._run, name="outrank-early", daemon=True).start()

    def _run(self) -> None:
        try:
            source = resolve(self._paths, self._read)
            schema = source.schema()
        except BaseException:  # met again, and reported, by the pipeline
            self._source.set_result(None)
            self._reader.set_result(None)
            return
        self._source.set_result(source)
        if not self._read_rows:
            self._reader.set_result(None)
            return
        try:
            columns = tuple(schema)
            rows = batch_rows_for(len(columns))
            reader = ReadAhead(table_batches(source, columns, schema, batch_rows=rows))
            self._reader.set_result(StartedReader(columns, rows, reader))
        except BaseException:
            self._reader.set_result(None)

    def source(self, paths: Sequence[str], read: ReadOptions) -> Source | None:
        """The resolved source with its schema, if the early start was for this input."""
        if tuple(paths) != self._paths or read != self._read:
            return None
        return self._source.result()

    def take_reader(self, source: Source) -> StartedReader | None:
        """The running reader of ``source`` (once: whoever takes it owns it), or None."""
        if self._source.result() is not source:
            return None
        started = self._reader.result()
        self._reader = Future()
        self._reader.set_result(None)
        return started

    def close(self) -> None:
        """Stop a reader nobody took (at the batch it is reading)."""
        source = self._source.result()
        started = self.take_reader(source) if source is not None else None
        if started is not None:
            started.reader.close(wait=False)
