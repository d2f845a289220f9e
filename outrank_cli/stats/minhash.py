"""Which feature pairs may repeat each other: a block-MinHash screen ahead of the exact counts.

Counting a pair exactly on a 200,000-row sample takes a few milliseconds; 1,000 similar ID
columns make half a million pairs. The screen gives every column a signature at a few
thousand anchor rows (``kernels.screen``) and keeps the pairs whose signatures agree clearly
more often than chance. A duplicate agrees at every anchor, a copy with its levels merged in
twos at about half, one with 5% of its rows changed at about 85%; unrelated columns agree
within a few hundredths of chance. Pairs with too few anchors to judge (both columns nearly
all distinct values) are kept. The kept pairs are then counted exactly, so the screen can
only drop pairs, never change a finding.

The verdict on a pair is ``minhash_excess``'s (agreements minus the chance agreement of each
anchor, against ``MIN_EXCESS`` of the informative anchors, or kept for want of
``MIN_ANCHORS``), but that sum, with a division per anchor, is reached by few pairs. Every
chance term is at least 0, so a kept pair agrees at ``MIN_EXCESS`` of its informative anchors
at least, and the informative anchors are at least either column's occupied ones (a non-empty
block). The kernels (``kernels.screen.screen_listed_pairs`` and ``screen_pair_ranges``)
therefore count first, eight anchors to a machine word, where one-byte fingerprints of the
signatures agree (wherever the signatures agree, and never at an empty block), and drop the
pair when that is short of the cut; then a lower bound on the chance terms (the chance term
grows with both block sizes: each column's smallest block at every anchor both occupy) drops
most pairs of few-level columns, which agree by chance often (a third of the anchors for two
binary ones). On the 20,000 x 10,000 table, of the 18M pairs of the first 2,000 columns with
every other, 817,000 passed the fingerprints and 54 reached the full sum; the fingerprints
cost about 26 ns a pair, the full sum a microsecond. The kept set is exactly that of judging
every pair in full (``tests/stats/test_minhash_screen.py`` checks it against that).

Pairs are judged where they are: ``screen_pairs`` takes a list, ``screened_pairs`` every pair
of a set of columns, or each column with the next ones up to a stop (``check``'s entropy
ranges), without listing them, and returns only the pairs kept: ``redundancy`` never builds
the 50M pairs of 10,000 columns, nor ``check`` its 16M. The 16M pairs took 11.2 s of
comparisons at every anchor; the fingerprints and bounds take about 1.5 CPU-seconds.

A column's signature at every anchor comes from one walk through the rows in hash order
(``kernels.screen.block_minhash``; the order is computed once for all columns).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from outrank_cli.kernels import lazy_module
from outrank_cli.parallel import map_in_chunks
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.stats.pairs import SampleColumns

if TYPE_CHECKING:
    from outrank_cli.kernels.screen import ColumnSummaries

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
# pairs handed to a worker at a time
CHUNK_PAIRS = 250_000
# room for the pairs kept in a range of first columns (more: the range is judged again)
KEPT_ROOM = 1024


def anchor_count(pairs: int) -> int:
    """The anchors the screen uses for ``pairs`` pairs: ``ANCHORS``, fewer (down to
    ``FEWEST_ANCHORS``) when comparing them all would take longer than reading the table."""
    return int(min(ANCHORS, max(FEWEST_ANCHORS, COMPARISONS // max(pairs, 1))))


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
    each other: ``bool[pairs]``. ``anchors`` defaults to ``anchor_count(pairs)``."""
    first, second = np.asarray(first), np.asarray(second)  # int32 or int64
    if first.shape[0] == 0 or columns.rows < 2:
        return np.ones(first.shape[0], dtype=bool)
    # the columns in the pairs, by a mask: np.union1d sorted the 16M pairs' columns, 1.4 s
    present = np.zeros(len(columns.codes), dtype=bool)
    present[first] = True
    present[second] = True
    used = np.flatnonzero(present)
    if anchors is None:
        anchors = anchor_count(first.shape[0])
    signed = _sign(columns, used, anchors, pool=pool, seed=seed)
    # rows of the signatures by a lookup table: a search of 16M pairs took 1.2 s
    row_of = np.zeros(int(used[-1]) + 1, dtype=np.int64)
    row_of[used] = np.arange(used.shape[0])
    a = row_of[first]
    b = row_of[second]
    bounds = range(0, first.shape[0], CHUNK_PAIRS)

    def judge(start: int) -> np.ndarray:
        ends = slice(start, start + CHUNK_PAIRS)
        return signed.judge_listed(a[ends], b[ends])

    return np.concatenate(list(pool.map(judge, bounds)))


