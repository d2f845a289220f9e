"""The shortest start of ``select``'s order whose model is within a given loss of all columns.

``select``'s automatic stop keeps the columns whose gain its tests can see; on a small table
a model may still gain from weaker ones (German credit, 700 rows: 5 of 20 columns, 0.04 AUC
below all of them). ``evaluate --within LOSS`` asks the model itself: starting from the
automatic subset, it extends along ``select --k``'s order (the automatic subset, then its
fill) until the cross-validated difference to all columns on the same folds (AUC for a class
target, R² for a numeric one) is at least ``-LOSS``.

The search gallops (the automatic size m, then m + 1, m + 2, m + 4, ... columns) and then
bisects between the longest start that failed and the shortest that passed, so it fits the
model on O(log F) subsets. The difference is not monotone in the size, so the start found is
the shortest that passes between those two, not always the shortest of all; every size tried
is reported. The order is asked for only as far as the search needs it (``select --k N``
with N doubled each time): on a table of 1,500 columns ``select --k 1500`` takes minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from outrank_cli.evaluate.crossval import Prepared, Subset, SubsetScore, subset_scores


@dataclass(frozen=True, slots=True)
class Tried:
    """One size tried: the first ``n_columns`` of the order, and its mean difference to all
    columns over the folds (in the search's metric), with that difference's standard deviation
    over the folds when the model measured it (on a few hundred rows it is often ten times the
    loss asked for: the pass is then a matter of the folds drawn)."""

    n_columns: int
    difference: float
    passed: bool
    difference_spread: float | None = None


@dataclass(frozen=True, slots=True)
class ShortestFound:
    """The columns found (``columns``: the first ``len(columns)`` of the order; every column
    of the order when none shorter passed) and every size tried, in the order tried."""

    columns: tuple[str, ...]
    tried: tuple[Tried, ...]
    passed: bool  # False: even the whole order fell short (then it is all of it)


def shortest_start(
    *,
    start: int,
    total: int,
    order_up_to: Callable[[int], Sequence[str]],
    difference: Callable[[tuple[str, ...]], float],
    max_loss: float,
) -> ShortestFound:
    """The shortest start of the order (searched from ``start`` columns, at most ``total``)
    whose ``difference`` is at least ``-max_loss``.

    ``order_up_to(n)``: the order's first ``n`` columns or more (it may return fewer when
    fewer columns can be ordered: that is the end of the order). ``difference(columns)``:
    the subset's mean difference to all columns (higher is better).
    """
    if max_loss < 0:
        raise ValueError(f"max_loss must be >= 0, got {max_loss}")
    known: list[str] = []
    tried: list[Tried] = []
    passed_at: dict[int, bool] = {}

    ended = False  # the order returned fewer columns than asked for: there are no more

    def order(n: int) -> list[str]:
        nonlocal known, ended
        if len(known) < n and not ended:
            asked = min(max(n, 2 * len(known)), total)
            known = list(order_up_to(asked))
            ended = len(known) < asked or asked == total
        return known[:n]

    def passes(n: int) -> bool:
        if n not in passed_at:
            value = difference(tuple(order(n)))
            passed_at[n] = value >= -max_loss
            tried.append(Tried(n, value, passed_at[n]))
        return passed_at[n]

    size = len(order(min(max(start, 0), total)))  # the order may end before ``start``
    failed = size - 1  # never shorter than the start: the columns select's tests showed
    step = 1
    while not passes(size):
        failed = size
        longer = order(size + step)
        if len(longer) <= size:  # the whole order falls short
            return ShortestFound(tuple(longer), tuple(tried), False)
        size = len(longer)
        step *= 2
    low, high = failed + 1, size  # high passes; the sizes from low up to it are not tried yet
    while low < high:
        middle = (low + high) // 2
        if passes(middle):
            high = middle
        else:
            low = middle + 1
    return ShortestFound(tuple(order(high)), tuple(tried), True)


@dataclass(frozen=True)
class Within:
    """``evaluate --within LOSS``: the shortest start of ``select``'s order (``order_up_to(n)``:
    ``select --k n``'s columns) from the automatic subset of ``start`` columns on, whose model
    is within ``max_loss`` of all columns (``evaluate.shortest``)."""

    max_loss: float
    start: int
    order_up_to: Callable[[int], Sequence[str]]

    @property
    def name(self) -> str:
        return f"select within {self.max_loss:g}"

    def search(
        self, prepared: Prepared, base: list[dict[str, float]], *, fitted: Callable[[], None]
    ) -> tuple[Shortest, SubsetScore]:
        """The columns found and their scores (differences to ``base``, all columns' folds);
        ``fitted`` is called after each fit."""
        metric = prepared.metric
        runs: dict[tuple[str, ...], tuple[list[dict[str, float]], float]] = {}

        spreads: dict[int, float] = {}

        def difference(columns: tuple[str, ...]) -> float:
            per_fold, seconds = prepared.cross_validate(
                [Subset(self.name, columns)], with_all=False, fitted=fitted
            )
            runs[columns] = (per_fold[self.name], seconds[self.name])
            deltas = [f[metric] - b[metric] for f, b in zip(per_fold[self.name], base, strict=True)]
            spreads[len(columns)] = float(np.std(deltas, ddof=1)) if len(deltas) > 1 else 0.0
            return float(np.mean(deltas))

        found = shortest_start(
            start=self.start,
            total=len(prepared.features),
            order_up_to=self.order_up_to,
            difference=difference,
            max_loss=self.max_loss,
        )
        found = replace(
            found, tried=tuple(replace(t, difference_spread=spreads.get(t.n_columns)) for t in found.tried)
        )
        folds, seconds = runs[found.columns]
        subset = Subset(self.name, found.columns)
        score = subset_scores([subset], {self.name: folds}, base, {self.name: seconds})[0]
        return Shortest(self.max_loss, metric, self.name, self.start, found), score


@dataclass(frozen=True, slots=True)
class Shortest:
    """What ``evaluate --within`` found: the subset ``name`` (among the result's scores), the
    automatic subset's size it started from, and every size tried."""

    max_loss: float
    metric: str
    name: str
    start: int
    found: ShortestFound
