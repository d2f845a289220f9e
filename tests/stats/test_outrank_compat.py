"""The ``outrank`` correction reproduces OutRank 0.97.5's numbers up to its random draw.

OutRank's background pairs each row of target group t with the feature value n_t rows on
(a cyclic shift); on a shuffled table that is one random re-pairing, which is what our
order-free version draws from the table's margins. The reference below is OutRank's
``mutual_info_estimator_numba`` transcribed to plain numpy (float64, no float32 casts).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics.cluster import contingency_matrix

from outrank_cli.kernels.permutation import permutation_mi
from outrank_cli.stats.outrank_compat import outrank_score


def outrank_reference(feature: np.ndarray, target: np.ndarray) -> float:
    """OutRank 0.97.5: H_bg(F|T) - H(F|T) in nats, background = cyclic shift by n_t."""
    n = target.shape[0]
    position = np.arange(n)
    conditional = background = 0.0
    for value, count in zip(*np.unique(target, return_counts=True), strict=True):
        if count == 1:
            continue
        rows = position[target == value]
        for part, values in ((0, feature[rows]), (1, feature[(rows + count) % n])):
            p = np.unique(values, return_counts=True)[1] / count
            term = -(count / n) * float(np.sum(p * np.log(p)))
            if part == 0:
                conditional += term
            else:
                background += term
    return background - conditional


@pytest.mark.parametrize("levels, strength", [(5, 0.0), (5, 1.0), (200, 0.5), (2_000, 0.0)])
def test_outrank_correction_matches_outrank_within_its_noise(levels, strength):
    rng = np.random.default_rng(levels)
    n = 16_384  # one OutRank minibatch
    feature = rng.integers(0, levels, n)
    target = ((feature % 2) * strength + rng.random(n) > 0.8).astype(np.int64)
    table = contingency_matrix(feature, target)
    ours = np.array([outrank_score(table, seed=s) for s in range(40)])
    theirs = outrank_reference(feature, target)
    # both are one random re-pairing; their spread is the permutation null's
    null = permutation_mi(table.sum(axis=0), table.sum(axis=1), n_permutations=400, seed=1)
    spread = float(null.std())
    assert abs(ours.mean() - theirs) < 5 * spread + 1e-12
    # and our mean over draws is MI - E[MI] (the adjusted score), which OutRank estimates
    from outrank_cli.kernels.information import expected_mutual_information, mutual_information

    adjusted = mutual_information(table) - expected_mutual_information(table.sum(axis=0), table.sum(axis=1))
    assert ours.mean() == pytest.approx(adjusted, abs=3 * spread / math.sqrt(40) + 1e-12)


def test_outrank_correction_skips_targets_seen_once():
    table = np.array([[5, 0, 1], [0, 5, 0]])  # third target value seen once
    kept = table[:, :2]
    assert outrank_score(table, seed=3) == pytest.approx(
        outrank_score(kept, seed=3) * kept.sum() / table.sum()
    )
