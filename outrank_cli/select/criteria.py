"""Greedy selection criteria (Brown et al., JMLR 2012 framework), by name.

Each criterion scores every remaining candidate from its relevance and running aggregates
of its pair statistics against the features selected so far. All terms are chance-corrected
(expected MI under permutation subtracted), in bits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np


@dataclass
class Aggregates:
    """Per-candidate running sums and extremes over the selected features (arrays of len F)."""

    relevance: np.ndarray
    n_selected: int
    sum_conditional: np.ndarray
    min_conditional: np.ndarray
    sum_redundancy: np.ndarray
    min_joint: np.ndarray
    alpha: float = 1.0
    beta: float = 1.0

    @classmethod
    def start(cls, relevance: np.ndarray, *, alpha: float, beta: float) -> Aggregates:
        f = relevance.shape[0]
        return cls(
            relevance=relevance,
            n_selected=0,
            sum_conditional=np.zeros(f),
            min_conditional=np.full(f, np.inf),
            sum_redundancy=np.zeros(f),
            min_joint=np.full(f, np.inf),
            alpha=alpha,
            beta=beta,
        )

    def copy(self) -> Aggregates:
        """An independent copy (a what-if step)."""
        return replace(
            self,
            sum_conditional=self.sum_conditional.copy(),
            min_conditional=self.min_conditional.copy(),
            sum_redundancy=self.sum_redundancy.copy(),
            min_joint=self.min_joint.copy(),
        )

    def add(self, candidate: int, selected_relevance: float, conditional: float, redundancy: float) -> None:
        self.sum_conditional[candidate] += conditional
        self.min_conditional[candidate] = min(self.min_conditional[candidate], conditional)
        self.sum_redundancy[candidate] += redundancy
        self.min_joint[candidate] = min(self.min_joint[candidate], selected_relevance + conditional)


def _jmi(agg: Aggregates) -> np.ndarray:
    """Joint mutual information: sum_j I(Xk,Xj;Y), ranked by its varying part, the mean I(Xk;Y|Xj)."""
    return agg.sum_conditional / agg.n_selected


def _mrmr(agg: Aggregates) -> np.ndarray:
    """Max-relevance min-redundancy, difference form (MID): I(Xk;Y) - mean_j I(Xk;Xj)."""
    return agg.relevance - agg.sum_redundancy / agg.n_selected


def _cmim(agg: Aggregates) -> np.ndarray:
    """Conditional mutual information maximisation: min_j I(Xk;Y|Xj)."""
    return agg.min_conditional


def _jmim(agg: Aggregates) -> np.ndarray:
    """Joint mutual information maximisation: min_j I(Xk,Xj;Y)."""
    return agg.min_joint


def _three_mr(agg: Aggregates) -> np.ndarray:
    """OutRank's 3MR form: relevance - alpha * redundancy + beta * relation, where the
    relation is the mean interaction gain I(Xk;Y|Xj) - I(Xk;Y) (synergy with the selected)."""
    n = agg.n_selected
    relation = agg.sum_conditional / n - agg.relevance
    return np.asarray(agg.relevance - agg.alpha * agg.sum_redundancy / n + agg.beta * relation)


CRITERIA: dict[str, Callable[[Aggregates], np.ndarray]] = {
    "jmi": _jmi,
    "mrmr": _mrmr,
    "cmim": _cmim,
    "jmim": _jmim,
    "3mr": _three_mr,
}
