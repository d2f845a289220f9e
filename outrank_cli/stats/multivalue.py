"""Relevance of a multi-valued column: the best of its per-value indicators.

A multi-valued column (a list column, or text split by ``--multivalue NAME:SEP``) is counted
as one row of target counts per value v: the rows of each class that contain v. The indicator
"contains v" has the 2 x R table ``[n_v; a - n_v]`` (``a``: the class counts), so its plug-in MI,
its expected MI under permutation (which depends only on how many rows contain v) and its
calibrated chi-square p-value follow from the counts alone. The column scores as its best value
(largest I - E[I]); its p-value is that value's, times the number of values looked at
(Bonferroni), so a column with 10,000 values does not win by having many chances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from outrank_cli.encode.keys import Family, key_to_value
from outrank_cli.stats.relevance import LN2, Relevance, adjusted_normalized, calibrated_p, information


@dataclass(frozen=True, slots=True)
class ValueScore:
    """One value of a multi-valued column: its indicator's relevance (bits) and its rows."""

    value: str
    score: float
    mi: float
    p_value: float
    rows: int


def _xlogx_terms(counts: np.ndarray, margin: np.ndarray, target: np.ndarray, n: float) -> np.ndarray:
    """sum_y c_y/N log(N c_y / (a_y m)) per row of ``counts`` (0 log 0 = 0), in nats."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (n * counts) / (target[None, :] * margin[:, None])
        terms = np.where(counts > 0, counts / n * np.log(ratio), 0.0)
    return np.asarray(terms.sum(axis=1))


def _label(key: int, family: Family, labels: dict[int, str]) -> str:
    if family is Family.STRING:
        return labels.get(key, f"#{key:016x}")
    if family is Family.BOOLEAN:
        return "true" if key else "false"
    value = key_to_value(key, family)
    return str(int(value)) if float(value).is_integer() else repr(value)


def value_relevance(
    table: np.ndarray,
    target_counts: np.ndarray,
    *,
    level_keys: np.ndarray,
    family: Family,
    labels: dict[int, str],
    top: int = 5,
) -> tuple[Relevance, tuple[ValueScore, ...], int | None]:
    """The column's relevance (its best value's, p-value corrected), its ``top`` values, and
    the key of its best value (None when there is none, or the values share buckets).

    ``table`` is ``int64[1 + values, R]`` (row 0 unused); ``target_counts`` the class counts of
    every row with a target; ``level_keys`` the values' keys (empty when folded into buckets).
    """
    a = np.asarray(target_counts, dtype=np.float64)
    n = float(a.sum())
    # past the level cap values share buckets, and a row holding two values of one bucket
    # counts twice there: clip to a valid table (the figures of a folded column are approximate)
    rows = np.minimum(np.asarray(table[1:], dtype=np.float64), a[None, :])
    b = rows.sum(axis=1)
    present = np.flatnonzero((b > 0) & (b < n))
    if n <= 0 or present.size == 0:
        return Relevance(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0), (), None
    inside, bv = rows[present], b[present]
    mi = _xlogx_terms(inside, bv, a, n) + _xlogx_terms(a[None, :] - inside, n - bv, a, n)
    mi = np.maximum(mi, 0.0)
    expected_by_b = {
        int(count): information.expected_mutual_information(
            a.astype(np.int64), np.array([int(count), int(n) - int(count)], dtype=np.int64)
        )
        for count in np.unique(bv)
    }
    expected = np.array([expected_by_b[int(count)] for count in bv])
    score = mi - expected
    df = float(np.count_nonzero(a) - 1)
    p = np.array([calibrated_p(m, e, df) for m, e in zip(mi, expected, strict=True)])
    order = np.lexsort((present, p, -np.round(score, 12)))  # best score; then smaller p; then key order
    best = int(order[0])
    h_target = information.entropy(a)
    share = bv[best] / n
    h_indicator = -(share * math.log(share) + (1 - share) * math.log(1 - share))
    looked = present.size
    relevance = Relevance(
        score=float(score[best]) / LN2,
        mi=float(mi[best]) / LN2,
        expected_mi=float(expected[best]) / LN2,
        ami_normalized=adjusted_normalized(float(mi[best]), float(expected[best]), h_indicator, h_target),
        symmetric_uncertainty=2.0 * float(mi[best]) / (h_indicator + h_target)
        if h_indicator + h_target
        else 0.0,
        p_value=min(1.0, float(p[best]) * looked),
        entropy=h_indicator / LN2,
    )
    values = []
    for index in order[:top]:
        row = int(present[index])
        key = int(level_keys[row + 1]) if level_keys.size else row + 1
        name = _label(key, family, labels) if level_keys.size else f"bucket {row + 1} (values folded)"
        values.append(
            ValueScore(
                name, float(score[index]) / LN2, float(mi[index]) / LN2, float(p[index]), int(bv[index])
            )
        )
    best_key = int(level_keys[int(present[best]) + 1]) if level_keys.size else None
    return relevance, tuple(values), best_key
