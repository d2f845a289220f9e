"""Dictionary encoding of 64-bit keys into dense codes, fused with (code, target) counting.

Code 0 is reserved for missing values; levels get codes 1, 2, ... in order of first sight.
The dictionary is an open-addressing hash table (linear probing) kept at most half full.
Kernels stop early and report why (table full, level cap reached) so the caller can grow or
re-encode the table and resume from the returned row; nothing is lost or counted twice.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from outrank_cli.kernels import EMPTY_SLOT as EMPTY_SLOT
from outrank_cli.kernels.hashing import mix64

STATUS_DONE = 0
STATUS_GROW = 1
STATUS_OVERFLOW = 2

_NO_CODES = np.zeros(0, dtype=np.int32)


@nb.njit(cache=True, nogil=True)
def _encode_count(
    keys: np.ndarray,
    missing: np.ndarray,
    target_codes: np.ndarray,
    start: int,
    key_shift: int,
    slot_keys: np.ndarray,
    slot_codes: np.ndarray,
    level_keys: np.ndarray,
    n_levels_box: np.ndarray,
    max_levels: int,
    counts: np.ndarray,
    out_codes: np.ndarray,
) -> tuple[int, int]:
    has_missing = missing.shape[0] > 0
    mask = np.uint64(slot_keys.shape[0] - 1)
    shift = np.uint64(key_shift)
    level_rows = counts.shape[0]
    n_levels = n_levels_box[0]
    write_codes = out_codes.shape[0] > 0
    for i in range(start, keys.shape[0]):
        if has_missing and missing[i]:
            code = 0
        else:
            key = keys[i] >> shift
            slot = mix64(key) & mask
            while True:
                found = slot_codes[slot]
                if found == EMPTY_SLOT:
                    if n_levels >= max_levels:
                        n_levels_box[0] = n_levels
                        return i, STATUS_OVERFLOW
                    if n_levels + 1 >= level_rows:
                        n_levels_box[0] = n_levels
                        return i, STATUS_GROW
                    n_levels += 1
                    slot_codes[slot] = n_levels
                    slot_keys[slot] = key
                    level_keys[n_levels] = key
                    code = n_levels
                    break
                if slot_keys[slot] == key:
                    code = found
                    break
                slot = (slot + np.uint64(1)) & mask
        if write_codes:
            out_codes[i] = code
        target = target_codes[i]
        if target >= 0:
            counts[code, target] += 1
    n_levels_box[0] = n_levels
    return keys.shape[0], STATUS_DONE


@nb.njit(cache=True, nogil=True)
def _fold_count(
    keys: np.ndarray,
    missing: np.ndarray,
    target_codes: np.ndarray,
    n_buckets: int,
    counts: np.ndarray,
    out_codes: np.ndarray,
) -> None:
    has_missing = missing.shape[0] > 0
    write_codes = out_codes.shape[0] > 0
    buckets = np.uint64(n_buckets)
    for i in range(keys.shape[0]):
        code = 0 if has_missing and missing[i] else 1 + np.int64(mix64(keys[i]) % buckets)
        if write_codes:
            out_codes[i] = code
        target = target_codes[i]
        if target >= 0:
            counts[code, target] += 1


@nb.njit(cache=True, nogil=True)
def _insert_levels(
    level_keys: np.ndarray, n_levels: int, slot_keys: np.ndarray, slot_codes: np.ndarray
) -> None:
    mask = np.uint64(slot_keys.shape[0] - 1)
    for code in range(1, n_levels + 1):
        key = level_keys[code]
        slot = mix64(key) & mask
        while slot_codes[slot] != EMPTY_SLOT:
            slot = (slot + np.uint64(1)) & mask
        slot_codes[slot] = code
        slot_keys[slot] = key


@nb.njit(cache=True, nogil=True)
def _bucket_of(keys: np.ndarray, n_buckets: int) -> np.ndarray:
    out = np.empty(keys.shape[0], dtype=np.int64)
    buckets = np.uint64(n_buckets)
    for i in range(keys.shape[0]):
        out[i] = 1 + np.int64(mix64(keys[i]) % buckets)
    return out


def encode_count(
    keys: np.ndarray,
    missing: np.ndarray,
    target_codes: np.ndarray,
    *,
    start: int,
    key_shift: int,
    slot_keys: np.ndarray,
    slot_codes: np.ndarray,
    level_keys: np.ndarray,
    n_levels_box: np.ndarray,
    max_levels: int,
    counts: np.ndarray,
    out_codes: np.ndarray | None = None,
) -> tuple[int, int]:
    """Encode ``keys[start:]`` (``uint64[n]``, shifted right by ``key_shift``) and count.

    ``counts`` is ``int64[level_rows, n_target_levels]``; row ``code`` column ``target`` gets
    one per row whose ``target_codes`` (``int32[n]``, -1 = dropped) is not negative.
    Returns ``(next_row, status)``: ``STATUS_DONE``, ``STATUS_GROW`` (the tables need more
    room) or ``STATUS_OVERFLOW`` (a new level would exceed ``max_levels``). When
    ``out_codes`` (``int32[n]``) is given, each row's code is written to it.
    """
    codes = _NO_CODES if out_codes is None else out_codes
    return _encode_count(
        keys,
        missing,
        target_codes,
        start,
        key_shift,
        slot_keys,
        slot_codes,
        level_keys,
        n_levels_box,
        max_levels,
        counts,
        codes,
    )


def fold_count(
    keys: np.ndarray,
    missing: np.ndarray,
    target_codes: np.ndarray,
    *,
    n_buckets: int,
    counts: np.ndarray,
    out_codes: np.ndarray | None = None,
) -> None:
    """Count rows with code ``1 + mix64(key) % n_buckets`` (0 for missing) into ``counts``."""
    _fold_count(keys, missing, target_codes, n_buckets, counts, _NO_CODES if out_codes is None else out_codes)


def bucket_of(keys: np.ndarray, *, n_buckets: int) -> np.ndarray:
    """The fold bucket code (``1 .. n_buckets``) of each ``uint64`` key, as ``int64[n]``."""
    return _bucket_of(np.ascontiguousarray(keys, dtype=np.uint64), n_buckets)


def insert_levels(
    level_keys: np.ndarray, n_levels: int, slot_keys: np.ndarray, slot_codes: np.ndarray
) -> None:
    """Insert the keys of codes ``1..n_levels`` into an empty slot table, in place."""
    _insert_levels(level_keys, n_levels, slot_keys, slot_codes)
