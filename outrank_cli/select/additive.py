"""The additive stage of the automatic search: columns shown to add to an additive model of
the selected ones (``stats.additive``), taken after the signals and their relevant rest.

At each step every candidate (a column not taken, with entropy, searched, not redundant with
a selected one) is tested against the model's residuals; Benjamini-Hochberg at the search's
level over the F features decides which pass, and the one of smallest p-value is taken; the
model is refitted with it and the others are tested again. A candidate whose p-value is above
``RETEST_ABOVE`` is not tested again: on a wide table each test costs a pass over its codes.
(Testing every candidate again at every step gave the same subsets on the 17 training splits
tried, among them every table where the stage takes columns.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from outrank_cli.parallel import map_in_chunks
from outrank_cli.stats.additive import AdditiveModel, information_gain, target_scores
from outrank_cli.stats.multiple import fdr_threshold
from outrank_cli.stats.pairs import SampleColumns

RETEST_ABOVE = 0.5
# a class target of more classes is modelled as one indicator per class; past this many the
# stage is not run (the residuals would take rows x classes numbers)
MAX_CLASSES = 16


@dataclass(frozen=True, slots=True)
class AdditiveStep:
    column: int
    p_value: float
    gain: float  # bits: -1/2 log2(1 - the share of the residual variance it explains)


class AdditiveStage:
    """The model of the columns taken so far, and the candidates still tested."""

    def __init__(self, columns: SampleColumns, *, alpha: float, tests: int) -> None:
        self.columns = columns
        self.alpha = alpha
        self.tests = tests
        self.model = AdditiveModel.of(target_scores(columns.target, columns.n_target, columns.target_ordered))
        self.in_model: list[int] = []
        self.retired: set[int] = set()  # not tested again

    @staticmethod
    def applies(columns: SampleColumns) -> bool:
        return columns.target_ordered or columns.n_target <= MAX_CLASSES

    def follow(self, taken: Sequence[int]) -> None:
        """Bring the model up to ``taken`` (the columns selected, in order)."""
        fresh = [column for column in taken if column not in self.in_model]
        for column in fresh:
            self.model.add(self.columns.codes[column], self.columns.levels[column], fit=False)
            self.in_model.append(column)
        if fresh:
            self.model.fit()

    def next(
        self,
        candidates: Sequence[int],
        redundant: Callable[[int], bool],
        pool: ThreadPoolExecutor,
    ) -> AdditiveStep | None:
        """The candidate to take next, or None when none passes."""
        tested = [k for k in candidates if k not in self.retired and k not in self.in_model]
        ordered = self.columns.ordered

        def test(k: int) -> tuple[float, float]:
            level_count, is_ordered = self.columns.levels[k], bool(ordered and ordered[k])
            # read where the codes are: a wide table's columns are tested without being made
            return self.columns.with_codes(k, lambda codes: self.model.gain_p(codes, level_count, is_ordered))

        results = dict(zip(tested, map_in_chunks(pool, test, tested), strict=True))
        self.retired.update(k for k, (p, _) in results.items() if p > RETEST_ABOVE)
        threshold = fdr_threshold((p for p, _ in results.values()), alpha=self.alpha, tests=self.tests)
        for k in sorted(
            (k for k, (p, _) in results.items() if p <= threshold), key=lambda k: (results[k][0], k)
        ):
            if redundant(k):
                self.retired.add(k)
                continue
            p, share = results[k]
            return AdditiveStep(k, p, information_gain(share))
        return None
