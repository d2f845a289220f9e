"""Numba source of the block-MinHash pair screen (documented in ``kernels.screen``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from outrank_cli.kernels.njit.types import (
    I8,
    F8Array,
    F8Matrix,
    I4Array,
    I4Matrix,
    I8Array,
    U8Array,
    U8Matrix,
    export,
)

_NO_OTHER = np.uint64(0xFFFFFFFFFFFFFFFF)


@export
@nb.njit(cache=True, nogil=True)
def block_minhash(codes: I4Array, row_hash: U8Array, anchors: I8Array, levels: I8) -> tuple[U8Array, I4Array]:
    n = codes.shape[0]
    k = anchors.shape[0]
    size = np.zeros(levels, dtype=np.int32)
    for i in range(n):
        size[codes[i]] += 1
    # the anchors grouped by level, in rising hash order within a level
    start = np.zeros(levels + 1, dtype=np.int64)
    for j in range(k):
        start[codes[anchors[j]] + 1] += 1
    for v in range(levels):
        start[v + 1] += start[v]
    fill = start[:-1].copy()
    by_hash = np.argsort(row_hash[anchors])
    grouped = np.empty(k, dtype=np.int64)
    for t in range(k):
        j = by_hash[t]
        c = codes[anchors[j]]
        grouped[fill[c]] = j
        fill[c] += 1
    anchor_hash = np.empty(k, dtype=np.uint64)
    for t in range(k):
        anchor_hash[t] = row_hash[anchors[grouped[t]]]
    # a level's anchors are found through a table of 2-4 buckets per anchor by the top bits
    # of the hash (hashes are uniform, so a bucket holds about half an anchor)
    bits = np.zeros(levels, dtype=np.int64)
    table_start = np.zeros(levels + 1, dtype=np.int64)
    for v in range(levels):
        m = start[v + 1] - start[v]
        b = 0
        while (np.int64(1) << b) < 2 * m:
            b += 1
        bits[v] = b
        table_start[v + 1] = table_start[v] + (np.int64(1) << b) + 1 if m > 0 else table_start[v]
    table = np.empty(table_start[levels], dtype=np.int64)
    for v in range(levels):
        lo = start[v]
        hi = start[v + 1]
        if lo == hi:
            continue
        shift = np.uint64(64 - bits[v])
        position = lo
        for bucket in range(table_start[v + 1] - table_start[v]):
            while position < hi and np.int64(anchor_hash[position] >> shift) < bucket:
                position += 1
            table[table_start[v] + bucket] = position
    # each anchor's signature: the next hash after its own among the other rows of its level,
    # cyclically (MinHash under the hash rotated by the anchor's own, so anchors of one level
    # draw different minima). A row can only be next for the anchor just below it.
    gap = np.full(k, _NO_OTHER, dtype=np.uint64)
    for i in range(n):
        c = codes[i]
        lo = start[c]
        hi = start[c + 1]
        if lo == hi:
            continue
        h = row_hash[i]
        left = table[table_start[c] + np.int64(h >> np.uint64(64 - bits[c]))]
        while left < hi and anchor_hash[left] < h:  # first anchor with hash >= h
            left += 1
        below = left - 1 if left > lo else hi - 1
        distance = h - anchor_hash[below]  # wraps: a row below every anchor serves the top one
        if distance != 0 and distance < gap[below]:
            gap[below] = distance
    signature = np.empty(k, dtype=np.uint64)
    block = np.empty(k, dtype=np.int32)
    for t in range(k):
        j = grouped[t]
        signature[j] = anchor_hash[t] + gap[t]
        block[j] = size[codes[anchors[j]]] - 1
    return signature, block


@export
@nb.njit(cache=True, nogil=True)
def minhash_excess(
    signatures: U8Matrix, blocks: I4Matrix, shares: F8Matrix, pairs_a: I8Array, pairs_b: I8Array
) -> tuple[F8Array, F8Array]:
    # shares[c, j] = blocks[c, j] / (rows - 1), computed once by the caller: one division
    # less per pair and anchor (the same float64 values as dividing here)
    n_pairs = pairs_a.shape[0]
    k = signatures.shape[1]
    excess = np.zeros(n_pairs)
    informative = np.zeros(n_pairs)
    for p in range(n_pairs):
        a = pairs_a[p]
        b = pairs_b[p]
        for j in range(k):
            size_a = blocks[a, j]
            size_b = blocks[b, j]
            if size_a == 0 and size_b == 0:
                continue
            informative[p] += 1.0
            if size_a == 0 or size_b == 0:
                continue
            if signatures[a, j] == signatures[b, j]:
                excess[p] += 1.0
            # the agreement of two independent columns: shared others over all others
            shared = size_a * shares[b, j]
            excess[p] -= shared / (size_a + size_b - shared)
    return excess, informative
