"""``select``: a compact subset by greedy search, from one pass with a row sample."""

from __future__ import annotations

import time
from dataclasses import dataclass

from outrank_cli.errors import UsageError
from outrank_cli.options import SearchOptions
from outrank_cli.pipeline import Request, RunInfo
from outrank_cli.progress import Progress
from outrank_cli.select.combined import PairCandidate, in_columns, with_pair_candidates
from outrank_cli.select.criteria import CRITERIA
from outrank_cli.select.greedy import Dropped, SearchPath, Selected, greedy_search
from outrank_cli.select.matrix import RedundancyMatrix, heatmap_columns, redundancy_matrix
from outrank_cli.stats.ranking import FeatureRanking


@dataclass(frozen=True, slots=True)
class SelectResult:
    run: RunInfo
    search: SearchOptions
    path: SearchPath
    ranking: tuple[FeatureRanking, ...]
    timings: dict[str, float]
    # only when asked for (the HTML report's heatmap); never in the JSON report
    matrix: RedundancyMatrix | None = None
    # with --interactions: the combined candidates, and the pair each selected column came with
    pair_candidates: tuple[PairCandidate, ...] | None = None
    taken_with: dict[str, str] | None = None

    @property
    def stopped_by(self) -> str:
        return self.path.stopped_by

    @property
    def selected(self) -> tuple[Selected, ...]:
        return self.path.selected

    @property
    def dropped(self) -> tuple[Dropped, ...]:
        return self.path.dropped


def select_features(
    request: Request, search: SearchOptions | None = None, *, matrix_columns: int = 0
) -> SelectResult:
    """Greedy forward selection with ``search.criterion``; stop at ``search.k`` or at the noise floor.

    With ``matrix_columns``, also the pairwise redundancy of that many of the selected and the
    most redundant dropped columns (at most ``matrix.MAX_COLUMNS``) for the HTML heatmap.
    """
    search = search or SearchOptions()
    search.validate()
    if search.criterion not in CRITERIA:
        raise UsageError(f"unknown --criterion {search.criterion!r}; valid: {', '.join(CRITERIA)}")
    # the search reads the sample codes of its signals; with pairs, the screen reads them all
    with request.scored(sample_rows=search.sample_rows, every_column=search.interactions) as (scored, pool):
        started = time.perf_counter()
        candidates = taken_with = None
        request.progress(Progress("selection", 0, None, unit="features"))
        if search.interactions:
            combined = with_pair_candidates(scored, search, pool=pool)
            path = greedy_search(combined.scored, search, pool=pool, cover=combined.cover)
            written = in_columns(path, combined.pairs)
            path, candidates, taken_with = written.path, written.candidates, written.taken_with
        else:
            path = greedy_search(scored, search, pool=pool)
        matrix = None
        if matrix_columns > 0 and scored.sample is not None:
            names = heatmap_columns(path, limit=matrix_columns)
            matrix = redundancy_matrix(scored.sample, names, pool=pool)
    return SelectResult(
        run=scored.run_info(),
        search=search,
        path=path,
        ranking=scored.ranking,
        timings=scored.timings(search=time.perf_counter() - started),
        matrix=matrix,
        pair_candidates=candidates,
        taken_with=taken_with,
    )
