"""Dictionary encoding of 64-bit keys into dense codes, fused with (code, target) counting.

Code 0 is reserved for missing values; levels get codes 1, 2, ... in order of first sight.
The dictionary is an open-addressing hash table (linear probing) kept at most half full, or,
for keys in a narrow span (integer IDs), a direct-address index from key to code.
Kernels stop early and report why (table full, level cap reached) so the caller can grow or
re-encode the table and resume from the returned row; nothing is lost or counted twice.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels.backend import kernel
from outrank_cli.kernels.constants import EMPTY_SLOT as EMPTY_SLOT
from outrank_cli.kernels.constants import STATUS_DONE as STATUS_DONE
from outrank_cli.kernels.constants import STATUS_GROW as STATUS_GROW
from outrank_cli.kernels.constants import STATUS_OVERFLOW as STATUS_OVERFLOW
from outrank_cli.kernels.constants import STATUS_SPAN as STATUS_SPAN
from outrank_cli.kernels.hashing import word

_NO_CODES = np.zeros(0, dtype=np.int32)
_encode_count = kernel("encode_count")
_encode_count_direct = kernel("encode_count_direct")
_fold_count = kernel("fold_count")
_bucket_of = kernel("bucket_of")
_float_keys = kernel("float_keys")
_gather_narrow = kernel("gather_narrow")
_gather_wide = kernel("gather_wide")
_gather_narrow_to_narrow = kernel("gather_narrow_to_narrow")

# Inserts the keys of codes 1..n_levels into an empty slot table, in place. The kernel itself,
# checked (its arguments are the caller's own tables: nothing to convert or allocate); its
# signature and docstring are on the @njit function in kernels.njit.encoding.
insert_levels = kernel("insert_levels")
# Enters codes 1..n_levels into an empty direct-address index (the same, for that index).
insert_direct = kernel("insert_direct")
# Puts level order[i] + 1 at i + 1 (key and count row), in place (order: int64, a permutation).
permute_levels = kernel("permute_levels")
# 1 when uint64 keys never fall, else 0 (the first fall ends the scan).
keys_ascending = kernel("keys_ascending")
# The code map of levels put in an order (int64 permutation): 0 -> 0, order[i] + 1 -> i + 1.
code_map_of_order = kernel("code_map_of_order")
# The codes of a direct index in key order, minus one: argsort of the level keys (int64).
direct_order = kernel("direct_order")


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
    next_row, status = _encode_count(
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
    return int(next_row), int(status)


def encode_count_direct(
    keys: np.ndarray,
    missing: np.ndarray,
    target_codes: np.ndarray,
    *,
    start: int,
    key_shift: int,
    base: int,
    index: np.ndarray,
    level_keys: np.ndarray,
    n_levels_box: np.ndarray,
    max_levels: int,
    counts: np.ndarray,
    out_codes: np.ndarray | None = None,
) -> tuple[int, int]:
    """``encode_count`` with a direct-address index (``int32[span]``): the code of (shifted)
    key ``k`` is ``index[k - base]``, ``EMPTY_SLOT`` while unseen. Codes, counts and the
    other statuses are the same; a key outside ``base .. base + span - 1`` stops the kernel
    with ``STATUS_SPAN`` at its row."""
    codes = _NO_CODES if out_codes is None else out_codes
    next_row, status = _encode_count_direct(
        keys,
        missing,
        target_codes,
        start,
        key_shift,
        word(base),
        index,
        level_keys,
        n_levels_box,
        max_levels,
        counts,
        codes,
    )
    return int(next_row), int(status)


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
    result: np.ndarray = _bucket_of(np.ascontiguousarray(keys, dtype=np.uint64), n_buckets)
    return result


def float_keys(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Order-preserving ``uint64`` keys of ``float64`` values (-0.0 keyed as 0.0), the NaN
    mask, and the number of NaNs, in one pass."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    keys = np.empty(values.shape[0], dtype=np.uint64)
    missing = np.empty(values.shape[0], dtype=np.bool_)
    n_missing = int(_float_keys(values, keys, missing))
    return keys, missing, n_missing


def gather_codes(
    codes: np.ndarray, order: np.ndarray, remap: np.ndarray | None = None, *, narrow: bool = False
) -> np.ndarray:
    """``remap[codes[order]]`` (``codes[order]`` without ``remap``) as a new ``int32`` array,
    in one pass: ``codes`` are ``uint16`` or ``int32``, ``order`` positions in ``codes``, and
    ``remap`` (when given) covers every code met. Nothing is bounds-checked. With ``narrow``
    (``uint16`` codes whose mapped values are all at most 65,535) the result is ``uint16``."""
    mapping = _NO_CODES if remap is None else np.ascontiguousarray(remap, dtype=np.int32)
    positions = np.ascontiguousarray(order, dtype=np.int64)
    if narrow:
        if codes.dtype != np.uint16:
            raise ValueError(f"narrow gathers take uint16 codes, got {codes.dtype}")
        narrowed = np.empty(order.shape[0], dtype=np.uint16)
        _gather_narrow_to_narrow(np.ascontiguousarray(codes), positions, mapping, narrowed)
        return narrowed
    out = np.empty(order.shape[0], dtype=np.int32)
    if codes.dtype == np.uint16:
        _gather_narrow(np.ascontiguousarray(codes), positions, mapping, out)
    else:
        _gather_wide(np.ascontiguousarray(codes, dtype=np.int32), positions, mapping, out)
    return out
