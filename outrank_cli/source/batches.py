"""Streaming the input's batches: batch sizes and the read-ahead thread.

Polars parses outside the GIL, so a reader thread keeps a few batches ready while the
counting threads work; ``EarlyStart`` (``early``) may have started that reader already.
Nothing here imports numpy.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import polars as pl

from outrank_cli.source.table import Source

if TYPE_CHECKING:
    from outrank_cli.source.early import EarlyStart

_CELLS_PER_BATCH = 4_000_000  # rows x columns per batch: bounds batch memory for wide tables
# every column of every batch costs some 40 us of Python (keys, counter, pool task) whatever
# its rows: at 1,000 columns, batches of 4,000 rows spent more time there than in the kernels
# (check on 200k x 1,000: reading and counting 12.1 s at 4,000 rows, 7.2 s at 16,384)
_MIN_BATCH_ROWS = 16_384
_MAX_BATCH_ROWS = 500_000
_READ_AHEAD = 3
T = TypeVar("T")
Batch = tuple[int, int, pl.DataFrame]  # (file index, first row within the file, rows)


def batch_rows_for(n_columns: int) -> int:
    """The default rows per batch for a read of ``n_columns`` columns."""
    return int(min(max(_CELLS_PER_BATCH // max(n_columns, 1), _MIN_BATCH_ROWS), _MAX_BATCH_ROWS))


class ReadAhead(Generic[T]):
    """Pull batches on a reader thread into a bounded queue (``depth`` batches at most).

    Errors raised by the reader reach the consumer at the batch where they happened.
    """

    _DONE = object()

    def __init__(self, batches: Iterator[T], depth: int = _READ_AHEAD) -> None:
        self._batches = batches
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outrank-read", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for batch in self._batches:
                if not self._put(batch):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put(error)
            return
        self._put(self._DONE)

    def __iter__(self) -> Iterator[T]:
        try:
            while True:
                item = self._queue.get()
                if item is self._DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            self.close()

    def close(self, *, wait: bool = True) -> None:
        """Stop reading (at the next batch); ``wait`` for the thread to end (at most 5 s)."""
        self._stop.set()
        if wait:
            self._thread.join(timeout=5)


def table_batches(
    source: Source, columns: Sequence[str], schema: Mapping[str, pl.DataType], *, batch_rows: int
) -> Iterator[Batch]:
    """Every partition's batches of ``columns``, in order."""
    for partition in source.partitions():
        for first, batch in source.partition_batches(partition, columns, schema, batch_rows=batch_rows):
            yield partition.file_index, first, batch


def open_batches(
    source: Source,
    columns: Sequence[str],
    schema: Mapping[str, pl.DataType],
    *,
    batch_rows: int,
    default_batch_rows: bool = False,
    early: EarlyStart | None = None,
) -> Iterator[Batch]:
    """The batches of ``columns``: from the reader ``early`` started for this source when it
    reads exactly these columns (a column it should not parse could fail the read) and,
    unless ``default_batch_rows``, in ``batch_rows`` batches; else from a new reader."""
    started = early.take_reader(source) if early is not None else None
    if started is not None:
        fits = set(columns) == set(started.columns) and (
            default_batch_rows or started.batch_rows == batch_rows
        )
        if fits:
            return ((f, first, _reordered(batch, columns)) for f, first, batch in started.reader)
        started.reader.close(wait=False)  # it stops after the batch it is reading
    return iter(ReadAhead(table_batches(source, columns, schema, batch_rows=batch_rows)))


def _reordered(batch: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``batch`` with its columns in the order of ``columns`` (the same set of names).

    One ``select``, not one ``get_column`` call per name: each call lets go of the GIL and
    waits to take it back from the counting threads, which at 10,000 columns cost about a
    second a batch (``get_columns`` still wraps every column in Python: 0.4 s).
    """
    if batch.columns == list(columns):
        return batch
    return batch.select(columns)
