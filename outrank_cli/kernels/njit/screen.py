"""Numba source of the block-MinHash pair screen (documented in ``kernels.screen``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from outrank_cli.kernels.njit.types import (
    F8,
    I8,
    B1Array,
    F8Array,
    F8Matrix,
    I4Array,
    I4Matrix,
    I8Array,
    U2Array,
    U8Array,
    U8Matrix,
    export,
)

_NO_OTHER = np.uint64(0xFFFFFFFFFFFFFFFF)


@nb.njit(cache=True, nogil=True)
def _block_minhash(
    codes: np.ndarray,
    row_hash: np.ndarray,
    rows_by_hash: np.ndarray,
    anchor_positions: np.ndarray,
    anchor_ids: np.ndarray,
    levels: int,
) -> tuple[np.ndarray, np.ndarray]:
    # each anchor's signature: the next hash after its own among the other rows of its level,
    # cyclically (MinHash under the hash rotated by the anchor's own, so anchors of one level
    # draw different minima). One walk through the rows in hash order (the same order for
    # every column): a level's next row is the signature of the anchor of that level seen
    # last, if any. 0.2 ms a column of 20,000 rows, against 0.5 ms for finding each row's
    # anchor through a table of buckets by the top bits of the hash.
    n = codes.shape[0]
    k = anchor_ids.shape[0]
    size = np.zeros(levels, dtype=np.int32)
    first_row = np.full(levels, -1, dtype=np.int64)
    waiting = np.full(levels, -1, dtype=np.int64)
    signature = np.empty(k, dtype=np.uint64)
    seen = 0
    upcoming = anchor_positions[0] if k > 0 else n
    for position in range(n):
        row = rows_by_hash[position]
        c = codes[row]
        size[c] += 1
        if first_row[c] < 0:
            first_row[c] = row
        if waiting[c] >= 0:
            signature[waiting[c]] = row_hash[row]
            waiting[c] = -1
        if position == upcoming:
            waiting[c] = anchor_ids[seen]
            seen += 1
            upcoming = anchor_positions[seen] if seen < k else n
    block = np.empty(k, dtype=np.int32)
    for t in range(k):
        row = rows_by_hash[anchor_positions[t]]
        j = anchor_ids[t]
        c = codes[row]
        block[j] = size[c] - 1
        if waiting[c] == j:  # no row of its level further up: the lowest, cyclically
            if first_row[c] == row:  # alone in its level (the signature is not used)
                signature[j] = row_hash[row] + _NO_OTHER
            else:
                signature[j] = row_hash[first_row[c]]
    return signature, block


@export
@nb.njit(cache=True, nogil=True)
def block_minhash(
    codes: I4Array,
    row_hash: U8Array,
    rows_by_hash: I8Array,
    anchor_positions: I8Array,
    anchor_ids: I8Array,
    levels: I8,
) -> tuple[U8Array, I4Array]:
    return _block_minhash(codes, row_hash, rows_by_hash, anchor_positions, anchor_ids, levels)


@export
@nb.njit(cache=True, nogil=True)
def block_minhash_narrow(
    codes: U2Array,
    row_hash: U8Array,
    rows_by_hash: I8Array,
    anchor_positions: I8Array,
    anchor_ids: I8Array,
    levels: I8,
) -> tuple[U8Array, I4Array]:
    """``block_minhash`` of ``uint16`` codes."""
    return _block_minhash(codes, row_hash, rows_by_hash, anchor_positions, anchor_ids, levels)


@export
@nb.njit(cache=True, nogil=True)
def minhash_excess(
    signatures: U8Matrix, blocks: I4Matrix, shares: F8Matrix, pairs_a: I8Array, pairs_b: I8Array
) -> tuple[F8Array, F8Array]:
    # shares[c, j] = blocks[c, j] / (rows - 1), computed once by the caller: one division
    # less per pair and anchor (the same float64 values as dividing here)
    n_pairs = pairs_a.shape[0]
    excess = np.zeros(n_pairs)
    informative = np.zeros(n_pairs)
    for p in range(n_pairs):
        excess[p], informative[p] = _pair_excess(signatures, blocks, shares, pairs_a[p], pairs_b[p])
    return excess, informative


@nb.njit(cache=True, nogil=True)
def _pair_excess(
    signatures: U8Matrix, blocks: I4Matrix, shares: F8Matrix, a: I8, b: I8
) -> tuple[float, float]:
    excess = 0.0
    informative = 0.0
    for j in range(signatures.shape[1]):
        size_a = blocks[a, j]
        size_b = blocks[b, j]
        if size_a == 0 and size_b == 0:
            continue
        informative += 1.0
        if size_a == 0 or size_b == 0:
            continue
        if signatures[a, j] == signatures[b, j]:
            excess += 1.0
        # the agreement of two independent columns: shared others over all others
        shared = size_a * shares[b, j]
        excess -= shared / (size_a + size_b - shared)
    return excess, informative


_ODD_BITS = np.uint64(0x5555555555555555)
_BIT_PAIRS = np.uint64(0x3333333333333333)
_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)
_LOW_BYTES = np.uint64(0x0101010101010101)
_LOW_SEVEN = np.uint64(0x7F7F7F7F7F7F7F7F)


@nb.njit(cache=True, nogil=True)
def _byte_sum(v: np.uint64) -> np.int64:
    # the sum of the eight bytes of v, when it is below 256
    return np.int64((v * _LOW_BYTES) >> np.uint64(56))


@nb.njit(cache=True, nogil=True)
def _bit_count(v: np.uint64) -> np.int64:
    # no popcount instruction on the generic CPU the compiled module is built for
    v = v - ((v >> np.uint64(1)) & _ODD_BITS)
    v = (v & _BIT_PAIRS) + ((v >> np.uint64(2)) & _BIT_PAIRS)
    return _byte_sum((v + (v >> np.uint64(4))) & _NIBBLES)


@export
@nb.njit(cache=True, nogil=True)
def column_summaries(
    occupied: U8Matrix, blocks: I4Matrix, shares: F8Matrix
) -> tuple[I8Array, I8Array, F8Array]:
    # each column's occupied anchors, and its smallest non-empty block (size and share): once
    # per screen, not once per call of the pair kernels (10,000 columns: 5-10 ms a call, and
    # the 50M pairs of ``redundancy`` came in 200 calls)
    counts = np.zeros(occupied.shape[0], dtype=np.int64)
    least_block = np.zeros(occupied.shape[0], dtype=np.int64)
    least_share = np.zeros(occupied.shape[0])
    for c in range(occupied.shape[0]):
        for w in range(occupied.shape[1]):
            counts[c] += _bit_count(occupied[c, w])
        for j in range(blocks.shape[1]):
            if blocks[c, j] > 0 and (least_block[c] == 0 or blocks[c, j] < least_block[c]):
                least_block[c] = blocks[c, j]
                least_share[c] = shares[c, j]
    return counts, least_block, least_share


@nb.njit(cache=True, nogil=True, inline="always")
def _agreements(fingerprints_a: U8Matrix, fingerprints_b: U8Matrix, a: I8, b: I8) -> np.int64:
    # where the fingerprints of a (a side) and b (b side) agree: at most every anchor where
    # both signatures do, and never at an empty block
    agreements = np.int64(0)
    # the fingerprints are padded to whole blocks of 16 words: a loop of fixed length, which
    # the compiler unrolls into vector operations (30 ns a pair of 256 anchors, against 63)
    for w0 in range(0, fingerprints_a.shape[1], 16):  # at most 16 x 8 = 128 agreements, one per byte
        flags = np.uint64(0)
        for w in range(16):
            v = fingerprints_a[a, w0 + w] ^ fingerprints_b[b, w0 + w]
            # 1 in each byte of v that is 0 (equal fingerprints), exactly: no carry crosses bytes
            flags += (~(((v & _LOW_SEVEN) + _LOW_SEVEN) | v) >> np.uint64(7)) & _LOW_BYTES
        agreements += _byte_sum(flags)
    return agreements


@nb.njit(cache=True, nogil=True, inline="always")
def _too_few_agreements(
    fingerprints_a: U8Matrix,
    fingerprints_b: U8Matrix,
    occupied_counts: I8Array,
    a: I8,
    b: I8,
    min_anchors: I8,
    min_excess: F8,
) -> bool:
    # the first cut of _may_repeat, which settles all but a few pairs in a hundred: the
    # informative anchors are at least either column's occupied ones
    least = max(occupied_counts[a], occupied_counts[b])
    too_few: bool = (
        least >= min_anchors and _agreements(fingerprints_a, fingerprints_b, a, b) < min_excess * least
    )
    return too_few


@nb.njit(cache=True, nogil=True)
def _may_repeat(
    fingerprints_a: U8Matrix,
    fingerprints_b: U8Matrix,
    occupied: U8Matrix,
    least_block: I8Array,
    least_share: F8Array,
    signatures: U8Matrix,
    blocks: I4Matrix,
    shares: F8Matrix,
    a: I8,
    b: I8,
    min_anchors: I8,
    min_excess: F8,
) -> bool:
    # minhash_excess's verdict on the pair (a, b), which the first cut (_too_few_agreements)
    # left, computed only when the cheap counts allow it. Agreements can only exceed the
    # excess (every chance term is >= 0), and fingerprints (a byte of the signature) agree
    # wherever signatures do: too few equal bytes settle it.
    agreements = _agreements(fingerprints_a, fingerprints_b, a, b)
    informative = np.int64(0)
    for w in range(occupied.shape[1]):
        informative += _bit_count(occupied[a, w] | occupied[b, w])
    if informative < min_anchors:
        return True
    if agreements < min_excess * informative:
        return False
    # the chance term of an anchor grows with both block sizes: at least that of the two
    # smallest blocks wherever both are occupied. Columns of few levels (a third for two
    # binary ones) agree often by chance and mostly stop here: with 10,000 columns, 800,000
    # of 18M pairs reached the full sum, a microsecond each. The margins are far wider than
    # the rounding of either sum, so this drops no pair the full sum keeps.
    both = np.int64(0)
    for w in range(occupied.shape[1]):
        both += _bit_count(occupied[a, w] & occupied[b, w])
    if both > 0:
        shared = least_block[a] * least_share[b]
        chance = both * (shared / (least_block[a] + least_block[b] - shared))
        if agreements - chance * (1.0 - 1e-9) + 1e-9 < min_excess * informative:
            return False
    excess, exact_informative = _pair_excess(signatures, blocks, shares, a, b)
    return excess >= min_excess * exact_informative


# the pairs that pass the first cut, settled a batch at a time (screen_pair_ranges)
_LEFT_ROOM = 4096


@nb.njit(cache=True, nogil=True)
def _settle(
    screen: tuple[U8Matrix, U8Matrix, U8Matrix, I8Array, F8Array, U8Matrix, I4Matrix, F8Matrix],
    left_a: I8Array,
    left_b: I8Array,
    n_left: I8,
    min_anchors: I8,
    min_excess: F8,
    verdicts: B1Array,
) -> None:
    # _may_repeat's verdict on the first n_left pairs left by the first cut (``screen``: its
    # eight arrays, in its order). The screens make two rounds: the first cut alone, in a loop
    # that calls nothing, then this. With the call to _may_repeat (not inlined: _pair_excess
    # is not) in the loop over every pair, the loop itself ran three times slower, though few
    # pairs reach the call: 50M pairs of 10,000 columns took 4.0 s against 1.3 s.
    fa, fb, occupied, least_block, least_share, signatures, blocks, shares = screen
    for i in range(n_left):
        verdicts[i] = _may_repeat(
            fa,
            fb,
            occupied,
            least_block,
            least_share,
            signatures,
            blocks,
            shares,
            left_a[i],
            left_b[i],
            min_anchors,
            min_excess,
        )


@export
@nb.njit(cache=True, nogil=True)
def screen_listed_pairs(
    fingerprints_a: U8Matrix,
    fingerprints_b: U8Matrix,
    occupied: U8Matrix,
    signatures: U8Matrix,
    blocks: I4Matrix,
    shares: F8Matrix,
    occupied_counts: I8Array,
    least_block: I8Array,
    least_share: F8Array,
    pairs_a: I8Array,
    pairs_b: I8Array,
    min_anchors: I8,
    min_excess: F8,
) -> B1Array:
    screen = (
        fingerprints_a,
        fingerprints_b,
        occupied,
        least_block,
        least_share,
        signatures,
        blocks,
        shares,
    )
    n_pairs = pairs_a.shape[0]
    kept = np.zeros(n_pairs, dtype=np.bool_)
    left = np.empty(n_pairs, dtype=np.int64)  # the pairs the first cut leaves (_settle)
    n_left = 0
    for p in range(n_pairs):
        a = pairs_a[p]
        b = pairs_b[p]
        if not _too_few_agreements(
            fingerprints_a, fingerprints_b, occupied_counts, a, b, min_anchors, min_excess
        ):
            left[n_left] = p
            n_left += 1
    left = left[:n_left]
    verdicts = np.empty(n_left, dtype=np.bool_)
    _settle(
        screen,
        pairs_a[left],
        pairs_b[left],
        n_left,
        min_anchors,
        min_excess,
        verdicts,
    )
    for i in range(n_left):
        kept[left[i]] = verdicts[i]
    return kept


@nb.njit(cache=True, nogil=True)
def _settle_into(
    screen: tuple[U8Matrix, U8Matrix, U8Matrix, I8Array, F8Array, U8Matrix, I4Matrix, F8Matrix],
    left_a: I8Array,
    left_b: I8Array,
    n_left: I8,
    min_anchors: I8,
    min_excess: F8,
    verdicts: B1Array,
    kept_a: I8Array,
    kept_b: I8Array,
    kept: I8,
) -> I8:
    # _settle the pairs left, then write those kept after the first ``kept`` while there is room
    _settle(screen, left_a, left_b, n_left, min_anchors, min_excess, verdicts)
    for i in range(n_left):
        if verdicts[i]:
            if kept < kept_a.shape[0]:
                kept_a[kept] = left_a[i]
                kept_b[kept] = left_b[i]
            kept += 1
    return kept


@export
@nb.njit(cache=True, nogil=True)
def screen_pair_ranges(
    fingerprints_a: U8Matrix,
    fingerprints_b: U8Matrix,
    occupied: U8Matrix,
    signatures: U8Matrix,
    blocks: I4Matrix,
    shares: F8Matrix,
    occupied_counts: I8Array,
    least_block: I8Array,
    least_share: F8Array,
    stops: I8Array,
    first_from: I8,
    first_to: I8,
    min_anchors: I8,
    min_excess: F8,
    kept_a: I8Array,
    kept_b: I8Array,
) -> I8:
    screen = (
        fingerprints_a,
        fingerprints_b,
        occupied,
        least_block,
        least_share,
        signatures,
        blocks,
        shares,
    )
    kept = 0
    left_a = np.empty(_LEFT_ROOM, dtype=np.int64)  # the pairs the first cut leaves (_settle)
    left_b = np.empty(_LEFT_ROOM, dtype=np.int64)
    verdicts = np.empty(_LEFT_ROOM, dtype=np.bool_)
    n_left = 0
    # a tile of first columns against each later column in turn: the tile's fingerprints stay
    # in the first-level cache while the others stream past once
    for tile in range(first_from, first_to, 16):
        tile_to = min(tile + 16, first_to)
        last = tile + 1
        for a in range(tile, tile_to):
            last = max(last, stops[a])
        for b in range(tile + 1, last):
            for a in range(tile, min(tile_to, b)):
                if b < stops[a] and not _too_few_agreements(
                    fingerprints_a, fingerprints_b, occupied_counts, a, b, min_anchors, min_excess
                ):
                    left_a[n_left] = a
                    left_b[n_left] = b
                    n_left += 1
                    if n_left == _LEFT_ROOM:
                        kept = _settle_into(
                            screen,
                            left_a,
                            left_b,
                            n_left,
                            min_anchors,
                            min_excess,
                            verdicts,
                            kept_a,
                            kept_b,
                            kept,
                        )
                        n_left = 0
    return _settle_into(
        screen, left_a, left_b, n_left, min_anchors, min_excess, verdicts, kept_a, kept_b, kept
    )
