"""The relevance of every feature of a pass, best first: what ``rank`` reports."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from outrank_cli.count.result import TableCounts
from outrank_cli.encode.features import EncodedFeature
from outrank_cli.options import ScoreOptions
from outrank_cli.stats.relevance import LN2, Relevance, TableSummary, information, relevance


@dataclass(frozen=True, slots=True)
class FeatureRanking(Relevance):
    """One feature's line in the ranking: its relevance (in bits) and what it is."""

    name: str
    rank: int
    levels: int
    levels_exact: bool
    missing_share: float
    kind: str
    bins: int | None


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """The target as reported: kind, classes (or bins) with their counts, entropy in bits."""

    name: str
    kind: str
    levels: int
    entropy: float
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    bin_edges: tuple[float, ...]


def target_info(counts: TableCounts) -> TargetInfo:
    t = counts.target
    class_counts = np.asarray(t.class_counts, dtype=np.int64)
    return TargetInfo(
        name=t.name,
        kind=str(t.kind),
        levels=int(np.count_nonzero(class_counts)),
        entropy=information.entropy(class_counts) / LN2,
        labels=t.labels,
        counts=tuple(int(c) for c in class_counts),
        bin_edges=t.edges,
    )


def score_features(
    features: Sequence[EncodedFeature], score: ScoreOptions, *, seed: int, pool: ThreadPoolExecutor
) -> list[FeatureRanking]:
    """Relevance of each feature, sorted best first (ties keep input column order)."""

    def one(feature: EncodedFeature) -> Relevance:
        summary = TableSummary.of(feature.table, permutations=score.permutations, seed=seed)
        return relevance(summary, correction=score.correction)

    scored = list(pool.map(one, features))
    scores = np.array([r.score for r in scored], dtype=np.float64)
    # round so that float noise from summation order cannot reorder ties
    order = np.argsort(-np.round(scores, 12), kind="mergesort")
    out = []
    for position, index in enumerate(order, start=1):
        feature, rel = features[index], scored[index]
        out.append(
            FeatureRanking(
                **asdict(rel),
                name=feature.name,
                rank=position,
                levels=feature.levels,
                levels_exact=feature.levels_exact,
                missing_share=feature.missing_share,
                kind=str(feature.kind),
                bins=feature.bins,
            )
        )
    return out
