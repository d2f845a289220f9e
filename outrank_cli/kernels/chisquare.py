"""The regularized incomplete gamma function behind the chi-square tail, and the incomplete beta
function's continued fraction behind the F tail (scalars in and out)."""

from __future__ import annotations

import math

from outrank_cli.kernels.backend import kernel

_gamma_series = kernel("gamma_series")
_gamma_continued_fraction = kernel("gamma_continued_fraction")
_beta_fraction = kernel("beta_fraction")


def lower_gamma_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its series (good for x < a + 1)."""
    return float(_gamma_series(float(a), float(x), math.lgamma(a)))


def upper_gamma_fraction(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by Lentz's continued fraction (x >= a + 1)."""
    return float(_gamma_continued_fraction(float(a), float(x), math.lgamma(a)))


def beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz; Press et al.,
    *Numerical Recipes*, 3rd ed., sec. 6.4), for ``x < (a + 1) / (a + b + 2)``."""
    return float(_beta_fraction(float(a), float(b), float(x)))
