"""``rank``: relevance of every feature to the target, from one streaming pass."""

from __future__ import annotations

from dataclasses import dataclass

from outrank_cli.options import PassOptions
from outrank_cli.pipeline import Request, RunInfo
from outrank_cli.stats.ranking import FeatureRanking

__all__ = ["FeatureRanking", "PassOptions", "RankResult", "Request", "rank_table"]


@dataclass(frozen=True, slots=True)
class RankResult:
    run: RunInfo
    features: tuple[FeatureRanking, ...]
    timings: dict[str, float]


def rank_table(request: Request) -> RankResult:
    """Rank every feature column of the table by relevance to the target."""
    with request.scored() as (scored, _):
        return RankResult(scored.run_info(), scored.ranking, scored.timings(statistics=scored.stats_seconds))
