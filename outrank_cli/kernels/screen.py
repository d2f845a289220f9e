"""Block MinHash: a cheap screen for column pairs that may repeat each other.

For a column A and a row r, A's block of r is the set of *other* rows with r's level. The
signature of A at an anchor row r is the smallest row hash in that block, so two columns'
signatures at r agree with probability the Jaccard similarity of their blocks (MinHash).
Duplicates agree at every anchor; a coarsened copy (levels merged in twos or fours) at about
one anchor in two or four; independent columns about as often as their block sizes make
chance agreement likely, which the screen subtracts row by row.

``minhash_excess`` gives that excess for listed pairs. ``screen_listed_pairs`` and
``screen_pair_ranges`` give the verdict on each pair (kept or not) and compute the excess only
for pairs that cheaper counts (fingerprint agreements, occupied anchors, a lower bound on the
chance terms) cannot settle; ``stats.minhash`` explains the cuts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from outrank_cli.kernels import code_array
from outrank_cli.kernels.backend import kernel

_block_minhash = kernel("block_minhash")
_block_minhash_narrow = kernel("block_minhash_narrow")
_minhash_excess = kernel("minhash_excess")
_screen_listed_pairs = kernel("screen_listed_pairs")
_screen_pair_ranges = kernel("screen_pair_ranges")
_column_summaries = kernel("column_summaries")


@dataclass(frozen=True, slots=True)
class HashOrder:
    """The rows in rising hash order and where the anchors fall in it (``hash_order``): the
    same for every column, so computed once for all of them."""

    rows: np.ndarray  # int64[n]: row indices by rising hash
    anchor_positions: np.ndarray  # int64[k]: rising positions in ``rows`` of the anchors
    anchor_ids: np.ndarray  # int64[k]: which anchor (an index into ``anchors``) is at each


def hash_order(row_hash: np.ndarray, anchors: np.ndarray) -> HashOrder:
    """``HashOrder`` of the rows hashed ``row_hash`` (``uint64[n]``) and the ``anchors``
    (distinct row indices)."""
    h = np.ascontiguousarray(row_hash, dtype=np.uint64)
    a = np.ascontiguousarray(anchors, dtype=np.int64)
    if a.shape[0] and not (int(a.min()) >= 0 and int(a.max()) < h.shape[0]):
        raise ValueError(f"anchor rows must lie in [0, {h.shape[0]}), got [{a.min()}, {a.max()}]")
    if np.unique(a).shape[0] != a.shape[0]:
        raise ValueError("anchor rows must be distinct")
    rows = np.argsort(h, kind="stable").astype(np.int64)
    position = np.empty(h.shape[0], dtype=np.int64)
    position[rows] = np.arange(h.shape[0])
    anchor_positions = position[a]
    ids = np.argsort(anchor_positions, kind="stable").astype(np.int64)
    return HashOrder(rows=rows, anchor_positions=anchor_positions[ids], anchor_ids=ids)


def block_minhash(
    codes: np.ndarray,
    row_hash: np.ndarray,
    anchors: np.ndarray,
    *,
    levels: int,
    order: HashOrder | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Signature ``uint64[k]`` and block size ``int32[k]`` (other rows of the same level) of a
    code column at the ``k`` anchor rows. ``codes`` are in ``[0, levels)`` (``uint16`` as they
    are, anything else as ``int32``),
    ``row_hash`` one ``uint64`` per row (distinct), ``anchors`` distinct row indices; ``order``
    is ``hash_order(row_hash, anchors)`` (computed here when not given). A level with one row
    has block size 0 (its signature is meaningless)."""
    c = code_array(codes)
    h = np.ascontiguousarray(row_hash, dtype=np.uint64)
    if c.shape != h.shape:
        raise ValueError(f"codes and row hashes differ in length: {c.shape}, {h.shape}")
    if order is None:
        order = hash_order(h, anchors)
    elif order.rows.shape != h.shape or order.anchor_ids.shape[0] != np.shape(anchors)[0]:
        raise ValueError("order must be hash_order(row_hash, anchors)")
    # uint16 codes cannot be negative: one reduction, not two (10,000 columns)
    if c.shape[0] and not ((c.dtype == np.uint16 or int(c.min()) >= 0) and int(c.max()) < levels):
        raise ValueError(f"codes must lie in [0, {levels}), got [{c.min()}, {c.max()}]")
    sign = _block_minhash_narrow if c.dtype == np.uint16 else _block_minhash
    signature, block = sign(c, h, order.rows, order.anchor_positions, order.anchor_ids, int(levels))
    return signature, block


