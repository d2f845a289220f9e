"""Which feature pairs may repeat each other: a block-MinHash screen ahead of the exact counts.

Counting a pair exactly on a 200,000-row sample takes a few milliseconds; 1,000 similar ID
columns make half a million pairs. The screen gives every column a signature at a few
thousand anchor rows (``kernels.screen``) and keeps the pairs whose signatures agree clearly
more often than chance. A duplicate agrees at every anchor, a copy with its levels merged in
twos at about half, one with 5% of its rows changed at about 85%; unrelated columns agree
within a few hundredths of chance. Pairs with too few anchors to judge (both columns nearly
all distinct values) are kept. The kept pairs are then counted exactly, so the screen can
only drop pairs, never change a finding.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from outrank_cli.kernels import lazy_module
from outrank_cli.stats.pairs import SampleColumns

screen = lazy_module("outrank_cli.kernels.screen")
hashing = lazy_module("outrank_cli.kernels.hashing")

ANCHORS = 1024
# with many pairs, fewer anchors (not below FEWEST_ANCHORS): about this many comparisons in all
COMPARISONS = 2_000_000_000
FEWEST_ANCHORS = 256
# agreement above chance, as a share of the anchors: unrelated columns of the recommender table
# reach 0.03, a copy with levels merged in fours (normalized MI below 0.9) 0.2
MIN_EXCESS = 0.1
# a pair judged on fewer anchors is kept (both columns have almost only distinct values)
MIN_ANCHORS = 64
TILE = 64  # columns a side of the tiles the pairs are judged in


def screen_pairs(
    columns: SampleColumns,
    first: np.ndarray,
    second: np.ndarray,
    *,
    pool: ThreadPoolExecutor,
    seed: int,
    anchors: int | None = None,
) -> np.ndarray:
    """Which pairs ``(first[p], second[p])`` (feature indices into ``columns``) may repeat
    each other: ``bool[pairs]``. ``anchors`` defaults to ``ANCHORS``, fewer (down to
    ``FEWEST_ANCHORS``) when there are so many pairs that comparing them would take longer
    than reading the table."""
    rows = columns.rows
    first, second = np.asarray(first), np.asarray(second)  # int32 or int64
    if first.shape[0] == 0 or rows < 2:
        return np.ones(first.shape[0], dtype=bool)
    if anchors is None:
        anchors = int(min(ANCHORS, max(FEWEST_ANCHORS, COMPARISONS // first.shape[0])))
    rng = np.random.default_rng(seed)
    anchor_rows = np.sort(rng.choice(rows, size=min(anchors, rows), replace=False))
    row_hash = hashing.mix64_array(np.arange(rows, dtype=np.uint64), seed)
    used = np.union1d(first, second)
    signatures = np.empty((used.shape[0], anchor_rows.shape[0]), dtype=np.uint64)
    blocks = np.empty((used.shape[0], anchor_rows.shape[0]), dtype=np.int32)

    def sign(p: int) -> None:
        column = int(used[p])
        signatures[p], blocks[p] = screen.block_minhash(
            columns.codes[column], row_hash, anchor_rows, levels=columns.levels[column]
        )

    list(pool.map(sign, range(used.shape[0])))
    # signature rows of the pairs, int32 while they fit (50M pairs: 0.4 GB instead of 0.8)
    small = np.int32 if used.shape[0] < 2**31 else np.int64
    a = np.searchsorted(used, first).astype(small)
    b = np.searchsorted(used, second).astype(small)
    # the pairs judged a tile of TILE x TILE columns at a time, so that the signatures of both
    # sides stay in the cache: 10,000 columns' signatures are 30 MB, and taking the pairs in
    # their given order (by first column) halved the speed (16M pairs: 22 s against 12 s)
    order = _by_tile(a, b, used.shape[0])
    chunks = np.array_split(order, max(1, min(first.shape[0] // 10_000, 256)))

    shares = screen.block_shares(blocks, rows)

    def judge(chunk: np.ndarray) -> np.ndarray:
        excess, informative = screen.minhash_excess(
            signatures, blocks, a[chunk].astype(np.int64), b[chunk].astype(np.int64), rows=rows, shares=shares
        )
        keep: np.ndarray = (informative < MIN_ANCHORS) | (excess >= MIN_EXCESS * informative)
        return keep

    kept = np.empty(first.shape[0], dtype=bool)
    kept[order] = np.concatenate(list(pool.map(judge, chunks)))
    return kept


def _by_tile(a: np.ndarray, b: np.ndarray, columns: int) -> np.ndarray:
    """The order of the pairs ``(a, b)`` (rows of ``columns`` signatures) by the tile of ``a``
    (``TILE`` rows), then by ``b``; ties keep their order. Two stable sorts of 16-bit keys
    (numpy sorts those by radix) while the columns fit, a lexsort beyond: 3.6 s for 50M pairs
    of 10,000 columns, against 14.8 s for the lexsort."""
    if columns > 1 << 16:
        order: np.ndarray = np.lexsort((b, a // TILE))
        return order
    by_b = np.argsort(b.astype(np.uint16), kind="stable")
    tile = (a[by_b] // TILE).astype(np.uint16)
    order = by_b[np.argsort(tile, kind="stable")]
    return order
