"""The regularized incomplete gamma function behind the chi-square tail (scalars in and out)."""

from __future__ import annotations

import math

from outrank_cli.kernels.backend import kernel

_gamma_series = kernel("gamma_series")
_gamma_continued_fraction = kernel("gamma_continued_fraction")


def lower_gamma_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its series (good for x < a + 1)."""
    return float(_gamma_series(float(a), float(x), math.lgamma(a)))


def upper_gamma_fraction(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by Lentz's continued fraction (x >= a + 1)."""
    return float(_gamma_continued_fraction(float(a), float(x), math.lgamma(a)))
