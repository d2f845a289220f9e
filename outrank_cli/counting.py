"""The single streaming pass: batches in, one ``ColumnCounts`` per feature out.

Per batch, the target is encoded first (its codes are shared by every column), then each
feature column is keyed and counted on a thread pool; the numba kernels release the GIL, so
columns are counted in parallel while polars reads ahead.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from outrank_cli.columns import ColumnPlan
from outrank_cli.counter import ColumnCounter, ColumnCounts
from outrank_cli.errors import InputError, TargetError
from outrank_cli.keys import Family, key_to_value, keys_of
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.sample import RowSample
from outrank_cli.source import Source, WidenColumn
from outrank_cli.target import BinnedTarget, ClassTarget, TargetKind, TargetNeedsBinning, kind_for

_MAX_RESTARTS = 64
_CELLS_PER_BATCH = 4_000_000  # rows x columns per batch: bounds batch memory for wide tables


@dataclass(frozen=True, slots=True)
class TargetSummary:
    """The encoded target: kind, class counts (rows per code) and, if binned, bin edges."""

    name: str
    kind: TargetKind
    class_counts: np.ndarray
    labels: tuple[str, ...]
    edges: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class TableCounts:
    """Everything the statistics stages need from the pass."""

    source: Source
    rows: int
    rows_dropped: int
    target: TargetSummary
    columns: tuple[ColumnCounts, ...]
    skipped: tuple[tuple[str, str], ...]
    seconds: float
    sample: RowSample | None = None


def default_threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def batch_rows_for(n_columns: int) -> int:
    return int(min(max(_CELLS_PER_BATCH // max(n_columns, 1), 8_192), 500_000))


def count_table(
    source: Source,
    plan: ColumnPlan,
    *,
    max_levels: int,
    bins: int,
    threads: int | None = None,
    batch_rows: int | None = None,
    sample_rows: int = 0,
    seed: int = 0,
    progress: ProgressCallback = ignore_progress,
) -> TableCounts:
    """Run the pass (restarting if a CSV column must be re-typed or the target binned).

    With ``sample_rows > 0``, a uniform reservoir sample of that many encoded rows is kept
    for pairwise statistics (seeded by ``seed``).
    """
    started = time.perf_counter()
    binned_target = plan.target_family is Family.FLOAT
    for _ in range(_MAX_RESTARTS):
        try:
            counts = _one_pass(
                source, plan, max_levels=max_levels, bins=bins, binned_target=binned_target,
                threads=threads or default_threads(),
                batch_rows=batch_rows or batch_rows_for(len(plan.features) + 1),
                sample_rows=sample_rows, seed=seed, progress=progress,
            )
        except WidenColumn as widen:
            if source.schema_overrides.get(widen.column) == widen.dtype:
                raise InputError(f"column {widen.column!r} could not be parsed even as {widen.dtype}") from None
            source = source.with_override(widen.column, widen.dtype)
            if widen.column == plan.target:
                family = Family.FLOAT if widen.dtype == pl.Float64 else Family.STRING
                plan = ColumnPlan(plan.target, family, plan.features, plan.skipped)
                binned_target = family is Family.FLOAT
            else:
                family = Family.FLOAT if widen.dtype == pl.Float64 else Family.STRING
                plan = ColumnPlan(
                    plan.target, plan.target_family,
                    tuple((n, family if n == widen.column else f) for n, f in plan.features),
                    plan.skipped,
                )
            continue
        except TargetNeedsBinning:
            binned_target = True
            continue
        return TableCounts(
            source=source, rows=counts[0], rows_dropped=counts[1], target=counts[2],
            columns=counts[3], skipped=plan.skipped, seconds=time.perf_counter() - started,
            sample=counts[4],
        )
    raise InputError("the CSV needed too many column re-typings; pass --input-format parquet or fix the column types")


def _target_prepass(
    source: Source, plan: ColumnPlan, *, max_levels: int, bins: int, batch_rows: int,
    progress: ProgressCallback,
) -> BinnedTarget:
    counter = ColumnCounter(plan.target, plan.target_family, max_levels=max_levels, n_target_levels=1)
    rows = 0
    for batch in source.batches([plan.target], batch_rows=max(batch_rows, 100_000)):
        column = batch.to_series(0)
        counter.update(keys_of(column, plan.target_family), np.zeros(batch.height, dtype=np.int32))
        rows += batch.height
        progress(Progress("target", rows))
    return BinnedTarget.from_counts(counter.result(), n_bins=bins)


_READ_AHEAD = 3


class _ReadAhead:
    """Pull batches on a reader thread into a bounded queue (``depth`` batches at most).

    Polars parses outside the GIL, so reading runs ahead while the caller counts, and
    while numba loads its compiled kernels on the first call. Errors raised by the reader
    reach the caller at the batch where they happened.
    """

    _DONE = object()

    def __init__(self, batches: Iterator[pl.DataFrame], depth: int = _READ_AHEAD) -> None:
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

    def __iter__(self) -> Iterator[pl.DataFrame]:
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

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _one_pass(
    source: Source, plan: ColumnPlan, *, max_levels: int, bins: int, binned_target: bool,
    threads: int, batch_rows: int, sample_rows: int, seed: int, progress: ProgressCallback,
) -> tuple[int, int, TargetSummary, tuple[ColumnCounts, ...], RowSample | None]:
    encoder: ClassTarget | BinnedTarget
    if binned_target:
        encoder = _target_prepass(source, plan, max_levels=max_levels, bins=bins, batch_rows=batch_rows, progress=progress)
    else:
        encoder = ClassTarget(plan.target, plan.target_family)
    n_target = max(encoder.n_levels, 1)
    counters = [
        ColumnCounter(name, family, max_levels=max_levels, n_target_levels=n_target)
        for name, family in plan.features
    ]
    sample = RowSample(len(counters), capacity=sample_rows, seed=seed) if sample_rows > 0 else None
    for counter in counters:
        counter.track_remaps = sample is not None
    total_rows = source.parquet_rows()
    columns = [plan.target, *(name for name, _ in plan.features)]
    rows = dropped = 0
    labels: list[str] = []
    count_pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outrank-count")
    try:
        for batch in _ReadAhead(source.batches(columns, batch_rows=batch_rows)):
            target_column = batch.get_column(plan.target)
            target_codes = encoder.encode(keys_of(target_column, plan.target_family))
            if isinstance(encoder, ClassTarget) and encoder.n_levels > len(labels):
                labels.extend(_new_labels(target_column, target_codes, len(labels), encoder.n_levels))
            dropped += int(np.count_nonzero(target_codes < 0))
            n_target = max(encoder.n_levels, 1)
            series = batch.get_columns()[1:]
            chosen = None
            if sample is not None:
                chosen = sample.choose(target_codes)
                sample.put_target(*chosen, target_codes)

            def work(index: int, codes: np.ndarray = target_codes, width: int = n_target,
                     cols: list[pl.Series] = series,
                     picked: tuple[np.ndarray, np.ndarray] | None = chosen) -> None:
                counter = counters[index]
                counter.ensure_target_levels(width)
                keys = keys_of(cols[index], counter.family)
                if sample is None or picked is None:
                    counter.update(keys, codes)
                    return
                row_codes = np.empty(codes.shape[0], dtype=np.int32)
                counter.update(keys, codes, row_codes)
                for remap in counter.pending_remaps:
                    sample.remap_column(index, remap)
                counter.pending_remaps.clear()
                sample.put_column(index, picked[0], picked[1], row_codes)

            for future in [count_pool.submit(work, i) for i in range(len(counters))]:
                future.result()
            rows += batch.height
            progress(Progress("count", rows, total_rows))
    finally:
        count_pool.shutdown(wait=True, cancel_futures=True)
    if rows == 0:
        raise InputError(f"{_where(source)}: the table has no data rows")
    class_counts = encoder.class_counts
    present = int(np.count_nonzero(class_counts))
    if rows == dropped:
        raise TargetError(f"target column {plan.target!r} is missing in every one of the {rows} rows; choose another --target")
    if present < 2:
        raise TargetError(
            f"target column {plan.target!r} has a single value in all {rows - dropped} rows with a "
            "target, so nothing can be informative about it; choose another --target"
        )
    target = _summarize_target(encoder, labels)
    for index, counter in enumerate(counters):
        counter.ensure_target_levels(max(encoder.n_levels, 1))
        counter.finish()
        if sample is not None:
            for remap in counter.pending_remaps:
                sample.remap_column(index, remap)
            counter.pending_remaps.clear()
    return rows, dropped, target, tuple(c.result() for c in counters), sample


def _new_labels(column: pl.Series, codes: np.ndarray, first: int, end: int) -> list[str]:
    """Spell the target levels ``first..end-1`` as they first appear in this batch."""
    out = []
    for code in range(first, end):
        row = int(np.argmax(codes == code))
        value = column[row]
        out.append(_number_label(value) if isinstance(value, float) else str(value))
    return out


def _summarize_target(encoder: ClassTarget | BinnedTarget, labels: list[str]) -> TargetSummary:
    if isinstance(encoder, BinnedTarget):
        if encoder.binned:
            labels = tuple(f"bin {i}" for i in range(encoder.n_levels))
        else:
            labels = tuple(_number_label(key_to_value(int(k) << encoder.key_shift, encoder.family)) for k in encoder.cell_keys)
        return TargetSummary(encoder.name, kind_for(encoder.n_levels, binned=encoder.binned),
                             encoder.class_counts, labels, tuple(encoder.edges))
    return TargetSummary(encoder.name, kind_for(encoder.n_levels, binned=False), encoder.class_counts, tuple(labels), ())


def _number_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _where(source: Source) -> str:
    return source.paths[0] if len(source.paths) == 1 else f"{len(source.paths)} files"
