"""The single streaming pass: batches in, one ``ColumnCounts`` per feature out.

Per batch, the target is encoded first (its codes are shared by every column), then each
feature column is keyed and counted on a thread pool; the numba kernels release the GIL, so
columns are counted in parallel while polars reads ahead.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from outrank_cli.columns import ColumnPlan
from outrank_cli.counter import ColumnCounter, ColumnCounts
from outrank_cli.errors import InputError, TargetError
from outrank_cli.keys import Family, key_to_value, keys_of
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.reading import batch_rows_for, open_batches
from outrank_cli.sample import RowSample, row_ids
from outrank_cli.source import Source, WidenColumn
from outrank_cli.target import BinnedTarget, ClassTarget, TargetKind, TargetNeedsBinning, kind_for

_MAX_RESTARTS = 64


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


@dataclass
class PassState:
    """What a pass over some partitions has counted so far; states merge exactly."""

    counters: list[ColumnCounter]
    target: ClassTarget | BinnedTarget
    sample: RowSample | None
    rows: int = 0
    dropped: int = 0
    seconds: list[float] = field(default_factory=list)  # counting time per column so far
    columns_finished: bool = False  # finish_columns did the end of pass of every column
    # batches queued by count(..., wait=False): their tasks, and each column's latest task
    _in_flight: list[list[Future[None]]] = field(default_factory=list, repr=False)
    _last: list[Future[None] | None] = field(default_factory=list, repr=False)

    @classmethod
    def start(
        cls, plan: ColumnPlan, target: BinnedTarget | None, *, max_levels: int, sample_rows: int, seed: int
    ) -> PassState:
        encoder: ClassTarget | BinnedTarget = target or ClassTarget(plan.target, plan.target_family)
        width = max(encoder.n_levels, 1)
        counters = [
            ColumnCounter(n, f, max_levels=max_levels, n_target_levels=width) for n, f in plan.features
        ]
        sample = RowSample(len(counters), capacity=sample_rows, seed=seed) if sample_rows > 0 else None
        for counter in counters:
            counter.track_remaps = sample is not None
        return cls(counters, encoder, sample)

    def count(
        self,
        file_index: int,
        first_row: int,
        batch: pl.DataFrame,
        plan: ColumnPlan,
        pool: ThreadPoolExecutor,
        *,
        wait: bool = True,
    ) -> None:
        """Count one batch (target first, then every column on the pool).

        With ``wait=False`` the call returns once the columns are queued: each column's
        batches still count in order (a task waits for the same column's previous one), but
        a thread that is done with one batch goes on with the next instead of idling until
        the batch's slowest column is done. At most two batches are in flight; ``wait()``
        waits for the rest. A pass that keeps a row sample always waits (the sample takes
        one batch at a time).
        """
        target_column = batch.get_column(plan.target)
        target_keys = keys_of(target_column, plan.target_family)
        if isinstance(self.target, ClassTarget):
            target_codes = self.target.encode(target_keys, _LazyValues(target_column))
        else:
            target_codes = self.target.encode(target_keys)
        self.dropped += int(np.count_nonzero(target_codes < 0))
        width = max(self.target.n_levels, 1)
        series = batch.get_columns()[1:]
        sample = self.sample
        chosen = None
        if sample is not None:
            chosen = sample.choose(row_ids(file_index, first_row, batch.height), target_codes)
            sample.put_target(*chosen, target_codes)

        def work(index: int) -> None:
            started = time.perf_counter()
            counter = self.counters[index]
            counter.ensure_target_levels(width)
            keys = keys_of(series[index], counter.family)
            if sample is None or chosen is None:
                counter.update(keys, target_codes)
            else:
                row_codes = np.empty(target_codes.shape[0], dtype=np.int32)
                counter.update(keys, target_codes, row_codes)
                for remap in counter.pending_remaps:
                    sample.remap_column(index, remap)
                counter.pending_remaps.clear()
                sample.put_column(index, chosen[0], chosen[1], row_codes)
            self.seconds[index] += time.perf_counter() - started

        # the slowest columns first, so that no thread is left with a big one at the end
        # of the batch (cost so far; before the first batch, numbers are the slow ones)
        if not self.seconds:
            self.seconds = [float(c.family.ordered) for c in self.counters]
        order = sorted(range(len(self.counters)), key=lambda i: -self.seconds[i])
        self.rows += batch.height
        if wait or sample is not None:
            self.wait()
            for future in [pool.submit(work, i) for i in order]:
                future.result()
            return
        while len(self._in_flight) > 1:
            for future in self._in_flight.pop(0):
                future.result()
        self._queue_behind(pool, order, work)

    def _queue_behind(self, pool: ThreadPoolExecutor, order: list[int], task: Callable[[int], None]) -> None:
        """Submit ``task(index)`` for each column in ``order``, each behind that column's
        previous task (so a column's work runs in order, and columns run side by side)."""
        if len(self._last) != len(self.counters):
            self._last = [None] * len(self.counters)

        def behind(index: int, previous: Future[None] | None) -> None:
            if previous is not None:
                previous.result()
            task(index)

        queued: list[Future[None]] = []
        for index in order:
            future = pool.submit(behind, index, self._last[index])
            self._last[index] = future
            queued.append(future)
        self._in_flight.append(queued)

    def finish_columns(self, pool: ThreadPoolExecutor) -> None:
        """Queue each column's end of pass (target codes in canonical order, ``finish``) right
        behind its last batch, so that it overlaps the counting of the other columns.

        Call it after the last batch is queued (the target is complete then), for a pass
        without a row sample; ``finish_pass`` then skips these steps.
        """
        assert self.sample is None
        width = max(self.target.n_levels, 1)
        mapping = self.target.canonical_order() if isinstance(self.target, ClassTarget) else None

        def finish(index: int) -> None:
            counter = self.counters[index]
            counter.ensure_target_levels(width)
            if mapping is not None:
                counter.remap_targets(mapping, width)
            counter.finish()

        biggest_first = sorted(range(len(self.counters)), key=lambda i: -self.counters[i].n_levels)
        self._queue_behind(pool, biggest_first, finish)
        self.columns_finished = True

    def wait(self) -> None:
        """Wait until every batch queued with ``count(..., wait=False)`` is counted."""
        while self._in_flight:
            for future in self._in_flight.pop(0):
                future.result()
        self._last = []

    def merge(self, other: PassState) -> None:
        """Add another state counted over other partitions (``other`` is consumed)."""
        if isinstance(self.target, ClassTarget):
            assert isinstance(other.target, ClassTarget)
            mapping = self.target.merge(other.target)
            width = max(self.target.n_levels, 1)
            for counter in other.counters:
                counter.remap_targets(mapping, width)
            if other.sample is not None:
                other.sample.remap_target(mapping)
        for index, (mine, theirs) in enumerate(zip(self.counters, other.counters, strict=True)):
            my_map, their_map = mine.merge(theirs)
            if self.sample is not None and other.sample is not None:
                self.sample.remap_column(index, my_map)
                other.sample.remap_column(index, their_map)
            mine.pending_remaps.clear()
        if self.sample is not None and other.sample is not None:
            self.sample.merge(other.sample)
        self.rows += other.rows
        self.dropped += other.dropped


class _LazyValues:
    """Row access to a polars column, converting only the rows asked for."""

    def __init__(self, column: pl.Series) -> None:
        self._column = column

    def __getitem__(self, index: int) -> object:
        return self._column[index]

    def __len__(self) -> int:
        return self._column.len()


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
    """Run the pass on this machine (restarting if a CSV column must be re-typed or the
    target binned). With ``sample_rows > 0``, a uniform sample of that many encoded rows is
    kept for pairwise statistics (seeded by ``seed``)."""
    started = time.perf_counter()
    threads = threads or default_threads()
    rows_per_batch = batch_rows or batch_rows_for(len(plan.features) + 1)

    def run(source: Source, plan: ColumnPlan, binned_target: bool) -> PassState:
        schema = source.schema()
        columns = [plan.target, *(name for name, _ in plan.features)]
        target = None
        if binned_target:
            target = _target_prepass(
                source,
                plan,
                schema,
                max_levels=max_levels,
                bins=bins,
                batch_rows=rows_per_batch,
                progress=progress,
            )
        state = PassState.start(plan, target, max_levels=max_levels, sample_rows=sample_rows, seed=seed)
        total_rows = None if progress is ignore_progress else source.parquet_rows()
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outrank-count") as pool:
            batches = open_batches(
                source, columns, schema, batch_rows=rows_per_batch, default_batch_rows=batch_rows is None
            )
            try:
                for file_index, first, batch in batches:
                    state.count(file_index, first, batch, plan, pool, wait=False)
                    progress(Progress("count", state.rows, total_rows))
                if state.sample is None:
                    state.finish_columns(pool)
            except BaseException:
                with contextlib.suppress(Exception):  # the first error is the one to report
                    state.wait()
                raise
            state.wait()
        return state

    state, source, plan = run_with_restarts(run, source, plan)
    return finish_pass(state, source, plan, seconds=time.perf_counter() - started, threads=threads)


def run_with_restarts(
    run: Callable[[Source, ColumnPlan, bool], PassState], source: Source, plan: ColumnPlan
) -> tuple[PassState, Source, ColumnPlan]:
    """Call ``run(source, plan, binned_target)`` until no column needs re-typing and the
    target kind is settled; returns the state with the source and plan it was counted with."""
    binned_target = plan.target_family is Family.FLOAT
    for _ in range(_MAX_RESTARTS):
        try:
            return run(source, plan, binned_target), source, plan
        except WidenColumn as widen:
            if source.schema_overrides.get(widen.column) == widen.dtype:
                raise InputError(
                    f"column {widen.column!r} could not be parsed even as {widen.dtype}"
                ) from None
            source = source.with_override(widen.column, widen.dtype)
            family = Family.FLOAT if widen.dtype == pl.Float64 else Family.STRING
            if widen.column == plan.target:
                plan = ColumnPlan(plan.target, family, plan.features, plan.skipped)
                binned_target = family is Family.FLOAT
            else:
                plan = ColumnPlan(
                    plan.target,
                    plan.target_family,
                    tuple((n, family if n == widen.column else f) for n, f in plan.features),
                    plan.skipped,
                )
        except TargetNeedsBinning:
            binned_target = True
    raise InputError(
        "the CSV needed too many column re-typings; pass --input-format parquet or fix the column types"
    )


def _target_prepass(
    source: Source,
    plan: ColumnPlan,
    schema: dict[str, pl.DataType],
    *,
    max_levels: int,
    bins: int,
    batch_rows: int,
    progress: ProgressCallback,
) -> BinnedTarget:
    counter = ColumnCounter(plan.target, plan.target_family, max_levels=max_levels, n_target_levels=1)
    rows = 0
    for partition in source.partitions():
        for _, batch in source.partition_batches(
            partition, [plan.target], schema, batch_rows=max(batch_rows, 100_000)
        ):
            counter.update(
                keys_of(batch.to_series(0), plan.target_family), np.zeros(batch.height, dtype=np.int32)
            )
            rows += batch.height
            progress(Progress("target", rows))
    counter.finish()
    return BinnedTarget.from_counts(counter.result(), n_bins=bins)


def _finish_counters(counters: list[ColumnCounter], width: int, threads: int) -> None:
    """``finish`` every counter, the biggest first, on ``threads`` threads (the sorts and
    re-aggregations of big columns run in numpy, mostly outside the GIL)."""

    def finish(counter: ColumnCounter) -> None:
        counter.ensure_target_levels(width)
        counter.finish()

    if threads < 2 or len(counters) < 2:
        for counter in counters:
            finish(counter)
        return
    biggest_first = sorted(counters, key=lambda c: -c.n_levels)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outrank-finish") as pool:
        for future in [pool.submit(finish, c) for c in biggest_first]:
            future.result()


def finish_pass(
    state: PassState, source: Source, plan: ColumnPlan, *, seconds: float, threads: int | None = None
) -> TableCounts:
    """Checks on the target, canonical orders, final coarsening; the result of the pass."""
    rows, dropped = state.rows, state.dropped
    if rows == 0:
        raise InputError(f"{_where(source)}: the table has no data rows")
    if rows == dropped:
        raise TargetError(
            f"target column {plan.target!r} is missing in every one of the {rows} rows; choose another --target"
        )
    encoder = state.target
    if int(np.count_nonzero(encoder.class_counts)) < 2:
        raise TargetError(
            f"target column {plan.target!r} has a single value in all {rows - dropped} rows with a "
            "target, so nothing can be informative about it; choose another --target"
        )
    width = max(encoder.n_levels, 1)
    if isinstance(encoder, ClassTarget) and not state.columns_finished:
        mapping = encoder.canonical_order()
        for counter in state.counters:
            counter.ensure_target_levels(width)
            counter.remap_targets(mapping, width)
        if state.sample is not None:
            state.sample.remap_target(mapping)
    sample = state.sample
    if not state.columns_finished:
        _finish_counters(state.counters, width, threads or default_threads())
    for index, counter in enumerate(state.counters):
        if sample is not None:
            for remap in counter.pending_remaps:
                sample.remap_column(index, remap)
        counter.pending_remaps.clear()
    if sample is not None:
        sample.compact()
    return TableCounts(
        source=source,
        rows=rows,
        rows_dropped=dropped,
        target=_summarize_target(encoder),
        columns=tuple(c.result() for c in state.counters),
        skipped=plan.skipped,
        seconds=seconds,
        sample=sample,
    )


def _summarize_target(encoder: ClassTarget | BinnedTarget) -> TargetSummary:
    if isinstance(encoder, BinnedTarget):
        if encoder.binned:
            labels = tuple(f"bin {i}" for i in range(encoder.n_levels))
        else:
            labels = tuple(
                _number_label(key_to_value(int(k) << encoder.key_shift, encoder.family))
                for k in encoder.cell_keys
            )
        return TargetSummary(
            encoder.name,
            kind_for(encoder.n_levels, binned=encoder.binned),
            encoder.class_counts,
            labels,
            tuple(encoder.edges),
        )
    return TargetSummary(
        encoder.name,
        kind_for(encoder.n_levels, binned=False),
        encoder.class_counts,
        tuple(encoder.labels),
        (),
    )


def _number_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _where(source: Source) -> str:
    return source.paths[0] if len(source.paths) == 1 else f"{len(source.paths)} files"