def minhash_excess(
    signatures: np.ndarray,
    blocks: np.ndarray,
    pairs_a: np.ndarray,
    pairs_b: np.ndarray,
    *,
    rows: int,
    shares: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each pair ``(pairs_a[p], pairs_b[p])`` of columns (rows of ``signatures`` and
    ``blocks``, ``uint64[F, k]`` and ``int32[F, k]``), over the anchors where at least one of
    the two has a non-empty block: the number where their signatures agree minus the number
    expected of two independent columns with those block sizes (``rows`` rows in all), and
    the number of such anchors; two ``float64[pairs]``. Excess / anchors is about 0 for
    unrelated columns and 1 for duplicates. ``shares`` is ``block_shares(blocks, rows)``
    (computed here when not given)."""
    s = np.ascontiguousarray(signatures, dtype=np.uint64)
    b = np.ascontiguousarray(blocks, dtype=np.int32)
    if s.shape != b.shape or s.ndim != 2:
        raise ValueError(f"signatures and blocks must be matrices of one shape, got {s.shape}, {b.shape}")
    pa = np.ascontiguousarray(pairs_a, dtype=np.int64)
    pb = np.ascontiguousarray(pairs_b, dtype=np.int64)
    if pa.shape != pb.shape:
        raise ValueError(f"pair index arrays differ in length: {pa.shape}, {pb.shape}")
    if pa.shape[0] and not (
        min(int(pa.min()), int(pb.min())) >= 0 and max(int(pa.max()), int(pb.max())) < s.shape[0]
    ):
        raise ValueError(f"pair indices must lie in [0, {s.shape[0]})")
    if rows < 2:
        return np.zeros(pa.shape[0]), np.zeros(pa.shape[0])
    if shares is None:
        shares = block_shares(b, rows)
    elif shares.shape != b.shape or shares.dtype != np.float64 or not shares.flags.c_contiguous:
        raise ValueError(f"shares must be a C-contiguous float64 matrix of shape {b.shape}")
    excess, informative = _minhash_excess(s, b, shares, pa, pb)
    return excess, informative


def block_shares(blocks: np.ndarray, rows: int) -> np.ndarray:
    """Each block's size as a share of the other ``rows - 1`` rows (``minhash_excess``'s
    ``shares``: compute them once for many calls over the same signatures)."""
    return np.ascontiguousarray(blocks, dtype=np.int32) / (float(rows) - 1.0)


def _pair_screen_arguments(
    fingerprints_a: np.ndarray,
    fingerprints_b: np.ndarray,
    occupied: np.ndarray,
    signatures: np.ndarray,
    blocks: np.ndarray,
    shares: np.ndarray,
) -> tuple[np.ndarray, ...]:
    s = np.ascontiguousarray(signatures, dtype=np.uint64)
    b = np.ascontiguousarray(blocks, dtype=np.int32)
    f = np.ascontiguousarray(shares, dtype=np.float64)
    if s.ndim != 2 or s.shape != b.shape or s.shape != f.shape:
        raise ValueError(
            f"signatures, blocks and shares must be matrices of one shape, got {s.shape}, {b.shape}, {f.shape}"
        )
    fa = np.ascontiguousarray(fingerprints_a, dtype=np.uint64)
    fb = np.ascontiguousarray(fingerprints_b, dtype=np.uint64)
    o = np.ascontiguousarray(occupied, dtype=np.uint64)
    words = (s.shape[0], -(-s.shape[1] // 128) * 16)
    if fa.shape != words or fb.shape != words:
        raise ValueError(f"fingerprints must be uint64 matrices of shape {words}, got {fa.shape}, {fb.shape}")
    if o.shape != (s.shape[0], -(-s.shape[1] // 64)):
        raise ValueError(
            f"occupied must be a uint64 matrix of shape {(s.shape[0], -(-s.shape[1] // 64))}, got {o.shape}"
        )
    return fa, fb, o, s, b, f


@dataclass(frozen=True, slots=True)
class ColumnSummaries:
    """What the pair screen's cheap cuts need of each column (``column_summaries``): computed
    once for a screen's many calls."""

    occupied: np.ndarray  # int64[F]: anchors whose block is not empty
    least_block: np.ndarray  # int64[F]: the smallest non-empty block (0: none)
    least_share: np.ndarray  # float64[F]: that block's share


def column_summaries(occupied: np.ndarray, blocks: np.ndarray, shares: np.ndarray) -> ColumnSummaries:
    """``ColumnSummaries`` of the columns of ``occupied``, ``blocks`` and ``shares`` (as for
    ``screen_listed_pairs``)."""
    o = np.ascontiguousarray(occupied, dtype=np.uint64)
    b = np.ascontiguousarray(blocks, dtype=np.int32)
    f = np.ascontiguousarray(shares, dtype=np.float64)
    if o.ndim != 2 or b.ndim != 2 or b.shape != f.shape or o.shape[0] != b.shape[0]:
        raise ValueError(
            f"occupied, blocks and shares must be matrices of F rows, got {o.shape}, {b.shape}, {f.shape}"
        )
    counts, least_block, least_share = _column_summaries(o, b, f)
    return ColumnSummaries(counts, least_block, least_share)


