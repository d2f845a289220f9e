"""``--engine dask``: count partitions on a Dask cluster and merge the counts exactly.

No cluster code of our own: Dask (``distributed``) schedules the tasks, retries them when a
worker dies, and moves the results. Each task reads one partition (a file, or a run of row
groups of a big Parquet file) with polars and counts it with the package's own kernels into
a ``PassState``; states are merged pairwise on the workers (DESIGN invariant 2), and the
driver finishes the last one exactly as a local run does. Because counters merge exactly,
the row sample is chosen by row identity, and every order is made canonical at the end, the
result is identical to a local run.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl

from outrank_cli.count.counter import ColumnCounter
from outrank_cli.count.job import CountJob
from outrank_cli.count.local import run_with_restarts
from outrank_cli.count.result import TableCounts, finish_pass
from outrank_cli.count.state import PassState
from outrank_cli.encode.columns import ColumnPlan
from outrank_cli.encode.keys import keys_of
from outrank_cli.encode.target import BinnedTarget, TargetNeedsBinning
from outrank_cli.errors import InputError, OutrankError, UsageError
from outrank_cli.options import EngineOptions
from outrank_cli.progress import Progress
from outrank_cli.source import Format, Partition, Source, WidenColumn

PARTITION_ROWS = 2_000_000  # Parquet row groups are grouped into partitions of about this size
INSTALL_HINT = "--engine dask needs the dask extra: pip install 'outrank-cli[dask]'"


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return distributed


def split_partitions(source: Source, *, partition_rows: int = PARTITION_ROWS) -> list[Partition]:
    """Files, with big local Parquet files cut into runs of whole row groups."""
    partitions: list[Partition] = []
    for partition in source.partitions():
        if source.format is not Format.PARQUET or not os.path.isfile(partition.path):
            partitions.append(partition)
            continue
        try:
            import pyarrow.parquet as pq

            metadata = pq.ParquetFile(partition.path).metadata
            groups = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
        except Exception:  # unreadable metadata: the read itself will report it
            partitions.append(partition)
            continue
        chunks: list[tuple[int, int]] = []
        start = rows = 0
        for size in groups:
            rows += size
            if rows >= partition_rows:
                chunks.append((start, rows))
                start, rows = start + rows, 0
        if rows:
            chunks.append((start, rows))
        if len(chunks) <= 1:
            partitions.append(partition)
        else:
            partitions.extend(Partition(partition.file_index, partition.path, s, r) for s, r in chunks)
    return partitions


def _named(partition: Partition, error: BaseException) -> BaseException:
    """Say which partition failed (the local engine's messages name the file already)."""
    if isinstance(error, WidenColumn | TargetNeedsBinning):
        return error
    where = (
        partition.path
        if partition.row_count is None
        else (
            f"{partition.path} rows {partition.row_offset}-{partition.row_offset + partition.row_count - 1}"
        )
    )
    message = str(error) if isinstance(error, OutrankError) else f"{type(error).__name__}: {error}"
    if partition.path in message:
        return InputError(f"partition {message}" if not message.startswith("partition") else message)
    return InputError(f"partition {where}: {message}")


def _batches(
    source: Source, partition: Partition, columns: list[str], schema: dict[str, Any], batch_rows: int
) -> Iterator[tuple[int, pl.DataFrame]]:
    """The partition's batches; an error names the partition (the worker's own words)."""
    try:
        yield from source.partition_batches(partition, columns, schema, batch_rows=batch_rows)
    except BaseException as error:
        raise _named(partition, error) from None


def count_partition(
    source: Source,
    plan: ColumnPlan,
    schema: dict[str, Any],
    *,
    partition: Partition,
    target: BinnedTarget | None,
    max_levels: int,
    sample_rows: int,
    seed: int,
    batch_rows: int,
) -> PassState:
    """Worker task: count one partition into a fresh state."""
    state = PassState.start(plan, target, max_levels=max_levels, sample_rows=sample_rows, seed=seed)
    columns = [plan.target, *(name for name, _ in plan.features)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        for first, batch in _batches(source, partition, columns, schema, batch_rows):
            state.count(partition.file_index, first, batch, plan, pool)
    for counter in state.counters:
        counter.pending_remaps.clear()
    return state


def merge_states(first: PassState, second: PassState) -> PassState:
    """Worker task: merge two partition states (exact)."""
    first.merge(second)
    return first


def target_partition(
    source: Source,
    plan: ColumnPlan,
    schema: dict[str, Any],
    *,
    partition: Partition,
    max_levels: int,
    batch_rows: int,
) -> ColumnCounter:
    """Worker task: the numeric target's grid counts of one partition (for its bins)."""
    counter = ColumnCounter(plan.target, plan.target_family, max_levels=max_levels, n_target_levels=1)
    for _, batch in _batches(source, partition, [plan.target], schema, batch_rows):
        counter.update(
            keys_of(batch.to_series(0), plan.target_family), np.zeros(batch.height, dtype=np.int32)
        )
    return counter


def merge_counters(first: ColumnCounter, second: ColumnCounter) -> ColumnCounter:
    first.merge(second)
    return first


def _submit_each(
    client: Any, task: Callable[..., Any], partitions: list[Partition], batch_rows: int
) -> list[Any]:
    """One task per partition (retried twice if its worker dies)."""
    return [
        client.submit(task, partition=p, batch_rows=batch_rows, pure=False, retries=2) for p in partitions
    ]


def _tree_reduce(client: Any, futures: list[Any], merge: Callable[[Any, Any], Any]) -> Any:
    """Merge futures pairwise on the workers until one is left; return its result."""
    while len(futures) > 1:
        merged = [
            client.submit(merge, futures[i], futures[i + 1], pure=False, retries=2)
            for i in range(0, len(futures) - 1, 2)
        ]
        if len(futures) % 2:
            merged.append(futures[-1])
        futures = merged
    return futures[0].result()


def _client(cluster: EngineOptions) -> tuple[Any, Any]:
    """A client of ``--scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``), else of a new local cluster."""
    distributed = _import_distributed()
    address = cluster.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    try:
        if address:
            return distributed.Client(address, timeout="30s"), None
        local = distributed.LocalCluster(
            n_workers=cluster.workers or 2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":8787" if cluster.dashboard else None,
        )
        return distributed.Client(local), local
    except OSError as error:
        raise InputError(
            f"cannot reach the Dask scheduler {address!r} ({error}); check --scheduler"
        ) from None


def count_dask(job: CountJob, cluster: EngineOptions, *, pool: ThreadPoolExecutor) -> TableCounts:
    """The pass on a Dask cluster; the same result as the local engine (``count.local``)."""
    started = time.perf_counter()
    max_levels, batch_rows = job.encode.max_levels, job.rows_per_batch
    client, local = _client(cluster)
    try:

        def run(source: Source, plan: ColumnPlan, binned_target: bool) -> PassState:
            distributed = _import_distributed()
            schema = source.schema()
            partitions = split_partitions(source)
            target = None
            if binned_target:
                task = functools.partial(target_partition, source, plan, schema, max_levels=max_levels)
                counter = _tree_reduce(
                    client, _submit_each(client, task, partitions, batch_rows), merge_counters
                )
                counter.finish()
                target = BinnedTarget.from_counts(counter.result(), n_bins=job.encode.bins)
            counting = functools.partial(
                count_partition,
                source,
                plan,
                schema,
                target=target,
                max_levels=max_levels,
                sample_rows=job.sample_rows,
                seed=job.seed,
            )
            futures = _submit_each(client, counting, partitions, batch_rows)
            for done, future in enumerate(distributed.as_completed(futures), start=1):
                if future.status == "error":
                    future.result()  # raises the worker's error here
                job.progress(Progress("partitions", done, len(partitions)))
            return _tree_reduce(client, futures, merge_states)  # type: ignore[no-any-return]

        state, source, plan = run_with_restarts(run, job.source, job.plan)
    finally:
        client.close()
        if local is not None:
            local.close()
    return finish_pass(state, source, plan, seconds=time.perf_counter() - started, pool=pool)
