"""The F distribution's upper tail via the regularized incomplete beta function (no scipy at
run time): the additive gain test's p-values (``stats/additive.py``)."""

from __future__ import annotations

import math

from outrank_cli.kernels import lazy_module
from outrank_cli.stats.chisquare import chi2_sf

chisquare = lazy_module("outrank_cli.kernels.chisquare")

# F(d1, d2) is d1 F ~ chi-square(d1) as d2 grows; past this ratio the two differ by under 1e-4
# of the p-value's logarithm, and the continued fraction would need thousands of terms
_CHI_SQUARE_RATIO = 1e6


def beta_regularized(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    # the continued fraction's loop runs compiled (10,000 candidates of the additive stage
    # took 0.4 s of Python)
    if x < (a + 1.0) / (a + b + 2.0):
        return min(1.0, math.exp(log_front) * float(chisquare.beta_fraction(a, b, x)) / a)
    return max(0.0, 1.0 - math.exp(log_front) * float(chisquare.beta_fraction(b, a, 1.0 - x)) / b)


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
