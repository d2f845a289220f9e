"""Numba source of 64-bit mixing and the HyperLogLog update (documented in ``kernels.hashing``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from outrank_cli.kernels.constants import HLL_PRECISION
from outrank_cli.kernels.njit.types import U8, B1Array, U1Array, U8Array, export

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


@export
@nb.njit(cache=True, nogil=True)
def mix64_array(values: U8Array, seed: U8) -> U8Array:
    """splitmix64 of ``value ^ (seed * 0x9E3779B97F4A7C15)`` for each value (wrapping uint64), ``uint64[n]``."""
    salt = seed * _GOLDEN
    out = np.empty(values.shape[0], dtype=np.uint64)
    for i in range(values.shape[0]):
        out[i] = mix64(values[i] ^ salt)
    return out


@export
@nb.njit(cache=True, nogil=True)
def mix64_accumulate(total: U8Array, keys: U8Array, missing: B1Array, missing_key: U8, salt: U8) -> None:
    """``total += mix64(keys' ^ salt)`` in place, wrapping, ``keys'`` being ``keys`` with
    ``missing_key`` where ``missing`` (empty: nothing missing): one column's share of a row
    hash that does not depend on the order in which the columns are added."""
    has_missing = missing.shape[0] > 0
    for i in range(total.shape[0]):
        key = missing_key if has_missing and missing[i] else keys[i]
        total[i] += mix64(np.uint64(key) ^ salt)


@export
@nb.njit(cache=True, nogil=True)
def hll_add(registers: U1Array, keys: U8Array, missing: B1Array) -> None:
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
