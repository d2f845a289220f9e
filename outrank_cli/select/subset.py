"""``select``: a compact subset by greedy search, from one pass with a row sample."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from outrank_cli.options import PassOptions, SearchOptions
from outrank_cli.pipeline import run_pass, worker_pool
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.select.greedy import Dropped, Selected, greedy_search
from outrank_cli.source.early import EarlyStart
from outrank_cli.stats.ranking import FeatureRanking, TargetInfo


@dataclass(frozen=True, slots=True)
class SelectResult:
    paths: tuple[str, ...]
    rows: int
    rows_dropped: int
    sample_rows: int
    target: TargetInfo
    options: PassOptions
    search: SearchOptions
    stopped_by: str
    selected: tuple[Selected, ...]
    dropped: tuple[Dropped, ...]
    ranking: tuple[FeatureRanking, ...]
    timings: dict[str, float]


def select_features(
    paths: Sequence[str],
    options: PassOptions,
    search: SearchOptions | None = None,
    *,
    early: EarlyStart | None = None,
    progress: ProgressCallback = ignore_progress,
) -> SelectResult:
    """Greedy forward selection with ``search.criterion``; stop at ``search.k`` or at the noise floor."""
    search = search or SearchOptions()
    search.validate()
    with worker_pool(options) as pool:
        scored = run_pass(
            paths, options, pool=pool, sample_rows=search.sample_rows, early=early, progress=progress
        )
        search_started = time.perf_counter()
        stopped_by, selected, dropped = greedy_search(scored, search, pool=pool)
    finished = time.perf_counter()
    counts = scored.counts
    assert scored.sample is not None
    return SelectResult(
        paths=counts.source.paths,
        rows=counts.rows,
        rows_dropped=counts.rows_dropped,
        sample_rows=scored.sample.rows,
        target=scored.target,
        options=options,
        search=search,
        stopped_by=stopped_by,
        selected=selected,
        dropped=dropped,
        ranking=scored.ranking,
        timings={
            "read_and_count_seconds": round(counts.seconds, 4),
            "search_seconds": round(finished - search_started, 4),
            "total_seconds": round(finished - scored.started, 4),
        },
    )
