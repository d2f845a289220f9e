"""Numba source of the regularized incomplete gamma function and the incomplete beta
function's continued fraction (documented in ``kernels.chisquare``). ``log_gamma_a`` is
passed in: CPython's ``math.lgamma`` is its own implementation, and the results must be the
bits the pure-Python version gave."""

from __future__ import annotations

import math

import numba as nb

from outrank_cli.kernels.constants import (
    BETA_EPS,
    BETA_MAX_TERMS,
    BETA_TINY,
    GAMMA_EPS,
    GAMMA_MAX_TERMS,
    GAMMA_TINY,
)
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


@nb.njit(cache=True)
def _lentz_step(numerator: float, c: float, d: float) -> tuple[float, float, float]:
    d = 1.0 + numerator * d
    d = 1.0 / (d if abs(d) > BETA_TINY else BETA_TINY)
    c = 1.0 + numerator / c
    c = c if abs(c) > BETA_TINY else BETA_TINY
    return c, d, d * c


@export
@nb.njit(cache=True, nogil=True)
def beta_fraction(a: F8, b: F8, x: F8) -> F8:
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > BETA_TINY else BETA_TINY)
    h = d
    for m in range(1, BETA_MAX_TERMS + 1):
        m2 = 2 * m
        c, d, step = _lentz_step(m * (b - m) * x / ((a - 1.0 + m2) * (a + m2)), c, d)
        h *= step
        c, d, step = _lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2)), c, d)
        h *= step
        if abs(step - 1.0) < BETA_EPS:
            break
    return h
