"""The additive gain test: does a column add to an additive model of the selected ones?

The greedy search's own gain test (``stats.pairs.combined_gain_p``) conditions on one
selected feature at a time. A column whose effect is small next to the selected ones' is lost
there: given one of them, the others' effects still fill the target's variance and mask it
(a delivery's time is mostly its hour, day and distance; each of 27 items in the order adds
a minute, and given any one of the three no item's effect stands out of the rest). Given an
additive model of all of them at once it does.

The model: the target's scores (a 0/1 target's code, a numeric target's bin index; one 0/1
indicator per class of a target of more classes) as a sum of one effect per level of each
selected feature, each coarsened to its ``CONDITION_STRATA`` most frequent levels (the others
pooled) as the pairwise tests condition on it, fitted by least squares on the row sample
(conjugate gradients on the normal equations, preconditioned by the level counts). A
candidate column is tested against the model's residuals: the one-way analysis of variance of
the residuals by its levels (an unordered column on its ``CONDITION_STRATA`` strata; an F
test with its levels less one and the rows less the model's parameters and its own as degrees
of freedom), and for an ordered column (a numeric view's bins) also the slope of the
residuals on its bins' midranks among the rows with a value (an F test with one degree of
freedom); the p-values are combined by Simes' rule, and so are a multi-class target's
classes.

Against the partial F test of the linear model with the candidate added, the statistic
leaves the selected features' effects where they are (no refit for each candidate), so it is
never larger: the test is conservative, and a candidate's p-value costs one pass over its
codes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from outrank_cli.kernels import lazy_module
from outrank_cli.stats.ftail import f_sf
from outrank_cli.stats.multiple import simes
from outrank_cli.stats.pairs import CONDITION_STRATA, Gather
from outrank_cli.stats.stratified import pooled_levels

joint = lazy_module("outrank_cli.kernels.joint")

# the fit stops when no level's mean residual (in units of the target's scores: a class
# indicator, a bin index) is above this: the least-squares condition, to rounding
CONVERGED = 1e-10
MAX_STEPS = 2_000
REFRESH = 50


def target_scores(codes: np.ndarray, n_target: int, ordered: bool) -> np.ndarray:
    """The target as the additive model's responses, ``float64[m, n]``: a numeric target's bin
    index or a two-class target's code (m = 1); one 0/1 indicator per class otherwise."""
    if ordered or n_target <= 2:
        return codes.astype(np.float64).reshape(1, -1)
    scores = np.zeros((n_target, codes.shape[0]), dtype=np.float64)
    scores[codes, np.arange(codes.shape[0])] = 1.0
    return scores


def level_counts(codes: np.ndarray, levels: int) -> np.ndarray:
    """The rows of each level (``float64``; codes at or past ``levels`` widen it)."""
    counts: np.ndarray = joint.level_sums(codes, np.zeros((0, codes.shape[0])), levels)[0]
    return counts


