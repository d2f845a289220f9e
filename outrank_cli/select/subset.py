"""``select``: a compact subset by greedy search, from one pass with a row sample."""

from __future__ import annotations

import time
from dataclasses import dataclass

from outrank_cli.options import SearchOptions
from outrank_cli.pipeline import Request, RunInfo
from outrank_cli.select.greedy import Dropped, Selected, greedy_search
from outrank_cli.stats.ranking import FeatureRanking


@dataclass(frozen=True, slots=True)
class SelectResult:
    run: RunInfo
    search: SearchOptions
    stopped_by: str
    selected: tuple[Selected, ...]
    dropped: tuple[Dropped, ...]
    ranking: tuple[FeatureRanking, ...]
    timings: dict[str, float]


def select_features(request: Request, search: SearchOptions | None = None) -> SelectResult:
    """Greedy forward selection with ``search.criterion``; stop at ``search.k`` or at the noise floor."""
    search = search or SearchOptions()
    search.validate()
    with request.scored(sample_rows=search.sample_rows) as (scored, pool):
        started = time.perf_counter()
        stopped_by, selected, dropped = greedy_search(scored, search, pool=pool)
    return SelectResult(
        run=scored.run_info(),
        search=search,
        stopped_by=stopped_by,
        selected=selected,
        dropped=dropped,
        ranking=scored.ranking,
        timings=scored.timings(search=time.perf_counter() - started),
    )
