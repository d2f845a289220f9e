"""The Cochran-Mantel-Haenszel test of A against Y within strata of B (DESIGN "Redundancy").

The conditional MI test of I(A;Y|B) has (|A|-1)(|Y|-1)|B| degrees of freedom: it looks for any
association in any stratum, so a column that carries the same information in every stratum
(the common case: A independent of B) needs |B| times the evidence to pass. The
generalized CMH statistic pools the strata first (observed minus expected counts summed over
the strata, against the summed permutation covariance), so it has (|A|-1)(|Y|-1) degrees of
freedom and keeps A's own power when its effect is alike across strata; it is valid with few
rows per stratum (Landis, Heyman & Koch, Int. Stat. Rev. 1978; Agresti, Categorical Data
Analysis, 3rd ed., sec. 6.4). The statistic is the quadratic form of the pooled deviations
in the Moore-Penrose inverse of their covariance; its degrees of freedom are that
covariance's rank, (|A|-1)(|Y|-1) when every level occurs in a stratum of two rows or more.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.encode.cells import column_totals, row_totals

# at most this many (A level, Y level) cells: A keeps up to 16 levels (32 with a binary
# target), fewer with a many-class target; beyond MAX_TARGET_LEVELS target levels no test is made
CMH_CELLS = 64
CMH_LEVELS = 16
MAX_TARGET_LEVELS = 32
_RANK_TOLERANCE = 1e-10


def pooled_levels(totals: np.ndarray, cap: int) -> tuple[np.ndarray, int]:
    """A map from the codes (``totals``: the row count of each) to 0..L-1, L <= ``cap``: the
    codes present keep a level each; beyond ``cap`` of them, those whose count is above the
    ``cap``-th largest keep their own and the others share the last one (ties never depend
    on the code order). The additive test's compiled pass pools by the same rule
    (``kernels.joint.residual_anova``; both are tested against the reference's labels)."""
    present = totals > 0
    count = int(present.sum())
    kept = present if count <= cap else totals > np.sort(totals[present])[-cap]
    kept_count = int(kept.sum())
    mapping = np.full(totals.shape[0], kept_count, dtype=np.int64)
    mapping[kept] = np.arange(kept_count)
    return mapping, kept_count + (count > kept_count)


def cmh_statistic(
    strata: np.ndarray,
    cell_a: np.ndarray,
    counts: np.ndarray,
    *,
    levels_strata: int,
    levels_a: int,
    weights: np.ndarray | None = None,
) -> tuple[float, float]:
    """``(Q, df)`` of the generalized CMH test of A against Y stratified by ``strata``, from
    the cells of a three-way table (``counts[cell, y]``; codes below ``levels_strata`` and
    ``levels_a``; ``weights`` the cells' row counts if known); ``(0, 0)`` when there is
    nothing to test. Q is referred to a chi-square with df degrees of freedom."""
    present = column_totals(counts) > 0
    if not present.all():
        counts = counts[:, present]  # the target levels present
    n_y = counts.shape[1]
    if not 2 <= n_y <= MAX_TARGET_LEVELS:
        return 0.0, 0.0
    if weights is None:
        weights = row_totals(counts)
    weights = weights.astype(np.float64, copy=False)
    s_map, n_strata = pooled_levels(
        np.bincount(strata, weights=weights, minlength=levels_strata), np.iinfo(np.int64).max
    )
    a_map, n_a = pooled_levels(
        np.bincount(cell_a, weights=weights, minlength=levels_a), max(2, min(CMH_LEVELS, CMH_CELLS // n_y))
    )
    if n_a < 2:
        return 0.0, 0.0
    cell = s_map[strata] * n_a + a_map[cell_a]
    table = np.stack(
        [np.bincount(cell, weights=counts[:, j], minlength=n_strata * n_a) for j in range(n_y)], axis=1
    ).reshape(n_strata, n_a, n_y)
    n = table.sum(axis=(1, 2))
    table = table[n >= 2]
    n = n[n >= 2]
    if n.shape[0] == 0:
        return 0.0, 0.0
    r = table.sum(axis=2)
    c = table.sum(axis=1)
    # the last level of A and of Y left out: the deviations of the others determine them
    deviation = (table - r[:, :, None] * c[:, None, :] / n[:, None, None]).sum(axis=0)[:-1, :-1]
    pr, pc = r[:, :-1] / n[:, None], c[:, :-1] / n[:, None]
    cov_r = pr[:, :, None] * (np.eye(n_a - 1)[None] - pr[:, None, :])
    cov_c = pc[:, :, None] * (np.eye(n_y - 1)[None] - pc[:, None, :])
    size = (n_a - 1) * (n_y - 1)
    variance = np.einsum("h,hab,hij->aibj", n * n / (n - 1), cov_r, cov_c).reshape(size, size)
    return quadratic_form(deviation.reshape(-1), variance)


def quadratic_form(vector: np.ndarray, variance: np.ndarray) -> tuple[float, float]:
    """``(v' V^+ v, rank V)``: the chi-square statistic of deviations ``vector`` with the
    covariance ``variance`` and its degrees of freedom; ``(0, 0)`` when V is zero."""
    size = vector.shape[0]
    try:
        lower = np.linalg.cholesky(variance)
        diagonal = np.diagonal(lower)
        if diagonal.min() > _RANK_TOLERANCE**0.5 * diagonal.max():
            solved = np.linalg.solve(lower, vector)
            return float(solved @ solved), float(size)
    except np.linalg.LinAlgError:
        pass
    # a level present only in strata of one row: the covariance is singular, use its rank
    values, vectors = np.linalg.eigh(variance)
    keep = values > _RANK_TOLERANCE * max(float(values.max(initial=0.0)), 1e-300)
    if not keep.any():
        return 0.0, 0.0
    projected = vectors[:, keep].T @ vector
    return float((projected**2 / values[keep]).sum()), float(keep.sum())
