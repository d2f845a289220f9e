"""Duplicate and near-duplicate feature pairs, on the row sample.

Pairs are screened by entropy first: normalized MI is at most min(H_a, H_b) / mean(H_a, H_b),
so pairs whose entropies differ too much are never counted. In rising entropy, that bound of
a column with the next ones falls as their entropy grows, so the pairs that pass are, for each
column, the next ones up to a stop (``entropy_ranges``; the exact stop by bisection on the
bound as the pairs test it). When many pairs are left (wide tables), a block-MinHash screen
(``stats.minhash``) judges them in those ranges, without listing them, and keeps the pairs
whose rows may be grouped alike; only those are counted exactly. At 10,000 columns the ranges
hold 16M pairs: listing and sorting them took 1.8 s, the screen 11.2 s; now 0.4 s and about
2 s (signatures included), same findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.encode.features import FeatureKind
from outrank_cli.kernels import lazy_module
from outrank_cli.parallel import map_in_chunks
from outrank_cli.pipeline import Scored
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.stats.minhash import anchor_count, pairs_in_ranges, screened_pairs
from outrank_cli.stats.pairs import SampleColumns, pair_stats

information = lazy_module("outrank_cli.kernels.information")

# entropies on the sample and on all rows differ a little; screen with some slack
_SCREEN_SLACK = 0.02
# fewer pairs than this are all counted exactly (a second or two); more go through the MinHash screen
MINHASH_ABOVE = 2_000


def entropy_ranges(
    columns: SampleColumns,
    bound: float,
    pool: ThreadPoolExecutor | None = None,
    among: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of features with entropy whose bound ``min(H) / mean(H)`` on the normalized MI
    is at least ``bound``, as ranges: ``(order, stops)``, the pairs ``(order[p], order[q])``
    for ``p < q < stops[p]`` (``order``: the features of positive entropy by rising entropy).
    The bound of ``(order[p], order[q])`` falls as ``q`` grows (the higher entropy grows), so
    a feature's partners are the next ones up to a stop. The entropies are computed on
    ``pool`` when given (10,000 columns of 20,000 rows: 0.4 s one by one). ``among``: the
    features that may pair (default: all)."""

    def entropy(index: int) -> float:
        value: float = information.entropy_of_codes(columns.codes[index], columns.levels[index])
        return value

    indices = range(len(columns.codes)) if among is None else among
    found = map_in_chunks(pool, entropy, indices) if pool is not None else [entropy(i) for i in indices]
    entropies = np.zeros(len(columns.codes), dtype=np.float64)
    entropies[np.asarray(indices, dtype=np.intp)] = found
    live = np.flatnonzero(entropies > 0)
    order = live[np.argsort(entropies[live], kind="stable")]
    ascending = entropies[order]
    n = order.shape[0]
    reach = 2.0 / max(bound, 1e-12) - 1.0
    # a stop with some slack, then the exact one by bisection on the bound as the pairs test it
    # (all positions at once: a loop over 10,000 positions took 0.5 s)
    low = np.arange(1, n + 1)
    high = np.maximum(np.searchsorted(ascending, ascending * reach * (1 + 1e-9), side="right"), low)
    positions = np.arange(n)

    def passes(q: np.ndarray) -> np.ndarray:
        lower = ascending[positions]
        upper = ascending[np.minimum(q, n - 1)]
        passing: np.ndarray = (q < n) & (lower / ((lower + upper) / 2.0) >= bound)
        return passing

    # invariant: positions below low pass, positions from high on do not (or are past the end)
    while np.any(low < high):
        middle = (low + high) // 2
        ok = passes(middle) & (low < high)
        low = np.where(ok, middle + 1, low)
        high = np.where(~ok & (low < high), middle, high)
    return order, low


def entropy_screen(columns: SampleColumns, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``i < j`` of features with entropy whose bound ``min(H) / mean(H)`` on the
    normalized MI is at least ``bound``: two ``int64`` arrays, by ``i`` then ``j``."""
    order, stops = entropy_ranges(columns, bound)
    lower, upper = pairs_in_ranges(stops)
    a, b = order[lower], order[upper]
    return _by_pair(np.minimum(a, b), np.maximum(a, b), len(columns.codes))


def _by_pair(first: np.ndarray, second: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs ``(first, second)`` by first, then second: one sorted key a pair is a
    fifth of the time of a lexsort and its gathers (16M pairs of 10,000 columns: 0.7 s against
    3.5 s)."""
    keys = np.sort(first.astype(np.int64) * width + second)
    return keys // width, keys % width


def pair_findings(
    scored: Scored,
    t: Thresholds,
    *,
    pool: ThreadPoolExecutor,
    minhash_above: int = MINHASH_ABOVE,
    progress: ProgressCallback = ignore_progress,
) -> list[Finding]:
    """Duplicate and near-duplicate feature pairs, on the sample, after entropy screening
    (and, past ``minhash_above`` pairs, the MinHash screen); ``progress`` hears of the pairs
    screened (stage "screen") and counted ("pairs")."""
    columns = scored.sample
    assert columns is not None, "pair findings need a pass with a row sample"
    # a multi-valued column is in the sample as its best value's indicator, not as itself
    kinds = {r.name: r.kind for r in scored.ranking}
    among = [i for i, name in enumerate(columns.names) if kinds.get(name) != FeatureKind.MULTIVALUE]
    order, stops = entropy_ranges(columns, t.near_duplicate - _SCREEN_SLACK, pool, among)
    pairs = int(np.maximum(stops - np.arange(1, stops.shape[0] + 1), 0).sum())
    if pairs > minhash_above:
        # judged where they are, in the kernels: 16M pairs of 10,000 columns are never listed
        one, other = screened_pairs(
            columns,
            order,
            pool=pool,
            seed=scored.options.seed,
            anchors=anchor_count(pairs),
            stops=stops,
            progress=progress,
        )
    else:
        lower, upper = pairs_in_ranges(stops)
        one, other = order[lower], order[upper]
    first, second = _by_pair(np.minimum(one, other), np.maximum(one, other), len(columns.codes))
    screened = list(zip(first.tolist(), second.tolist(), strict=True))
    progress(Progress("pairs", 0, len(screened), unit="pairs"))
    out: list[Finding] = []
    every = max(len(screened) // 200, 1)
    results = pool.map(lambda pair: pair_stats(columns, pair[0], pair[1], with_target=False), screened)
    for done, stats in enumerate(results, 1):
        if done % every == 0 or done == len(screened):
            progress(Progress("pairs", done, len(screened), unit="pairs"))
        a, b = columns.names[stats.a], columns.names[stats.b]
        values = {
            "normalized": stats.redundancy_normalized,
            "mi": stats.redundancy,
            "sample_rows": columns.rows,
        }
        if stats.redundancy_normalized >= t.duplicate:
            out.append(
                Finding(
                    "duplicate",
                    Severity.WARNING,
                    a,
                    f"columns {a!r} and {b!r} carry the same information (normalized MI "
                    f"{stats.redundancy_normalized:.3f}); keep one",
                    values,
                    other=b,
                )
            )
        elif stats.redundancy_normalized >= t.near_duplicate:
            out.append(
                Finding(
                    "near_duplicate",
                    Severity.INFO,
                    a,
                    f"columns {a!r} and {b!r} nearly repeat each other (normalized MI "
                    f"{stats.redundancy_normalized:.3f})",
                    values,
                    other=b,
                )
            )
    return out
