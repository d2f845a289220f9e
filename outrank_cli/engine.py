"""Choosing where the pass runs: on this machine (threads) or on a Dask cluster."""

from __future__ import annotations

from outrank_cli.columns import ColumnPlan
from outrank_cli.counting import TableCounts, count_table
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.reading import batch_rows_for
from outrank_cli.source import Source

ENGINES = ("local", "dask")


def count(
    source: Source,
    plan: ColumnPlan,
    *,
    engine: str,
    max_levels: int,
    bins: int,
    threads: int,
    batch_rows: int | None,
    sample_rows: int = 0,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    dashboard: bool = False,
    progress: ProgressCallback = ignore_progress,
) -> TableCounts:
    """Run the counting pass with the named engine; both give identical results."""
    if engine == "dask":
        from outrank_cli.distributed import ClusterOptions, count_table_dask

        return count_table_dask(
            source,
            plan,
            max_levels=max_levels,
            bins=bins,
            cluster=ClusterOptions(scheduler=scheduler, workers=workers, dashboard=dashboard),
            batch_rows=batch_rows or batch_rows_for(len(plan.features) + 1),
            sample_rows=sample_rows,
            seed=seed,
            progress=progress,
        )
    return count_table(
        source,
        plan,
        max_levels=max_levels,
        bins=bins,
        threads=threads,
        batch_rows=batch_rows,
        sample_rows=sample_rows,
        seed=seed,
        progress=progress,
    )
