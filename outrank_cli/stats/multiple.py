"""Multiple testing: the Benjamini-Hochberg step-up threshold."""

from __future__ import annotations

from collections.abc import Iterable


def fdr_threshold(p_values: Iterable[float], *, alpha: float, tests: int) -> float:
    """The largest p-value that Benjamini-Hochberg at level ``alpha`` rejects among ``tests``
    hypotheses (the given p-values plus, up to ``tests``, ones that are never rejected);
    -1 when it rejects none. A hypothesis is rejected when its p-value is at most this.

    The i-th smallest p-value is compared with i * alpha / tests; every p-value up to the
    largest one under its line is rejected (Benjamini & Hochberg, JRSS B 1995). With one
    rejection it is Bonferroni's rule; it controls the expected share of false discoveries
    among the rejected at ``alpha`` (for independent or positively dependent tests).
    """
    ordered = sorted(p_values)
    m = max(tests, len(ordered), 1)
    threshold = -1.0
    for i, p in enumerate(ordered, start=1):
        if p <= i * alpha / m:
            threshold = p
    return threshold
