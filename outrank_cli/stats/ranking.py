"""The relevance of every feature of a pass, best first: what ``rank`` reports.

Features whose relevance is significant (``RANK_SIGNIFICANCE``, Bonferroni over the features)
come first, each group ordered by score: the chance-corrected score of a column with many
levels is unbiased but spreads widely, so by chance a noise column with 50,000 levels can
outscore a real but small effect; it cannot outdo it in evidence.

A numeric view (bins, in order) is tested twice: by the calibrated chi-square of its table and
by the trend test of its bins (``stats/trend.py``), which has the power for a monotone effect
on few rows; the view's own p-value is the smaller of the two. A feature scored in two views
(an integer column as categories and as bins) reports the view with the stronger evidence:
the smaller p-value, then the larger score. The feature's p-value combines every test looked
at (two for a float column's bins, three for an integer column's two views) by Simes' rule
(``stats/multiple.py``: Bonferroni's m times the smallest when one stands out, less when they
agree); the other view's figures stay in the report (``other_view``, its own p-value).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace

import numpy as np

from outrank_cli.count.result import TableCounts
from outrank_cli.encode.features import EncodedFeature, FeatureKind
from outrank_cli.encode.target import TargetKind
from outrank_cli.options import ScoreOptions
from outrank_cli.parallel import map_by_chunk
from outrank_cli.stats.multiple import simes
from outrank_cli.stats.multivalue import ValueScore, value_relevance
from outrank_cli.stats.relevance import (
    LN2,
    Relevance,
    TableSummary,
    calibrated_chi2_p,
    information,
    relevance,
)
from outrank_cli.stats.trend import trend_p

# the family-wise level that splits the ranking: significant features come first
RANK_SIGNIFICANCE = 0.01
_RELEVANCE_FIELDS = fields(Relevance)


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
    significant: bool = True  # p-value under RANK_SIGNIFICANCE after Bonferroni over the features
    forced: bool = False  # the view was chosen by --categorical / --numeric
    other_view: ViewSummary | None = None  # the view that lost, when two were scored
    top_values: tuple[ValueScore, ...] = ()  # a multi-valued column's most informative values
    trend_p_value: float | None = None  # the trend test of the reported view's bins (uncorrected)


@dataclass(frozen=True, slots=True)
class ViewSummary:
    """The figures of a feature's other view (bits)."""

    kind: str
    score: float
    mi: float
    expected_mi: float
    p_value: float
    bins: int | None


# a feature scored: its best view, relevance, best values, other view, evidence, trend p
ScoredFeature = tuple[
    EncodedFeature, Relevance, tuple[ValueScore, ...], ViewSummary | None, float, float | None
]


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
    candidates: Sequence[tuple[EncodedFeature, ...]],
    counts: TableCounts,
    score: ScoreOptions,
    *,
    seed: int,
    pool: ThreadPoolExecutor,
) -> tuple[list[FeatureRanking], tuple[EncodedFeature, ...]]:
    """Each feature's relevance in its best view, sorted best first (ties keep input column
    order), and the chosen view of every feature in input order."""
    target_counts = np.asarray(counts.target.class_counts, dtype=np.int64)
    ordered_target = counts.target.kind is TargetKind.NUMERIC

    def chunk(indices: Sequence[int]) -> list[ScoredFeature]:
        """``one`` of each feature, its views' tables summarised in one compiled call."""
        tables = [
            view.table
            for index in indices
            if candidates[index][0].kind is not FeatureKind.MULTIVALUE
            for view in candidates[index]
        ]
        summaries = iter(TableSummary.of_each(tables, permutations=score.permutations, seed=seed))
        return [one(index, summaries) for index in indices]

    def one(index: int, summaries: Iterator[TableSummary]) -> ScoredFeature:
        """The feature's best view, its relevance, best values, the other view, the evidence
        (the calibrated chi-squares' and trend p-values combined) whatever the correction, and
        the trend test's p of the best view when it is ordered; ``summaries`` holds those of
        its views next, unless it is multi-valued."""
        views = candidates[index]
        if views[0].kind is FeatureKind.MULTIVALUE:
            column = counts.columns[index]
            rel, values, best = value_relevance(
                views[0].table,
                target_counts,
                level_keys=column.level_keys,
                family=column.family,
                labels=counts.value_labels.get(column.name, {}),
            )
            # the row sample pairs it as the indicator of its best value
            view = views[0] if best is None else replace(views[0], value_key=best)
            return view, rel, values, None, rel.p_value, None
        scored = []
        reported: list[float] = []  # every test's p-value: the relevance's own (permutation or not)
        calibrated: list[float] = []  # and the calibrated chi-square's in its place
        for view in views:
            summary = next(summaries)
            rel = relevance(summary, correction=score.correction)
            # the calibrated p is the relevance's own p-value but with permutations
            evidence = calibrated_chi2_p(summary) if score.correction == "permutation" else rel.p_value
            own = rel.p_value
            reported.append(own)
            calibrated.append(evidence)
            trend = (
                trend_p(view.table, ordered_target=ordered_target)
                if view.kind is FeatureKind.NUMERIC
                else None
            )
            if trend is not None:  # bins of three levels or more
                reported.append(trend)
                calibrated.append(trend)
                own, evidence = min(own, trend), min(evidence, trend)
            scored.append((view, rel, own, evidence, trend))
        # the stronger evidence: smaller p, then larger score, then the first view
        ranked = sorted(range(len(scored)), key=lambda i: (scored[i][3], -round(scored[i][1].score, 12), i))
        view, rel, _, _, trend = scored[ranked[0]]
        # one p-value for "no association" from every test looked at: the views' chi-squares
        # and the bins' trend, combined by Simes' rule
        rel = replace(rel, p_value=simes(reported))
        loser = None
        if len(scored) > 1:
            other, lost, lost_p, _, _ = scored[ranked[1]]
            loser = ViewSummary(str(other.kind), lost.score, lost.mi, lost.expected_mi, lost_p, other.bins)
        return view, rel, (), loser, simes(calibrated), trend

    scored = map_by_chunk(pool, chunk, range(len(candidates)))
    scores = np.array([rel.score for _, rel, *_ in scored], dtype=np.float64)
    significant = np.array(
        [is_significant(rel.score, p, len(scored)) for _, rel, _, _, p, _ in scored], dtype=np.bool_
    )
    # significant features first, each group by score; round so that float noise from
    # summation order cannot reorder ties
    order = np.lexsort((np.arange(len(scored)), -np.round(scores, 12), ~significant))
    out = []
    for position, index in enumerate(order, start=1):
        feature, rel, values, other, _, trend = scored[index]
        out.append(
            FeatureRanking(
                # field by field: asdict deep-copies each (0.7 s of 10,000 features)
                **{field.name: getattr(rel, field.name) for field in _RELEVANCE_FIELDS},
                name=feature.name,
                rank=position,
                levels=feature.levels,
                levels_exact=feature.levels_exact,
                missing_share=feature.missing_share,
                kind=str(feature.kind),
                bins=feature.bins,
                forced=feature.forced,
                other_view=other,
                top_values=values,
                significant=bool(significant[index]),
                trend_p_value=trend,
            )
        )
    return out, tuple(view for view, *_ in scored)


def is_significant(score: float, p_value: float, features: int) -> bool:
    """A positive score whose calibrated p-value stays under ``RANK_SIGNIFICANCE`` after
    Bonferroni over the ``features`` ranked together (the calibrated chi-square p whatever
    ``--correction``: a permutation p cannot fall below 1 / (permutations + 1))."""
    return score > 0 and p_value * max(features, 1) <= RANK_SIGNIFICANCE
