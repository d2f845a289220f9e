"""``rank``: relevance of every feature to the target, from one streaming pass."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from outrank_cli.options import PassOptions
from outrank_cli.pipeline import run_pass, worker_pool
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.source.early import EarlyStart
from outrank_cli.stats.ranking import FeatureRanking, TargetInfo

__all__ = ["FeatureRanking", "PassOptions", "RankResult", "TargetInfo", "rank_table"]


@dataclass(frozen=True, slots=True)
class RankResult:
    paths: tuple[str, ...]
    rows: int
    rows_dropped: int
    target: TargetInfo
    options: PassOptions
    features: tuple[FeatureRanking, ...]
    skipped: tuple[tuple[str, str], ...]
    timings: dict[str, float]


def rank_table(
    paths: Sequence[str],
    options: PassOptions,
    *,
    early: EarlyStart | None = None,
    progress: ProgressCallback = ignore_progress,
) -> RankResult:
    """Rank every feature column of the table at ``paths`` by relevance to ``options.target``."""
    with worker_pool(options) as pool:
        scored = run_pass(paths, options, pool=pool, early=early, progress=progress)
    counts = scored.counts
    finished = time.perf_counter()
    return RankResult(
        paths=counts.source.paths,
        rows=counts.rows,
        rows_dropped=counts.rows_dropped,
        target=scored.target,
        options=options,
        features=scored.ranking,
        skipped=counts.skipped,
        timings={
            "read_and_count_seconds": round(counts.seconds, 4),
            "statistics_seconds": round(scored.stats_seconds, 4),
            "total_seconds": round(finished - scored.started, 4),
        },
    )
