"""Where the pass runs: on this machine (threads) or on a Dask cluster; both give the same counts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from outrank_cli.count.job import CountJob
from outrank_cli.count.result import TableCounts
from outrank_cli.options import EngineOptions

if TYPE_CHECKING:
    from outrank_cli.source.early import EarlyStart

ENGINES = ("local", "dask")


def count(
    job: CountJob, engine: EngineOptions, *, pool: ThreadPoolExecutor, early: EarlyStart | None = None
) -> TableCounts:
    """Run ``job`` with the chosen engine (``early`` helps only the local one)."""
    if engine.engine == "dask":
        from outrank_cli.count.dask import count_dask

        return count_dask(job, engine, pool=pool)
    from outrank_cli.count.local import count_local

    return count_local(job, pool=pool, early=early)
