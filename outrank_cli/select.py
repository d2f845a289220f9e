"""``select``: a compact subset by greedy search over relevance and redundancy.

Relevance (step 1) is exact on all rows; pair statistics come from the row sample. Only the
pairs the greedy path needs are computed: at each step, the newly selected feature against
the remaining candidates (O(k F) pairs, not F^2).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np

from outrank_cli.criteria import CRITERIA, Aggregates
from outrank_cli.errors import UsageError
from outrank_cli.pairs import PairStats, SampleColumns, pair_stats
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.rank import (
    FeatureRanking,
    RankedPass,
    RankOptions,
    TargetInfo,
    ranked_pass,
    target_info,
)

STOP_K = "k reached"
STOP_EXHAUSTED = "no candidates left"
STOP_NO_GAIN = "marginal gain not significant"
STOP_NO_SIGNAL = "no feature is significantly relevant"
# a feature is redundant with a selected one when, given it, less than this share of its own
# chance-corrected relevance is left
REDUNDANT_SHARE = 0.25


@dataclass(frozen=True, kw_only=True)
class SelectOptions(RankOptions):
    """Options of ``select`` (and ``redundancy``): ranking options plus the search."""

    k: int | None = None
    criterion: str = "jmi"
    significance: float = 0.01
    sample_rows: int = 1_000_000
    redundancy_weight: float = 1.0
    relation_weight: float = 1.0

    def validate(self) -> None:
        super().validate()
        if self.k is not None and self.k < 1:
            raise UsageError(f"--k must be >= 1, got {self.k}; leave it out to stop automatically")
        if self.criterion not in CRITERIA:
            raise UsageError(f"unknown --criterion {self.criterion!r}; valid: {', '.join(CRITERIA)}")
        if not 0.0 < self.significance < 1.0:
            raise UsageError(f"--significance must be between 0 and 1, got {self.significance}")
        if self.sample_rows < 100:
            raise UsageError(f"--sample-rows must be >= 100, got {self.sample_rows}")


@dataclass(frozen=True, slots=True)
class Selected:
    name: str
    step: int
    gain: float
    relevance: float
    p_value: float
    most_redundant_with: str | None
    redundancy: float | None
    redundancy_normalized: float | None


@dataclass(frozen=True, slots=True)
class Dropped:
    name: str
    reason: str
    relevance: float
    p_value: float
    redundant_with: str | None
    conditional_relevance: float | None
    redundancy_normalized: float | None


@dataclass(frozen=True, slots=True)
class SelectResult:
    paths: tuple[str, ...]
    rows: int
    rows_dropped: int
    sample_rows: int
    target: TargetInfo
    options: SelectOptions
    stopped_by: str
    selected: tuple[Selected, ...]
    dropped: tuple[Dropped, ...]
    ranking: tuple[FeatureRanking, ...]
    timings: dict[str, float]


@dataclass(frozen=True, slots=True)
class Prepared(RankedPass):
    """A ranked pass plus the final codes of every feature on the row sample."""

    columns: SampleColumns


def prepare(paths: Sequence[str], options: SelectOptions, progress: ProgressCallback) -> Prepared:
    """One streaming pass with a row sample; relevance of every feature; sample columns."""
    ranked = ranked_pass(paths, options, sample_rows=options.sample_rows, progress=progress)
    encoded = ranked.encoded
    sample = ranked.counts.sample
    assert sample is not None
    codes = []
    for index, feature in enumerate(encoded):
        column = sample.column(index)
        codes.append(np.ascontiguousarray(column if feature.code_map is None else feature.code_map[column]))
    columns = SampleColumns(
        names=tuple(f.name for f in encoded),
        codes=tuple(codes),
        levels=tuple(int(f.table.shape[0]) for f in encoded),
        target=np.ascontiguousarray(sample.target_codes()),
        n_target=int(encoded[0].table.shape[1]) if encoded else 1,
    )
    return Prepared(**{f.name: getattr(ranked, f.name) for f in fields(RankedPass)}, columns=columns)


def _order_key(scores: np.ndarray) -> np.ndarray:
    """Best first, ties by column order (round off float noise first)."""
    return np.argsort(-np.round(scores, 12), kind="mergesort")


def select_features(
    paths: Sequence[str], options: SelectOptions, *, progress: ProgressCallback = ignore_progress
) -> SelectResult:
    """Greedy forward selection with the named criterion; stop at ``k`` or at the noise floor."""
    prepared = prepare(paths, options, progress)
    search_started = time.perf_counter()
    result = greedy_search(prepared, options)
    finished = time.perf_counter()
    counts = prepared.counts
    return SelectResult(
        paths=counts.source.paths,
        rows=counts.rows,
        rows_dropped=counts.rows_dropped,
        sample_rows=prepared.columns.rows,
        target=target_info(counts),
        options=options,
        stopped_by=result[0],
        selected=result[1],
        dropped=result[2],
        ranking=prepared.ranking,
        timings={
            "read_and_count_seconds": round(counts.seconds, 4),
            "search_seconds": round(finished - search_started, 4),
            "total_seconds": round(finished - prepared.started, 4),
        },
    )


def greedy_search(
    prepared: Prepared, options: SelectOptions
) -> tuple[str, tuple[Selected, ...], tuple[Dropped, ...]]:
    columns = prepared.columns
    names = columns.names
    f = len(names)
    by_name = {r.name: r for r in prepared.ranking}
    relevance = np.array([by_name[n].score for n in names])
    p_values = np.array([by_name[n].p_value for n in names])
    entropy = np.array([by_name[n].entropy for n in names])
    criterion = CRITERIA[options.criterion]
    agg = Aggregates.start(relevance, alpha=options.redundancy_weight, beta=options.relation_weight)
    pairs: dict[tuple[int, int], PairStats] = {}
    remaining = [i for i in range(f) if entropy[i] > 0]
    limit = options.k
    alpha = options.significance
    selected: list[Selected] = []
    chosen: list[int] = []
    stopped_by = STOP_EXHAUSTED

    def significant(p: float, tests: int) -> bool:
        """Bonferroni over the ``tests`` features compared."""
        return bool(p * max(tests, 1) <= alpha)

    def is_signal(k: int) -> bool:
        return bool(relevance[k] > 0 and significant(p_values[k], f))

    def redundant_with(k: int) -> PairStats | None:
        """The selected signal feature given which ``k`` keeps under REDUNDANT_SHARE of its
        chance-corrected relevance (conditioning on noise or ID-like columns proves nothing)."""
        if not is_signal(k):
            return None
        threshold = REDUNDANT_SHARE * relevance[k]
        hits = [
            pairs[(k, j)] for j in chosen if is_signal(j) and pairs[(k, j)].conditional_relevance <= threshold
        ]
        return min(hits, key=lambda s: s.conditional_relevance) if hits else None

    def adds_significant_gain(k: int) -> bool:
        return all(
            pairs[(k, j)].conditional_relevance > 0 and significant(pairs[(k, j)].conditional_p, f)
            for j in chosen
            if is_signal(j)
        )

    def eligible(k: int) -> bool:
        if redundant_with(k) is not None:
            return False
        if limit is not None:
            return True
        return is_signal(k) and adds_significant_gain(k)

    pool = ThreadPoolExecutor(max_workers=prepared.threads)
    try:
        while True:
            if limit is not None and len(chosen) >= limit:
                stopped_by = STOP_K
                break
            candidates = [k for k in remaining if eligible(k)]
            if not candidates:
                if limit is not None or not remaining:
                    stopped_by = STOP_EXHAUSTED
                else:
                    stopped_by = STOP_NO_GAIN if chosen else STOP_NO_SIGNAL
                break
            # signals first; once none is left, noise only fills a requested --k, in order of
            # relevance (criteria on noise only rank noise, and its pairs are the costly ones)
            signals = [k for k in candidates if is_signal(k)]
            if signals:
                scores = relevance if not chosen else criterion(agg)
                best = signals[int(_order_key(scores[signals])[0])]
            else:
                scores = relevance
                best = candidates[int(_order_key(scores[candidates])[0])]
            gain = float(scores[best])
            if not chosen or not signals:
                selected.append(
                    Selected(
                        names[best],
                        len(chosen) + 1,
                        gain,
                        float(relevance[best]),
                        float(p_values[best]),
                        None,
                        None,
                        None,
                    )
                )
            else:
                worst = min((pairs[(best, j)] for j in chosen), key=lambda s: s.conditional_relevance)
                closest = max((pairs[(best, j)] for j in chosen), key=lambda s: s.redundancy_normalized)
                selected.append(
                    Selected(
                        names[best],
                        len(chosen) + 1,
                        gain,
                        float(relevance[best]),
                        worst.conditional_p,
                        names[closest.b],
                        closest.redundancy,
                        closest.redundancy_normalized,
                    )
                )
            chosen.append(best)
            remaining.remove(best)
            agg.n_selected = len(chosen)
            new = best
            if not signals:
                continue  # past the signals nothing needs pair statistics any more
            needed = [k for k in remaining if is_signal(k)]
            for stats in pool.map(lambda k, j=new: pair_stats(columns, k, j), needed):
                pairs[(stats.a, new)] = stats
                agg.add(
                    stats.a,
                    float(relevance[new]),
                    stats.conditional_relevance,
                    stats.redundancy - stats.redundancy_expected,
                )
    finally:
        pool.shutdown(wait=True)
    dropped = []
    chosen_set = set(chosen)
    for i in range(f):
        if i in chosen_set:
            continue
        rel, p = float(relevance[i]), float(p_values[i])
        if entropy[i] <= 0:
            dropped.append(Dropped(names[i], "constant", rel, p, None, None, None))
            continue
        if not is_signal(i):
            dropped.append(Dropped(names[i], "no signal", rel, p, None, None, None))
            continue
        against = [pairs[(i, j)] for j in chosen if (i, j) in pairs]
        if not against:
            dropped.append(
                Dropped(names[i], "not evaluated (search stopped first)", rel, p, None, None, None)
            )
            continue
        hit = redundant_with(i)
        if hit is not None:
            dropped.append(
                Dropped(
                    names[i],
                    f"redundant with {names[hit.b]}",
                    rel,
                    p,
                    names[hit.b],
                    hit.conditional_relevance,
                    hit.redundancy_normalized,
                )
            )
            continue
        worst = min(against, key=lambda s: s.conditional_relevance)
        reason = STOP_K if stopped_by == STOP_K else "no significant gain beyond the selected features"
        dropped.append(
            Dropped(
                names[i],
                reason,
                rel,
                p,
                names[worst.b],
                worst.conditional_relevance,
                worst.redundancy_normalized,
            )
        )
    return stopped_by, tuple(selected), tuple(dropped)


@dataclass(frozen=True, slots=True)
class RedundantPair:
    a: str
    b: str
    mi: float
    expected_mi: float
    normalized: float


@dataclass(frozen=True, slots=True)
class RedundancyResult:
    paths: tuple[str, ...]
    rows: int
    sample_rows: int
    options: SelectOptions
    pairs: tuple[RedundantPair, ...]
    pairs_evaluated: int
    pairs_total: int
    timings: dict[str, float]


def redundant_pairs(
    paths: Sequence[str],
    options: SelectOptions,
    *,
    top: int = 50,
    progress: ProgressCallback = ignore_progress,
) -> RedundancyResult:
    """The ``top`` most redundant feature pairs by normalized MI on the sample.

    The normalized MI of a pair is at most min(H_a, H_b) / mean(H_a, H_b) (with E[I] >= 0),
    so pairs are visited in order of that bound and the search stops once the bound falls
    below the ``top``-th best value found: most of the F^2 pairs are never counted.
    """
    prepared = prepare(paths, options, progress)
    started = time.perf_counter()
    columns = prepared.columns
    by_name = {r.name: r for r in prepared.ranking}
    entropy = np.array([by_name[n].entropy for n in columns.names])
    live = [i for i in range(len(columns.names)) if entropy[i] > 0]
    candidates = []
    for x, i in enumerate(live):
        for j in live[x + 1 :]:
            low, high = sorted((entropy[i], entropy[j]))
            candidates.append((low / ((low + high) / 2.0), i, j))
    candidates.sort(key=lambda t: (-round(t[0], 12), t[1], t[2]))
    found: list[RedundantPair] = []
    evaluated = 0
    batch = max(prepared.threads * 8, 16)
    with ThreadPoolExecutor(max_workers=prepared.threads) as pool:
        position = 0
        while position < len(candidates):
            if len(found) >= top and candidates[position][0] < found[top - 1].normalized:
                break
            chunk = candidates[position : position + batch]
            position += len(chunk)
            for stats in pool.map(lambda c: pair_stats(columns, c[1], c[2], with_target=False), chunk):
                evaluated += 1
                found.append(
                    RedundantPair(
                        columns.names[stats.a],
                        columns.names[stats.b],
                        stats.redundancy,
                        stats.redundancy_expected,
                        stats.redundancy_normalized,
                    )
                )
            found.sort(
                key=lambda p: (-round(p.normalized, 12), columns.names.index(p.a), columns.names.index(p.b))
            )
            found = found[: max(top, 1)]
    finished = time.perf_counter()
    return RedundancyResult(
        paths=prepared.counts.source.paths,
        rows=prepared.counts.rows,
        sample_rows=columns.rows,
        options=options,
        pairs=tuple(found[:top]),
        pairs_evaluated=evaluated,
        pairs_total=len(candidates),
        timings={
            "read_and_count_seconds": round(prepared.counts.seconds, 4),
            "pairs_seconds": round(finished - started, 4),
            "total_seconds": round(finished - prepared.started, 4),
        },
    )
