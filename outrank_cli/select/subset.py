"""``select``: a compact subset by greedy search, from one pass with a row sample."""

from __future__ import annotations

import time
from dataclasses import dataclass

from outrank_cli.errors import UsageError
from outrank_cli.options import SearchOptions
from outrank_cli.pipeline import Request, RunInfo
from outrank_cli.select.criteria import CRITERIA
from outrank_cli.select.greedy import Dropped, SearchPath, Selected, greedy_search
from outrank_cli.stats.ranking import FeatureRanking


@dataclass(frozen=True, slots=True)
class SelectResult:
    run: RunInfo
    search: SearchOptions
    path: SearchPath
    ranking: tuple[FeatureRanking, ...]
    timings: dict[str, float]

    @property
    def stopped_by(self) -> str:
        return self.path.stopped_by

    @property
    def selected(self) -> tuple[Selected, ...]:
        return self.path.selected

    @property
    def dropped(self) -> tuple[Dropped, ...]:
        return self.path.dropped


def select_features(request: Request, search: SearchOptions | None = None) -> SelectResult:
    """Greedy forward selection with ``search.criterion``; stop at ``search.k`` or at the noise floor."""
    search = search or SearchOptions()
    search.validate()
    if search.criterion not in CRITERIA:
        raise UsageError(f"unknown --criterion {search.criterion!r}; valid: {', '.join(CRITERIA)}")
    with request.scored(sample_rows=search.sample_rows) as (scored, pool):
        started = time.perf_counter()
        path = greedy_search(scored, search, pool=pool)
    return SelectResult(
        run=scored.run_info(),
        search=search,
        path=path,
        ranking=scored.ranking,
        timings=scored.timings(search=time.perf_counter() - started),
    )
