"""Numba source of the dictionary-encoding kernels (documented in ``kernels.encoding``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from outrank_cli.kernels.constants import EMPTY_SLOT, STATUS_DONE, STATUS_GROW, STATUS_OVERFLOW, STATUS_SPAN
from outrank_cli.kernels.njit.hashing import mix64
from outrank_cli.kernels.njit.types import (
    I8,
    U8,
    B1Array,
    F8Array,
    I4Array,
    I8Array,
    I8Matrix,
    U2Array,
    U8Array,
    export,
)


@export
@nb.njit(cache=True, nogil=True)
def encode_count(
    keys: U8Array,
    missing: B1Array,
    target_codes: I4Array,
    start: I8,
    key_shift: I8,
    slot_keys: U8Array,
    slot_codes: I4Array,
    level_keys: U8Array,
    n_levels_box: I8Array,
    max_levels: I8,
    counts: I8Matrix,
    out_codes: I4Array,
) -> tuple[I8, I8]:
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


@export
@nb.njit(cache=True, nogil=True)
def encode_count_direct(
    keys: U8Array,
    missing: B1Array,
    target_codes: I4Array,
    start: I8,
    key_shift: I8,
    base: U8,
    index: I4Array,
    level_keys: U8Array,
    n_levels_box: I8Array,
    max_levels: I8,
    counts: I8Matrix,
    out_codes: I4Array,
) -> tuple[I8, I8]:
    """``encode_count`` with a direct-address index: the code of key ``k`` is at
    ``index[k - base]``; a key outside the index stops with ``STATUS_SPAN``."""
    has_missing = missing.shape[0] > 0
    shift = np.uint64(key_shift)
    span = np.uint64(index.shape[0])
    level_rows = counts.shape[0]
    n_levels = n_levels_box[0]
    write_codes = out_codes.shape[0] > 0
    for i in range(start, keys.shape[0]):
        if has_missing and missing[i]:
            code = 0
        else:
            key = keys[i] >> shift
            slot = key - base  # a key below base wraps round to a huge slot
            if slot >= span:
                n_levels_box[0] = n_levels
                return i, STATUS_SPAN
            code = index[slot]
            if code == EMPTY_SLOT:
                if n_levels >= max_levels:
                    n_levels_box[0] = n_levels
                    return i, STATUS_OVERFLOW
                if n_levels + 1 >= level_rows:
                    n_levels_box[0] = n_levels
                    return i, STATUS_GROW
                n_levels += 1
                index[slot] = n_levels
                level_keys[n_levels] = key
                code = n_levels
        if write_codes:
            out_codes[i] = code
        target = target_codes[i]
        if target >= 0:
            counts[code, target] += 1
    n_levels_box[0] = n_levels
    return keys.shape[0], STATUS_DONE


@export
@nb.njit(cache=True, nogil=True)
def fold_count(
    keys: U8Array,
    missing: B1Array,
    target_codes: I4Array,
    n_buckets: I8,
    counts: I8Matrix,
    out_codes: I4Array,
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


@export
@nb.njit(cache=True, nogil=True)
def insert_levels(level_keys: U8Array, n_levels: I8, slot_keys: U8Array, slot_codes: I4Array) -> None:
    """Insert the keys of codes ``1..n_levels`` into an empty slot table, in place."""
    mask = np.uint64(slot_keys.shape[0] - 1)
    for code in range(1, n_levels + 1):
        key = level_keys[code]
        slot = mix64(key) & mask
        while slot_codes[slot] != EMPTY_SLOT:
            slot = (slot + np.uint64(1)) & mask
        slot_codes[slot] = code
        slot_keys[slot] = key


@export
@nb.njit(cache=True, nogil=True)
def insert_direct(level_keys: U8Array, n_levels: I8, base: U8, index: I4Array) -> None:
    """Enter codes ``1..n_levels`` at ``index[level_keys[code] - base]`` of an empty index."""
    for code in range(1, n_levels + 1):
        index[level_keys[code] - base] = code


@export
@nb.njit(cache=True, nogil=True)
def keys_ascending(keys: U8Array) -> I8:
    """1 when ``keys`` never fall, else 0 (it stops at the first fall: a column's keys in
    order of first sight fall within a few levels, where numpy's comparison builds a mask of
    all of them)."""
    for i in range(1, keys.shape[0]):
        if keys[i] < keys[i - 1]:
            return 0
    return 1


@export
@nb.njit(cache=True, nogil=True)
def code_map_of_order(order: I8Array) -> I4Array:
    """The code map of levels put in ``order`` (``order[i]``: the old code of new code
    ``i + 1``, minus one): ``map[0] = 0``, ``map[order[i] + 1] = i + 1``."""
    out = np.zeros(order.shape[0] + 1, dtype=np.int32)
    for i in range(order.shape[0]):
        out[order[i] + 1] = i + 1
    return out


@export
@nb.njit(cache=True, nogil=True)
def direct_order(index: I4Array, n_levels: I8) -> I8Array:
    """``argsort`` of the level keys, read off a direct index: the codes met in key order,
    minus one (``int64[n_levels]``). Without a branch on the slot (a third of the slots of
    an ID column's index are empty, at random: 3x faster than with one, and than numpy's
    five passes over the index), and up to the last level only."""
    order = np.empty(n_levels + 1, dtype=np.int64)
    k = 0
    for slot in range(index.shape[0]):
        if k == n_levels:
            break
        code = index[slot]
        order[k] = code - 1  # kept only when the slot holds a code
        k += int(code != EMPTY_SLOT)
    return order[:k]


@export
@nb.njit(cache=True, nogil=True)
def permute_levels(level_keys: U8Array, counts: I8Matrix, order: I8Array) -> None:
    """Move level ``order[i] + 1`` (its key and count row) to ``i + 1``, in place, one cycle
    of the permutation at a time; ``order`` is used as scratch (left as it came)."""
    width = counts.shape[1]
    row = np.empty(width, dtype=np.int64)
    n = order.shape[0]
    for start in range(n):
        if order[start] < 0 or order[start] == start:
            continue
        key = level_keys[start + 1]
        for t in range(width):
            row[t] = counts[start + 1, t]
        i = start
        while True:
            j = order[i]
            order[i] = -j - 1
            if j == start:
                level_keys[i + 1] = key
                for t in range(width):
                    counts[i + 1, t] = row[t]
                break
            level_keys[i + 1] = level_keys[j + 1]
            for t in range(width):
                counts[i + 1, t] = counts[j + 1, t]
            i = j
    for i in range(n):
        if order[i] < 0:
            order[i] = -order[i] - 1


@export
@nb.njit(cache=True, nogil=True)
def bucket_of(keys: U8Array, n_buckets: I8) -> I8Array:
    out = np.empty(keys.shape[0], dtype=np.int64)
    buckets = np.uint64(n_buckets)
    for i in range(keys.shape[0]):
        out[i] = 1 + np.int64(mix64(keys[i]) % buckets)
    return out


@export
@nb.njit(cache=True, nogil=True)
def float_keys(values: F8Array, keys: U8Array, missing: B1Array) -> I8:
    sign = np.uint64(1) << np.uint64(63)
    bits = values.view(np.uint64)
    n_missing = 0
    for i in range(values.shape[0]):
        b = bits[i]
        if b == sign:  # -0.0 is 0.0
            b = np.uint64(0)
        keys[i] = ~b if b & sign else b | sign
        nan = values[i] != values[i]
        missing[i] = nan
        n_missing += nan
    return n_missing


@nb.njit(cache=True, nogil=True, inline="always")
def _gather(codes: np.ndarray, order: np.ndarray, remap: np.ndarray, out: np.ndarray) -> None:
    if remap.shape[0] == 0:
        for i in range(order.shape[0]):
            out[i] = codes[order[i]]
    else:
        for i in range(order.shape[0]):
            out[i] = remap[codes[order[i]]]


@export
@nb.njit(cache=True, nogil=True)
def gather_narrow(codes: U2Array, order: I8Array, remap: I4Array, out: I4Array) -> None:
    """``out[i] = remap[codes[order[i]]]`` (``codes[order[i]]`` when ``remap`` is empty)."""
    _gather(codes, order, remap, out)


@export
@nb.njit(cache=True, nogil=True)
def gather_wide(codes: I4Array, order: I8Array, remap: I4Array, out: I4Array) -> None:
    """As ``gather_narrow``, from ``int32`` codes."""
    _gather(codes, order, remap, out)


@export
@nb.njit(cache=True, nogil=True)
def gather_narrow_to_narrow(codes: U2Array, order: I8Array, remap: I4Array, out: U2Array) -> None:
    """As ``gather_narrow``, into ``uint16`` (every mapped code is at most 65,535)."""
    _gather(codes, order, remap, out)
