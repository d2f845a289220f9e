"""The F distribution's upper tail via the regularized incomplete beta function (no scipy at
run time): the additive gain test's p-values (``stats/additive.py``)."""

from __future__ import annotations

import math

from outrank_cli.stats.chisquare import chi2_sf

_TINY = 1e-300
_EPSILON = 3e-16
# the continued fraction needs about sqrt(max(a, b)) terms; degrees of freedom of a million
# rows take under 2,000
_MAX_TERMS = 20_000
# F(d1, d2) is d1 F ~ chi-square(d1) as d2 grows; past this ratio the two differ by under 1e-4
# of the p-value's logarithm, and the continued fraction would need thousands of terms
_CHI_SQUARE_RATIO = 1e6


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz; Press et al.,
    *Numerical Recipes*, 3rd ed., sec. 6.4), for ``x < (a + 1) / (a + b + 2)``."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a - 1.0 + m2) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            step = d * c
            h *= step
        if abs(step - 1.0) < _EPSILON:
            break
    return h


def beta_regularized(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return min(1.0, math.exp(log_front) * _beta_fraction(a, b, x) / a)
    return max(0.0, 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b)


def f_sf(statistic: float, df1: float, df2: float) -> float:
    """P(F >= statistic) for F ~ F(df1, df2): I_x(df2 / 2, df1 / 2) at x = df2 / (df2 + df1 F),
    computed on the side where the continued fraction converges, so a p-value of 1e-200 keeps
    its digits. 1 when there is nothing to test (a degree of freedom or the statistic <= 0)."""
    if df1 <= 0 or df2 <= 0 or statistic <= 0:
        return 1.0
    if math.isinf(statistic):
        return 0.0
    if df2 > _CHI_SQUARE_RATIO * df1:
        return chi2_sf(df1 * statistic, df1)
    x = df2 / (df2 + df1 * statistic)
    return beta_regularized(df2 / 2.0, df1 / 2.0, x)
