"""Constants shared by the kernels and their wrappers (no numba import here).

The numba kernels read these as globals, which freezes them into the compiled code; the
compiled module's source hash (``exports.source_hash``) covers this file for that reason.
"""

from __future__ import annotations

# a free slot of the dictionary hash tables (njit.encoding)
EMPTY_SLOT = -1

# what the encoding kernel reports when it stops (njit.encoding)
STATUS_DONE = 0
STATUS_GROW = 1
STATUS_OVERFLOW = 2
STATUS_SPAN = 3  # a key outside a direct-address index

# HyperLogLog: 2**14 registers, standard error about 0.8% (njit.hashing)
HLL_PRECISION = 14
HLL_REGISTERS = 1 << HLL_PRECISION

# pair tables with at most this many (a, b) cells are counted densely (njit.joint)
DENSE_CELL_LIMIT = 1 << 16

# Terms of the hypergeometric sum smaller than this fraction of the peak are skipped: the
# pmf is unimodal, so once a term falls below it every term further out is smaller still.
HYPERGEOMETRIC_TAIL = 1e-17

# the chi-square tail's incomplete gamma function (njit.chisquare): relative precision of its
# series and continued fraction, the floor of Lentz's divisors, and the most terms taken
GAMMA_EPS = 1e-15
GAMMA_TINY = 1e-300
GAMMA_MAX_TERMS = 100_000
# the incomplete beta function's continued fraction (the F tail, ``stats/ftail.py``): it needs
# about sqrt(max(a, b)) terms, and degrees of freedom of a million rows take under 2,000
BETA_EPS = 3e-16
BETA_TINY = 1e-300
BETA_MAX_TERMS = 20_000

# the trend test (njit.information.trend_test, stats.trend): a variance under this times n^2 is 0
# (all rows in one level or one class), where rounding would leave a meaningless remainder
TREND_TINY = 1e-12
