"""The ``outrank`` correction: OutRank's "shifted-label background", computed from counts.

OutRank (Outbrain, PyPI ``outrank`` 0.97.5, ``ranking_mi_numba``) scores a feature F against
the target T as ``H_bg(F|T) - H(F|T)`` in nats, where the background pairs each row of
target group t with the feature value ``n_t`` rows further on (a fixed cyclic shift) and
target values seen only once are left out. Since H(F|T) = H(F) - I(F;T), the score is
``I(F;T) - I(F_bg;T)``: the plug-in MI minus the MI of one pseudo-random re-pairing of the
rows, i.e. a one-draw estimate of ``MI - E[MI]``.

A cyclic shift depends on row order; ours does not. We draw the re-pairing as one seeded
random permutation from the table's margins, which has the same distribution as OutRank's
shift on a shuffled table. OutRank's accidental fallback to plain MI when the code sums of
the feature and target happen to agree is not reproduced. Results are in nats here; the
report converts to bits like every other score.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels import lazy_module

information = lazy_module("outrank_cli.kernels.information")
permutation = lazy_module("outrank_cli.kernels.permutation")


def outrank_score(table: np.ndarray, *, seed: int = 0) -> float:
    """OutRank's background-corrected score (nats) of an ``int64[C, R]`` count table."""
    table = np.asarray(table, dtype=np.int64)
    n = int(table.sum())
    if n == 0:
        return 0.0
    kept = table[:, table.sum(axis=0) >= 2]  # OutRank skips target values seen once
    kept_rows = int(kept.sum())
    if kept_rows == 0:
        return 0.0
    observed = float(information.mutual_information(kept))
    background = float(
        permutation.permutation_mi(kept.sum(axis=0), kept.sum(axis=1), n_permutations=1, seed=seed)[0]
    )
    return float((kept_rows / n) * (observed - background))
