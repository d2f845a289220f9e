"""``redundancy``: the feature pairs that repeat each other most, on the row sample.

Pairs are counted in falling order of their entropy bound on the normalized MI, and the
search stops when the bound falls below the ``top``-th best value found. Only the head of that
order is listed (``_by_bound``: the pairs of entropies close enough, found through a bisection
on the bound), not every pair. On wide tables of unrelated columns the bound never stops the
search; then, after ``SCREEN_AFTER`` counted pairs, every pair not yet counted is judged by
the MinHash screen of ``stats.minhash`` inside its kernel, and only the pairs it keeps are
listed and counted. At 10,000 columns (50M pairs) that replaces listing all pairs with their
bounds (7.4 s and 2.0 GB of arrays at the peak, against 0.13 s and 0.05 GB for the head, on a
busy machine), then 50M pair comparisons at every anchor; the report is the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from outrank_cli.encode.features import FeatureKind
from outrank_cli.options import RedundancyOptions
from outrank_cli.parallel import pool_width
from outrank_cli.pipeline import Request, RunInfo
from outrank_cli.progress import Progress
from outrank_cli.stats.minhash import anchor_count, screened_pairs
from outrank_cli.stats.pairs import pair_stats

# pairs counted before the rest are screened (a table of up to 63 columns has fewer pairs)
SCREEN_AFTER = 2_000


@dataclass(frozen=True, slots=True)
class RedundantPair:
    a: str
    b: str
    mi: float
    expected_mi: float
    normalized: float


@dataclass(frozen=True, slots=True)
class RedundancyResult:
    run: RunInfo
    pair_options: RedundancyOptions
    pairs: tuple[RedundantPair, ...]
    pairs_evaluated: int
    pairs_total: int
    timings: dict[str, float]
    # pairs the MinHash screen found unrelated and left uncounted (None: the screen did not run)
    pairs_screened_out: int | None = None


def redundant_pairs(request: Request, pair_options: RedundancyOptions | None = None) -> RedundancyResult:
    """The ``top`` most redundant feature pairs by normalized MI on the sample.

    The normalized MI of a pair is at most min(H_a, H_b) / mean(H_a, H_b) (with E[I] >= 0),
    so pairs are visited in order of that bound and the search stops once the bound falls
    below the ``top``-th best value found: most of the F^2 pairs are never counted.

    When ``SCREEN_AFTER`` pairs have been counted and the bound has not stopped the search
    (wide tables of unrelated columns, whose best values are all about 0), the pairs left are
    screened with the block MinHash of ``stats.minhash`` (as in check) and only those whose rows may be
    grouped alike are counted; the report says how many were screened out.
    """
    pair_options = pair_options or RedundancyOptions()
    pair_options.validate()
    top = pair_options.top
    with request.scored(sample_rows=pair_options.sample_rows, narrow_codes=True) as (scored, pool):
        started = time.perf_counter()
        columns = scored.sample
        assert columns is not None
        by_name = {r.name: r for r in scored.ranking}
        entropy = np.array([by_name[n].entropy for n in columns.names])
        # a multi-valued column is in the sample as one value's indicator, not as itself
        live = [
            i
            for i, n in enumerate(columns.names)
            if entropy[i] > 0 and by_name[n].kind != FeatureKind.MULTIVALUE
        ]
        batch = max(pool_width(pool) * 8, 16)
        # the pairs the bound may reach before the screen, in order; the rest only if screened
        bound, first, second = _by_bound(entropy, np.array(live, dtype=np.int64), SCREEN_AFTER + batch)
        total = len(live) * (len(live) - 1) // 2
        position_of: dict[str, int] = {}
        for index, name in enumerate(columns.names):
            position_of.setdefault(name, index)  # as names.index, without a scan per sort key
        found: list[RedundantPair] = []
        evaluated = 0
        screened_out: int | None = None
        position = 0
        while position < bound.shape[0]:
            if len(found) >= top and bound[position] < found[top - 1].normalized:
                break
            if screened_out is None and evaluated >= SCREEN_AFTER:
                # wide tables: the bound no longer stops the search (all best values are
                # about 0); count only the rest of the pairs that may repeat each other
                # every pair not yet counted is judged (which sets the anchors), but only
                # those kept are listed: 50M pairs of 10,000 columns are never built
                judged = total - position
                kept_first, kept_second = screened_pairs(
                    columns,
                    np.array(live, dtype=np.int64),
                    pool=pool,
                    seed=scored.options.seed,
                    anchors=anchor_count(judged),
                    progress=request.progress,
                )
                width = len(columns.names)
                kept_keys = kept_first * width + kept_second
                head_keys = first.astype(np.int64) * width + second
                keep = np.concatenate(
                    [np.ones(position, dtype=bool), np.isin(head_keys[position:], kept_keys)]
                )
                later_keys = kept_keys[~np.isin(kept_keys, head_keys)]
                later = _ordered(entropy, later_keys // width, later_keys % width)
                bound, first, second = (
                    np.concatenate([x[keep], y]) for x, y in zip((bound, first, second), later, strict=True)
                )
                screened_out = judged - (int(keep[position:].sum()) + later_keys.shape[0])
                continue
            ends = slice(position, position + batch)
            chunk = list(zip(first[ends].tolist(), second[ends].tolist(), strict=True))
            position += len(chunk)
            if evaluated % (batch * 16) == 0:  # the most pairs that may be counted
                upcoming = total if screened_out is None else bound.shape[0]
                request.progress(Progress("pairs", evaluated, upcoming, unit="pairs"))
            for stats in pool.map(lambda c: pair_stats(columns, c[0], c[1], with_target=False), chunk):
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
            found.sort(key=lambda p: (-round(p.normalized, 12), position_of[p.a], position_of[p.b]))
            found = found[: max(top, 1)]
    return RedundancyResult(
        run=scored.run_info(),
        pair_options=pair_options,
        pairs=tuple(found[:top]),
        pairs_evaluated=evaluated,
        pairs_total=total,
        pairs_screened_out=screened_out,
        timings=scored.timings(pairs=time.perf_counter() - started),
    )


def _by_bound(entropy: np.ndarray, live: np.ndarray, head: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(bound, i, j)`` of the pairs ``i < j`` of ``live`` features whose bound
    ``min(H) / mean(H)`` on the normalized MI (rounded to 12 decimals, so that float noise
    cannot reorder ties) is at least the ``head``-th largest, by falling bound, then ``i``,
    then ``j``. Only pairs of entropies close enough to reach that bound are listed: every
    pair of 10,000 columns (50M) with their bounds took 7.4 s and 2.0 GB, the head 0.13 s."""
    n = live.shape[0]
    if n * (n - 1) // 2 > head:
        listed = _near_pairs(entropy, live, head)
        if listed is not None:
            first, second, rounded = listed
            cut = -np.partition(-rounded, head - 1)[head - 1]
            return _ordered(entropy, first[rounded >= cut], second[rounded >= cut])
    first, second = _all_pairs(live)
    rounded = np.round(_bound(entropy, first, second), 12)
    if rounded.shape[0] > head:
        cut = -np.partition(-rounded, head - 1)[head - 1]
        first, second = first[rounded >= cut], second[rounded >= cut]
    return _ordered(entropy, first, second)


