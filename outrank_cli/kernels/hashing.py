"""64-bit mixing and a HyperLogLog distinct-count sketch.

The sketch is mergeable (element-wise max of registers), so per-batch and per-worker sketches
combine exactly as one pass would.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

HLL_PRECISION = 14
HLL_REGISTERS = 1 << HLL_PRECISION

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)


@nb.njit(cache=True, nogil=True, inline="always")
def mix64(key: np.uint64) -> np.uint64:
    """splitmix64 finalizer: a bijection on 64-bit integers with good avalanche."""
    x = key ^ (key >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


@nb.njit(cache=True, nogil=True)
def _hll_add(registers: np.ndarray, keys: np.ndarray, missing: np.ndarray) -> None:
    shift = np.uint64(64 - HLL_PRECISION)
    has_missing = missing.shape[0] > 0
    one = np.uint64(1)
    for i in range(keys.shape[0]):
        if has_missing and missing[i]:
            continue
        h = mix64(keys[i] + _GOLDEN)
        index = h >> shift
        rest = (h << np.uint64(HLL_PRECISION)) | (one << np.uint64(HLL_PRECISION - 1))
        rho = 1
        top = one << np.uint64(63)
        while (rest & top) == 0:
            rho += 1
            rest = rest << one
        if rho > registers[index]:
            registers[index] = rho


def new_hll() -> np.ndarray:
    """An empty sketch: ``uint8[HLL_REGISTERS]``."""
    return np.zeros(HLL_REGISTERS, dtype=np.uint8)


def hll_add(registers: np.ndarray, keys: np.ndarray, missing: np.ndarray | None = None) -> None:
    """Add ``uint64`` keys (rows where ``missing`` is true are skipped) to the sketch in place."""
    if registers.dtype != np.uint8 or registers.shape != (HLL_REGISTERS,):
        raise ValueError("registers must be uint8[HLL_REGISTERS]")
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    mask = np.zeros(0, dtype=np.bool_) if missing is None else missing
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
