"""The greedy forward search of ``select`` over relevance and redundancy.

Relevance (step 1) is exact on all rows; pair statistics come from the row sample. Only the
pairs the greedy path needs are computed: at each step, the newly selected feature against
the remaining candidates (O(k F) pairs, not F^2).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from outrank_cli.options import SearchOptions
from outrank_cli.pipeline import Scored
from outrank_cli.select.criteria import CRITERIA, Aggregates
from outrank_cli.stats.pairs import PairStats, pair_stats

MULTIVALUE = "multivalue"
MULTIVALUE_REASON = "multi-valued: ranked by its values, not searched"
STOP_K = "k reached"
STOP_EXHAUSTED = "no candidates left"
STOP_NO_GAIN = "marginal gain not significant"
STOP_NO_SIGNAL = "no feature is significantly relevant"
# a feature is redundant with a selected one when, given it, less than this share of its own
# chance-corrected relevance is left
REDUNDANT_SHARE = 0.25


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


def _order_key(scores: np.ndarray) -> np.ndarray:
    """Best first, ties by column order (round off float noise first)."""
    return np.argsort(-np.round(scores, 12), kind="mergesort")


@dataclass(frozen=True, slots=True)
class SearchPath:
    """Where the search went: why it stopped, the features it took in order, and every
    other feature with the reason it was left out."""

    stopped_by: str
    selected: tuple[Selected, ...]
    dropped: tuple[Dropped, ...]


def greedy_search(scored: Scored, options: SearchOptions, *, pool: ThreadPoolExecutor) -> SearchPath:
    """Greedy forward selection with the named criterion; stop at ``k`` or at the noise floor."""
    columns = scored.sample
    assert columns is not None, "select needs a pass with a row sample"
    names = columns.names
    f = len(names)
    by_name = {r.name: r for r in scored.ranking}
    relevance = np.array([by_name[n].score for n in names])
    p_values = np.array([by_name[n].p_value for n in names])
    entropy = np.array([by_name[n].entropy for n in names])
    criterion = CRITERIA[options.criterion]
    agg = Aggregates.start(relevance, alpha=options.redundancy_weight, beta=options.relation_weight)
    pairs: dict[tuple[int, int], PairStats] = {}
    # multi-valued columns are ranked by their values but have no codes in the row sample
    searched = [by_name[n].kind != MULTIVALUE for n in names]
    remaining = [i for i in range(f) if entropy[i] > 0 and searched[i]]
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
        p_value, closest = float(p_values[best]), None
        if chosen and signals:
            # the step's p-value is that of its weakest conditional gain; its closest selected
            # feature is the one it shares the most with
            p_value = min(
                (pairs[(best, j)] for j in chosen), key=lambda s: s.conditional_relevance
            ).conditional_p
            closest = max((pairs[(best, j)] for j in chosen), key=lambda s: s.redundancy_normalized)
        selected.append(
            Selected(
                names[best],
                len(chosen) + 1,
                gain,
                float(relevance[best]),
                p_value,
                None if closest is None else names[closest.b],
                None if closest is None else closest.redundancy,
                None if closest is None else closest.redundancy_normalized,
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
    dropped = []
    chosen_set = set(chosen)
    for i in range(f):
        if i in chosen_set:
            continue
        rel, p = float(relevance[i]), float(p_values[i])
        if not searched[i]:
            dropped.append(Dropped(names[i], MULTIVALUE_REASON, rel, p, None, None, None))
            continue
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
    return SearchPath(stopped_by, tuple(selected), tuple(dropped))