def screened_pairs(
    columns: SampleColumns,
    features: np.ndarray,
    *,
    pool: ThreadPoolExecutor,
    seed: int,
    anchors: int,
    stops: np.ndarray | None = None,
    progress: ProgressCallback = ignore_progress,
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(features[i], features[j])``, ``i < j < stops[i]`` (every ``j > i`` without
    ``stops``), that ``screen_pairs`` would keep with ``anchors`` anchors, without listing the
    others: two ``int64`` arrays, in no set order. ``features`` are distinct feature indices.
    ``progress`` hears of the pairs judged (stage "screen": 50M pairs take seconds)."""
    features = np.asarray(features, dtype=np.int64)
    n = features.shape[0]
    ends = (
        np.full(n, n, dtype=np.int64) if stops is None else np.minimum(np.asarray(stops, dtype=np.int64), n)
    )
    partners = np.maximum(ends - np.arange(1, n + 1), 0)
    total = int(partners.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if columns.rows < 2:
        lower, upper = pairs_in_ranges(ends)
        return features[lower], features[upper]
    signed = _sign(columns, features, anchors, pool=pool, seed=seed)
    # ranges of first columns with about equal numbers of pairs
    pairs_before = np.concatenate([[0], np.cumsum(partners)])
    parts = int(min(n, max(1, total // CHUNK_PAIRS)))
    edges = np.unique(np.searchsorted(pairs_before, np.linspace(0, total, parts + 1))).tolist()
    ranges = list(itertools.pairwise(edges))
    progress(Progress("screen", 0, total, unit="pairs"))
    found = []
    for (_, last), kept in zip(
        ranges, pool.map(lambda r: signed.judge_ranges(ends, *r), ranges), strict=True
    ):
        found.append(kept)
        progress(Progress("screen", int(pairs_before[last]), total, unit="pairs"))
    a = np.concatenate([f[0] for f in found])
    b = np.concatenate([f[1] for f in found])
    return features[a], features[b]


def pairs_in_ranges(stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)``, ``i < j < stops[i]``, by ``i`` then ``j``: two ``int64`` arrays."""
    stops = np.asarray(stops, dtype=np.int64)
    partners = np.maximum(stops - np.arange(1, stops.shape[0] + 1), 0)
    starts = np.cumsum(partners) - partners
    lower = np.repeat(np.arange(stops.shape[0], dtype=np.int64), partners)
    upper = np.arange(int(partners.sum()), dtype=np.int64) - np.repeat(starts, partners) + lower + 1
    return lower, upper


@dataclass(frozen=True, slots=True)
class _Signed:
    """Columns' signatures at the anchors and what the kernels judge pairs with."""

    signatures: np.ndarray  # uint64[columns, anchors]
    blocks: np.ndarray  # int32[columns, anchors]
    shares: np.ndarray  # float64[columns, anchors], block_shares
    fingerprints_a: np.ndarray  # uint64[columns, words]: a byte a signature, 0 where empty
    fingerprints_b: np.ndarray  # the same with 1 where empty (never equal to an a-side byte there)
    occupied: np.ndarray  # uint64[columns, ceil(anchors / 64)]: bit j when the block at j is not empty
    summaries: ColumnSummaries  # of these columns, once for every call of the kernels

    def matrices(self) -> tuple[np.ndarray, ...]:
        """The six matrices in the order the screen kernels take them."""
        return (
            self.fingerprints_a,
            self.fingerprints_b,
            self.occupied,
            self.signatures,
            self.blocks,
            self.shares,
        )

    def judge_listed(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        kept: np.ndarray = screen.screen_listed_pairs(
            *self.matrices(),
            a,
            b,
            min_anchors=MIN_ANCHORS,
            min_excess=MIN_EXCESS,
            summaries=self.summaries,
        )
        return kept

    def judge_ranges(
        self, stops: np.ndarray, first_from: int, first_to: int
    ) -> tuple[np.ndarray, np.ndarray]:
        room = KEPT_ROOM
        while True:
            kept_a = np.empty(room, dtype=np.int64)
            kept_b = np.empty(room, dtype=np.int64)
            kept = screen.screen_pair_ranges(
                *self.matrices(),
                stops,
                first_from,
                first_to,
                kept_a,
                kept_b,
                min_anchors=MIN_ANCHORS,
                min_excess=MIN_EXCESS,
                summaries=self.summaries,
            )
            if kept <= room:
                return kept_a[:kept], kept_b[:kept]
            room = kept  # rare (most pairs are dropped): judge the range again with room for all


def _sign(
    columns: SampleColumns, used: np.ndarray, anchors: int, *, pool: ThreadPoolExecutor, seed: int
) -> _Signed:
    rows = columns.rows
    rng = np.random.default_rng(seed)
    anchor_rows = np.sort(rng.choice(rows, size=min(anchors, rows), replace=False))
    row_hash = hashing.mix64_array(np.arange(rows, dtype=np.uint64), seed)
    k = anchor_rows.shape[0]
    order = screen.hash_order(row_hash, anchor_rows)
    signatures = np.empty((used.shape[0], k), dtype=np.uint64)
    blocks = np.empty((used.shape[0], k), dtype=np.int32)

    def sign(p: int) -> None:
        column = int(used[p])
        signatures[p], blocks[p] = screen.block_minhash(
            columns.codes[column], row_hash, anchor_rows, levels=columns.levels[column], order=order
        )

    map_in_chunks(pool, sign, range(used.shape[0]))  # a task per column: 10,000 tasks, 0.4 s
    occupied_anchors = blocks > 0
    # fingerprints in 2..255; the anchors padded to whole blocks of 128 (the kernels' loop),
    # empty on both sides
    padded = -(-k // 128) * 128
    byte = np.zeros((used.shape[0], padded), dtype=np.uint8)
    byte[:, :k] = (signatures % np.uint64(254) + np.uint64(2)).astype(np.uint8)
    occupied_padded = np.zeros((used.shape[0], padded), dtype=bool)
    occupied_padded[:, :k] = occupied_anchors
    fingerprints_a = np.where(occupied_padded, byte, np.uint8(0)).view(np.uint64)
    fingerprints_b = np.where(occupied_padded, byte, np.uint8(1)).view(np.uint64)
    bits = np.packbits(occupied_anchors, axis=1, bitorder="little")
    words = np.zeros((used.shape[0], -(-k // 64) * 8), dtype=np.uint8)
    words[:, : bits.shape[1]] = bits
    shares = screen.block_shares(blocks, rows)
    occupied = np.ascontiguousarray(words.view(np.uint64))
    return _Signed(
        signatures=signatures,
        blocks=blocks,
        shares=shares,
        fingerprints_a=np.ascontiguousarray(fingerprints_a),
        fingerprints_b=np.ascontiguousarray(fingerprints_b),
        occupied=occupied,
        summaries=screen.column_summaries(occupied, blocks, shares),
    )
