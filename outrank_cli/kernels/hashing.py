"""splitmix64 hashing of 64-bit keys, and a HyperLogLog distinct-count sketch over them.

The sketch is mergeable (element-wise max of registers), so per-batch and per-worker sketches
combine exactly as one pass would.
"""

from __future__ import annotations

import math

import numpy as np

from outrank_cli.kernels.backend import kernel
from outrank_cli.kernels.constants import HLL_PRECISION as HLL_PRECISION
from outrank_cli.kernels.constants import HLL_REGISTERS as HLL_REGISTERS

_hll_add = kernel("hll_add")
_mix64_array = kernel("mix64_array")
_mix64_accumulate = kernel("mix64_accumulate")
_UINT64_MASK = (1 << 64) - 1


def word(value: int) -> np.uint64:
    """``value`` modulo ``2**64`` as a ``uint64`` kernel argument (seeds, salts, keys given as
    any Python or numpy integer, negative or wider)."""
    return np.uint64(int(value) & _UINT64_MASK)


def mix64_array(values: np.ndarray, seed: int) -> np.ndarray:
    """splitmix64 of ``values ^ salt``, element-wise, with ``salt = seed * 0x9E3779B97F4A7C15``.

    Bit for bit the numpy formula ``x = values ^ salt``, ``x = (x ^ x >> 30) *
    0xBF58476D1CE4E5B9``, ``x = (x ^ x >> 27) * 0x94D049BB133111EB``, ``x ^ x >> 31`` in
    wrapping ``uint64`` arithmetic, in one pass without temporaries. ``values`` are ``uint64``
    of any shape (other integer dtypes are cast, wrapping); the result is ``uint64`` of the
    same shape. ``seed`` is any Python or numpy integer; only its value modulo ``2**64``
    matters (so negative and wider seeds work as in that formula).
    """
    array = np.asarray(values)
    flat = np.ascontiguousarray(array, dtype=np.uint64).ravel()
    mixed: np.ndarray = _mix64_array(flat, word(seed))
    return mixed.reshape(array.shape)


def mix64_accumulate(
    total: np.ndarray, keys: np.ndarray, missing: np.ndarray | None, missing_key: int, salt: int
) -> None:
    """``total += mix64_array(k ^ salt, 0)``, wrapping, ``k`` being ``keys`` with
    ``missing_key`` where ``missing`` is true, in place (``total``: contiguous ``uint64``):
    one column's share of a row hash summed over columns, in one pass without temporaries."""
    if total.dtype != np.uint64 or not total.flags.c_contiguous:
        raise ValueError("total must be contiguous uint64")
    mask = np.zeros(0, dtype=np.bool_) if missing is None else np.ascontiguousarray(missing, dtype=np.bool_)
    _mix64_accumulate(
        total,
        np.ascontiguousarray(keys, dtype=np.uint64),
        mask,
        word(missing_key),
        word(salt),
    )


def new_hll() -> np.ndarray:
    """An empty sketch: ``uint8[HLL_REGISTERS]``."""
    return np.zeros(HLL_REGISTERS, dtype=np.uint8)


def hll_add(registers: np.ndarray, keys: np.ndarray, missing: np.ndarray | None = None) -> None:
    """Add ``uint64`` keys (rows where ``missing`` is true are skipped) to the sketch in place."""
    if registers.dtype != np.uint8 or registers.shape != (HLL_REGISTERS,):
        raise ValueError("registers must be uint8[HLL_REGISTERS]")
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    mask = np.zeros(0, dtype=np.bool_) if missing is None else np.ascontiguousarray(missing, dtype=np.bool_)
    _hll_add(registers, keys, mask)


def hll_estimate(registers: np.ndarray) -> int:
    """Estimated number of distinct keys added (standard error about 0.8%)."""
    m = float(HLL_REGISTERS)
    alpha = 0.7213 / (1.0 + 1.079 / m)
    inverse_sum = float(np.sum(np.ldexp(1.0, -registers.astype(np.int64))))
    raw = alpha * m * m / inverse_sum
    zeros = int(np.count_nonzero(registers == 0))
    if raw <= 2.5 * m and zeros > 0:
        return round(m * math.log(m / zeros))
    return round(raw)
