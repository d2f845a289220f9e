"""Numba source of the regularized incomplete gamma function (documented in
``kernels.chisquare``). ``log_gamma_a`` is passed in: CPython's ``math.lgamma`` is its own
implementation, and the results must be the bits the pure-Python version gave."""

from __future__ import annotations

import math

import numba as nb

from outrank_cli.kernels.constants import GAMMA_EPS, GAMMA_MAX_TERMS, GAMMA_TINY
from outrank_cli.kernels.njit.types import F8, export


@export
@nb.njit(cache=True, nogil=True)
def gamma_series(a: F8, x: F8, log_gamma_a: F8) -> F8:
    term = 1.0 / a
    total = term
    denominator = a
    for _ in range(GAMMA_MAX_TERMS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * GAMMA_EPS:
            break
    return total * math.exp(-x + a * math.log(x) - log_gamma_a)


@export
@nb.njit(cache=True, nogil=True)
def gamma_continued_fraction(a: F8, x: F8, log_gamma_a: F8) -> F8:
    b = x + 1.0 - a
    c = 1.0 / GAMMA_TINY
    d = 1.0 / b
    h = d
    for i in range(1, GAMMA_MAX_TERMS):
        an = -float(i) * (float(i) - a)
        b += 2.0
        d = an * d + b
        if abs(d) < GAMMA_TINY:
            d = GAMMA_TINY
        c = b + an / c
        if abs(c) < GAMMA_TINY:
            c = GAMMA_TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < GAMMA_EPS:
            break
    return h * math.exp(-x + a * math.log(x) - log_gamma_a)
