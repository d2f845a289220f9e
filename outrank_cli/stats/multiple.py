"""Multiple testing: the Benjamini-Hochberg step-up threshold, and Simes' combination of
several tests of one hypothesis."""

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


def simes(p_values: Iterable[float]) -> float:
    """One p-value for a hypothesis tested several ways on the same data (Simes, Biometrika
    1986): with the m p-values sorted, min over i of m p_(i) / i, at most 1; 1 for none.

    When one test stands out it is Bonferroni's m times the smallest; when the tests agree
    it costs less (three p-values near 0.004: 0.004, where Bonferroni gives 0.012). It is
    valid for positively dependent tests (Sarkar, Ann. Stat. 1998), as tests of one table by
    different statistics are: a column with a trend gives a large chi-square too.
    """
    ordered = sorted(p_values)
    m = len(ordered)
    if m == 1:  # a feature of one test (a text column): its own p-value
        return min(ordered[0], 1.0)
    return min([1.0, *(m * p / i for i, p in enumerate(ordered, start=1))])
