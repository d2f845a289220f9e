"""The local engine: the pass on this machine, batches read ahead and counted on the pool.

A CSV column whose later values do not fit the type inferred from the first rows, or an
integer target with too many values to be classes, restarts the pass with the wider type
(``run_with_restarts``, shared with the Dask engine).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import polars as pl

from outrank_cli.count.counter import ColumnCounter
from outrank_cli.count.job import CountJob
from outrank_cli.count.result import TableCounts, finish_pass
from outrank_cli.count.state import PassState
from outrank_cli.encode.columns import ColumnPlan
from outrank_cli.encode.keys import Family, keys_of
from outrank_cli.encode.target import BinnedTarget, TargetNeedsBinning
from outrank_cli.errors import InputError
from outrank_cli.progress import Progress, ignore_progress
from outrank_cli.source import Source, WidenColumn
from outrank_cli.source.batches import open_batches
from outrank_cli.source.early import EarlyStart

_MAX_RESTARTS = 64


def count_local(job: CountJob, *, pool: ThreadPoolExecutor, early: EarlyStart | None = None) -> TableCounts:
    """Run the pass on this machine, on ``pool``, taking over ``early``'s reader if it fits.

    With ``job.sample_rows > 0``, a uniform sample of that many encoded rows is kept for
    pairwise statistics (seeded by ``job.seed``).
    """
    started = time.perf_counter()
    progress = job.progress
    max_levels = job.encode.max_levels

    def run(source: Source, plan: ColumnPlan, binned_target: bool) -> PassState:
        schema = source.schema()
        columns = [plan.target, *(name for name, _ in plan.features)]
        target = None
        if binned_target:
            target = _target_prepass(job, source, plan, schema)
        # Parquet metadata knows the rows: the progress bar's total, the row sample's size and
        # the room of the columns' tables
        known = source.parquet_rows()
        state = PassState.start(
            plan,
            target,
            max_levels=max_levels,
            sample_rows=job.sample_rows,
            seed=job.seed,
            expected_rows=known,
        )
        total_rows = None if progress is ignore_progress else (known or source.estimated_rows())
        batches = open_batches(
            source,
            columns,
            schema,
            batch_rows=job.rows_per_batch,
            default_batch_rows=job.batch_rows is None,
            early=early,
        )
        try:
            for file_index, first, batch in batches:
                state.count(file_index, first, batch, plan, pool, wait=False)
                progress(Progress("count", state.rows, total_rows))
            if not state.columns_finished:  # the input's rows were not known ahead
                state.finish_columns(pool)
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to report
                state.wait()
            raise
        state.wait()
        return state

    state, source, plan = run_with_restarts(run, job.source, job.plan)
    return finish_pass(state, source, plan, seconds=time.perf_counter() - started, pool=pool)


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
            inferred = source.schema().get(widen.column)
            if widen.not_a_number and inferred is not None and inferred.is_numeric():
                # one stray value (``1.5.5``) must not turn a numeric column into text: read
                # it as text, cast it back, and count the values that are no number as missing
                source = source.with_override(widen.column, pl.String(), numeric=inferred)
                continue
            source = source.with_override(widen.column, widen.dtype)
            family = Family.FLOAT if widen.dtype == pl.Float64 else Family.STRING
            # the plan keeps its forced views and multi-valued columns
            if widen.column == plan.target:
                plan = replace(plan, target_family=family)
                binned_target = family is Family.FLOAT
            else:
                features = tuple((n, family if n == widen.column else f) for n, f in plan.features)
                plan = replace(plan, features=features)
        except TargetNeedsBinning:
            binned_target = True
    raise InputError(
        "the CSV needed too many column re-typings; pass --input-format parquet or fix the column types"
    )


def _target_prepass(
    job: CountJob, source: Source, plan: ColumnPlan, schema: dict[str, pl.DataType]
) -> BinnedTarget:
    """Read the numeric target alone and fix the bin of every grid cell (``BinnedTarget``)."""
    counter = ColumnCounter(
        plan.target, plan.target_family, max_levels=job.encode.max_levels, n_target_levels=1
    )
    rows = 0
    for partition in source.partitions():
        for _, batch in source.partition_batches(
            partition, [plan.target], schema, batch_rows=max(job.rows_per_batch, 100_000)
        ):
            counter.update(
                keys_of(batch.to_series(0), plan.target_family), np.zeros(batch.height, dtype=np.int32)
            )
            rows += batch.height
            job.progress(Progress("target", rows))
    counter.finish()
    return BinnedTarget.from_counts(counter.result(), n_bins=job.encode.bins)