def _sums(codes: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """The sums of ``weights`` (one a row) over each level."""
    sums: np.ndarray = joint.level_sums(codes, weights.reshape(1, -1), size)[1][0]
    return sums


@dataclass
class AdditiveModel:
    """An additive model of the target scores on the features added so far (their codes on
    the row sample), refitted as each comes: ``residuals`` (``float64[m, n]``) and the
    ``parameters`` it spent (one, plus each feature's occupied levels less one)."""

    residuals: np.ndarray
    parameters: int = 1
    _codes: list[np.ndarray] = field(default_factory=list)  # coarsened, uint16
    _effects: list[np.ndarray] = field(default_factory=list)
    _counts: list[np.ndarray] = field(default_factory=list)
    # each response's residual sum of squares, as of the last fit
    _totals: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # the residuals placed as stored codes are (``_in_step``), by their slots' identity, as of
    # the last fit
    _placed: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _placing: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, scores: np.ndarray) -> AdditiveModel:
        model = cls(residuals=scores - scores.mean(axis=1, keepdims=True))
        model.fit()
        return model

    @property
    def rows(self) -> int:
        return int(self.residuals.shape[1])

    def add(self, codes: np.ndarray, levels: int, *, fit: bool = True) -> None:
        """Add a feature (codes below ``levels``), coarsened as the pairwise tests condition
        on it (its ``CONDITION_STRATA`` most frequent levels, the others pooled), and refit
        every effect (without ``fit``: call ``fit`` once the features are added)."""
        mapping, strata = pooled_levels(level_counts(codes, levels), CONDITION_STRATA)
        coarse = np.ascontiguousarray(mapping.astype(np.uint16)[codes])  # at most 16 strata
        counts = level_counts(coarse, strata)
        self._codes.append(coarse)
        self._counts.append(np.maximum(counts, 1.0))
        self._effects.append(np.zeros((self.residuals.shape[0], counts.shape[0])))
        self.parameters += max(int(np.count_nonzero(counts)) - 1, 0)
        if fit:
            self.fit()

    def fit(self) -> None:
        """The least-squares effects, from where they are: conjugate gradients on the normal
        equations, preconditioned by the level counts (each step one pass over every
        feature's codes, as a sweep of backfitting, but far fewer of them where features are
        correlated), until no level's mean residual is above ``CONVERGED``."""
        if self._codes:
            for j in range(self.residuals.shape[0]):
                self._fit_response(j)
        self._totals = np.einsum("ij,ij->i", self.residuals, self.residuals)
        self._placed = {}

    def _in_step(self, slots: np.ndarray | None) -> np.ndarray:
        """The residuals in step with codes stored at ``slots`` (``Gather``: stored row ``p``
        is sample row ``slots[p]``; 0 where it is none), placed once a fit for every column
        stored alike: the test then reads codes and residuals in one order, not the
        residuals at random (a 200,000-row sample's do not fit a core's cache)."""
        if slots is None:
            return self.residuals
        with self._placing:
            held = self._placed.get(id(slots))
            if held is None or held[0] is not slots:
                kept = slots >= 0
                placed = np.zeros((self.residuals.shape[0], slots.shape[0]))
                placed[:, kept] = self.residuals[:, slots[kept]]
                held = self._placed[id(slots)] = (slots, placed)
            return held[1]

    def _fit_response(self, j: int) -> None:
        residual = self.residuals[j]
        codes, counts = self._codes, self._counts
        effects = [e[j] for e in self._effects]

        def normal(weights: np.ndarray) -> list[np.ndarray]:  # X^T weights, feature by feature
            return [_sums(c, weights, e.shape[0]) for c, e in zip(codes, effects, strict=True)]

        gradient = normal(residual)
        scaled = [g / n for g, n in zip(gradient, counts, strict=True)]
        direction = [z.copy() for z in scaled]
        rho = sum(float(g @ z) for g, z in zip(gradient, scaled, strict=True))
        for step in range(MAX_STEPS):
            if max(float(np.max(np.abs(z))) for z in scaled) <= CONVERGED:
                break
            along = direction[0][codes[0]]
            for c, d in zip(codes[1:], direction[1:], strict=True):
                along += d[c]
            back = normal(along)
            curvature = sum(float(d @ b) for d, b in zip(direction, back, strict=True))
            if curvature <= 0:
                break
            alpha = rho / curvature
            for e, d in zip(effects, direction, strict=True):
                e += alpha * d
            residual -= alpha * along
            if (step + 1) % REFRESH == 0:  # the recursion drifts: the gradient anew
                gradient = normal(residual)
            else:
                gradient = [g - alpha * b for g, b in zip(gradient, back, strict=True)]
            scaled = [g / n for g, n in zip(gradient, counts, strict=True)]
            rho, previous = sum(float(g @ z) for g, z in zip(gradient, scaled, strict=True)), rho
            direction = [z + (rho / previous) * d for z, d in zip(scaled, direction, strict=True)]

    def gain_p(self, codes: Gather, levels: int, ordered: bool) -> tuple[float, float]:
        """The p-value that the column with ``codes`` adds nothing to the model, and the largest
        share of a response's residual variance its levels' means explain (one pass over the
        codes, without the GIL, made or not). An unordered column is tested on its
        ``CONDITION_STRATA`` most frequent levels, the others pooled, as the model's columns
        are conditioned on: an ID-like column's thousands of levels of a row or two would put
        the test's weight on whether rare and frequent values differ in their residual
        spread."""
        n = self.rows
        df1, between, along = joint.residual_anova(
            codes.row,
            self._in_step(codes.slots),
            levels,
            slots=codes.slots,
            first=codes.first,
            then=codes.then,
            cap=CONDITION_STRATA,
            ordered=ordered,
        )
        df2 = n - self.parameters - df1
        slope_df2 = n - self.parameters - 1
        if df1 < 1 or df2 < 1:
            return 1.0, 0.0
        totals = self._totals
        p_values, shares = [], []
        for j in range(self.residuals.shape[0]):
            within = totals[j] - between[j]
            if totals[j] <= 0 or within <= 0:
                continue
            p_values.append(f_sf((between[j] / df1) / (within / df2), df1, df2))
            shares.append(between[j] / totals[j])
            left = totals[j] - along[j] if along is not None else 0.0
            if along is not None and along[j] > 0 and left > 0:  # the slope on the midranks
                p_values.append(f_sf(along[j] / (left / slope_df2), 1, slope_df2))
        if not p_values:
            return 1.0, 0.0
        return simes(p_values), max(shares)


def information_gain(share: float) -> float:
    """The information, in bits, of explaining ``share`` of a Gaussian residual's variance:
    -1/2 log2(1 - share)."""
    return -0.5 * math.log2(max(1.0 - share, 1e-300))


def fitted(scores: np.ndarray, features: Sequence[tuple[np.ndarray, int]]) -> AdditiveModel:
    """The additive model of ``scores`` on ``features`` (codes, levels), fitted once."""
    model = AdditiveModel.of(scores)
    for codes, levels in features:
        model.add(codes, levels, fit=False)
    model.fit()
    return model