def _near_pairs(
    entropy: np.ndarray, live: np.ndarray, head: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(i, j, rounded bound)`` of a set of pairs of ``live`` features that holds at least
    ``head`` pairs and every pair whose rounded bound is at least the ``head``-th largest;
    None when that cannot be made sure of (then list them all)."""
    order = live[np.argsort(entropy[live], kind="stable")]
    ascending = entropy[order]
    after = np.arange(1, order.shape[0] + 1)

    def stops(least: float) -> np.ndarray:
        # bound = 2 / (1 + high / low) >= least  <=>  high <= low * (2 / least - 1); the
        # partners are the next ones up in entropy, a little more than enough
        reach = 2.0 / least - 1.0
        found: np.ndarray = np.searchsorted(ascending, ascending * reach * (1 + 1e-9), side="right")
        return found

    # the largest bound that at least head pairs reach (bisection: 60 counts of 10,000 columns, 0.1 s)
    low, high = 0.0, 1.0 + 1e-9
    for _ in range(60):
        middle = (low + high) / 2.0
        if middle > 0 and int(np.maximum(stops(middle) - after, 0).sum()) >= head:
            low = middle
        else:
            high = middle
    least = low * (1 - 1e-7)
    if least <= 0:
        return None
    ends = stops(least)
    counts = np.maximum(ends - after, 0)
    firsts = np.repeat(order, counts)
    partners = np.concatenate([order[p + 1 : ends[p]] for p in np.flatnonzero(counts)])
    first, second = np.minimum(firsts, partners), np.maximum(firsts, partners)
    rounded = np.round(_bound(entropy, first, second), 12)
    # a pair left out has a bound below least (the reach has slack): the cut must be above it
    if rounded.shape[0] < head or -np.partition(-rounded, head - 1)[head - 1] <= least + 1e-11:
        return None
    return first, second, rounded


def _all_pairs(live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(live[i], live[j])``, ``i < j``, by ``i`` then ``j``, as ``int32`` (the 50M
    pairs of 10,000 columns: 0.4 GB where ``np.triu_indices`` and the lookups took 1.6 GB)."""
    n = live.shape[0]
    values = live.astype(np.int32)
    counts = np.arange(n - 1, -1, -1)
    first = np.repeat(values, counts)
    second = np.empty(first.shape[0], dtype=np.int32)
    start = 0
    for i in range(n - 1):
        second[start : start + counts[i]] = values[i + 1 :]
        start += counts[i]
    return first, second


def _bound(entropy: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    low = np.minimum(entropy[first], entropy[second])
    high = np.maximum(entropy[first], entropy[second])
    bound: np.ndarray = low / ((low + high) / 2.0)
    return bound


def _ordered(
    entropy: np.ndarray, first: np.ndarray, second: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(bound, first, second)`` of the pairs by falling (rounded) bound, then first, then second."""
    bound = _bound(entropy, first, second)
    order = np.lexsort((second, first, -np.round(bound, 12)))
    return bound[order], first[order], second[order]
