"""Benjamini-Hochberg and Simes (``stats/multiple.py``) against hand-computed values and
scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from outrank_cli.stats.multiple import fdr_threshold, simes
from tests import reference


def test_the_step_up_threshold_of_the_original_paper_example():
    # eight p-values at alpha 0.05: the lines are i * 0.00625; only the two smallest are under theirs
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]
    assert fdr_threshold(p, alpha=0.05, tests=8) == 0.008


def test_a_larger_p_under_its_line_takes_the_smaller_ones_with_it():
    # 0.02 is above the first line (0.01) but the third p-value (0.03) is under its own
    assert fdr_threshold([0.03, 0.02, 0.02], alpha=0.03, tests=3) == 0.03
    assert fdr_threshold([0.04, 0.01, 0.03, 0.02], alpha=0.04, tests=4) == 0.04


def test_more_tests_than_p_values_and_none_rejected():
    # ten features of which three were tested: the lines are i * alpha / 10
    assert fdr_threshold([0.004, 0.0051, 0.5], alpha=0.05, tests=10) == 0.0051
    assert fdr_threshold([0.0051, 0.5], alpha=0.05, tests=10) == -1.0
    assert fdr_threshold([], alpha=0.05, tests=3) == -1.0
    # one rejection is Bonferroni's
    assert fdr_threshold([0.005, 0.9], alpha=0.05, tests=10) == 0.005


def test_matches_the_reference():
    import numpy as np

    rng = np.random.default_rng(4)
    for _ in range(200):
        p = list(rng.random(int(rng.integers(1, 30))) ** 3)
        tests = len(p) + int(rng.integers(0, 10))
        assert fdr_threshold(p, alpha=0.05, tests=tests) == reference.fdr_threshold(
            p, alpha=0.05, tests=tests
        )


def test_simes_by_hand():
    # tests that agree cost less than Bonferroni's m times the smallest; one that stands out
    # costs exactly that
    assert simes([0.004, 0.005, 0.006]) == pytest.approx(0.006)  # min(0.012, 0.0075, 0.006)
    assert simes([0.5, 0.001, 0.9]) == pytest.approx(0.003)
    assert simes([0.6, 0.7]) == pytest.approx(0.7)
    assert simes([0.02]) == 0.02
    assert simes([0.9, 0.95]) == 0.95
    assert simes([]) == 1.0


@pytest.mark.parametrize("seed", range(20))
def test_simes_is_the_smallest_benjamini_hochberg_adjusted_p(seed):
    # scipy's Benjamini-Hochberg adjusted p-values: their minimum is Simes' global p-value
    rng = np.random.default_rng(seed)
    p = rng.random(int(rng.integers(1, 6))) ** 3
    assert simes(p.tolist()) == pytest.approx(float(false_discovery_control(p, method="bh").min()), rel=1e-12)
    assert simes(p.tolist()) == pytest.approx(reference.simes(p.tolist()), rel=1e-12)