def _summaries_of(
    arrays: tuple[np.ndarray, ...], summaries: ColumnSummaries | None
) -> tuple[np.ndarray, ...]:
    if summaries is None:
        summaries = column_summaries(arrays[2], arrays[4], arrays[5])
    n = arrays[3].shape[0]
    if not summaries.occupied.shape == summaries.least_block.shape == summaries.least_share.shape == (n,):
        raise ValueError(f"column summaries must be of the {n} columns")
    return summaries.occupied, summaries.least_block, summaries.least_share


def screen_listed_pairs(
    fingerprints_a: np.ndarray,
    fingerprints_b: np.ndarray,
    occupied: np.ndarray,
    signatures: np.ndarray,
    blocks: np.ndarray,
    shares: np.ndarray,
    pairs_a: np.ndarray,
    pairs_b: np.ndarray,
    *,
    min_anchors: int,
    min_excess: float,
    summaries: ColumnSummaries | None = None,
) -> np.ndarray:
    """Which pairs ``(pairs_a[p], pairs_b[p])`` (rows of the matrices) may repeat each other:
    ``bool[pairs]``, true exactly when ``minhash_excess`` gives ``informative < min_anchors``
    or ``excess >= min_excess * informative``. ``signatures``, ``blocks`` and ``shares`` are
    as for ``minhash_excess`` (``F x k``); ``fingerprints_a`` and ``_b`` are ``uint64[F,
    16 ceil(k / 128)]``, anchor ``j`` in byte ``j`` (little-endian): a byte of the signature in
    2..255 where the block is not empty, else 0 (a side) or 1 (b side), padding alike;
    ``occupied`` is ``uint64[F, ceil(k / 64)]``, bit ``j`` set where the block is not empty.
    ``summaries`` are ``column_summaries`` of those (computed here when not given)."""
    arrays = _pair_screen_arguments(fingerprints_a, fingerprints_b, occupied, signatures, blocks, shares)
    columns = _summaries_of(arrays, summaries)
    pa = np.ascontiguousarray(pairs_a, dtype=np.int64)
    pb = np.ascontiguousarray(pairs_b, dtype=np.int64)
    if pa.shape != pb.shape:
        raise ValueError(f"pair index arrays differ in length: {pa.shape}, {pb.shape}")
    rows = arrays[3].shape[0]
    if pa.shape[0] and not (
        min(int(pa.min()), int(pb.min())) >= 0 and max(int(pa.max()), int(pb.max())) < rows
    ):
        raise ValueError(f"pair indices must lie in [0, {rows})")
    kept: np.ndarray = _screen_listed_pairs(*arrays, *columns, pa, pb, int(min_anchors), float(min_excess))
    return kept


def screen_pair_ranges(
    fingerprints_a: np.ndarray,
    fingerprints_b: np.ndarray,
    occupied: np.ndarray,
    signatures: np.ndarray,
    blocks: np.ndarray,
    shares: np.ndarray,
    stops: np.ndarray,
    first_from: int,
    first_to: int,
    kept_a: np.ndarray,
    kept_b: np.ndarray,
    *,
    min_anchors: int,
    min_excess: float,
    summaries: ColumnSummaries | None = None,
) -> int:
    """``screen_listed_pairs`` on every pair ``(a, b)``, ``first_from <= a < first_to``,
    ``a < b < stops[a]`` (``stops``: ``int64[F]``, at most ``F``), without listing them: the
    pairs kept are written to ``kept_a`` and ``kept_b`` (``int64``, in no set order) while
    there is room, and their number is returned (more than the room: call again with more)."""
    arrays = _pair_screen_arguments(fingerprints_a, fingerprints_b, occupied, signatures, blocks, shares)
    columns = _summaries_of(arrays, summaries)
    n = arrays[3].shape[0]
    ends = np.ascontiguousarray(stops, dtype=np.int64)
    if ends.shape != (n,) or (n and int(ends.max()) > n):
        raise ValueError(f"stops must be {n} ends of partner ranges, each at most {n}")
    if not 0 <= first_from <= first_to <= n:
        raise ValueError(f"first columns must be a range within [0, {n}], got [{first_from}, {first_to})")
    if kept_a.dtype != np.int64 or kept_b.dtype != np.int64 or kept_a.shape != kept_b.shape:
        raise ValueError("kept_a and kept_b must be int64 arrays of one length")
    count: int = _screen_pair_ranges(
        *arrays,
        *columns,
        ends,
        int(first_from),
        int(first_to),
        int(min_anchors),
        float(min_excess),
        kept_a,
        kept_b,
    )
    return int(count)
