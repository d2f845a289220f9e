"""One hash dictionary: distinct 64-bit keys -> dense codes, with a count row per code.

Codes are ``1 .. n`` in order of first sight; code 0 is reserved for missing values. The
keys live in an open-addressing hash table (linear probing, kept at most half full) of the
``encoding`` kernel, which fuses the lookup with the (code, target) count. When the levels'
keys lie in a span no wider than ``DIRECT_SPAN_PER_SLOT`` times the hash slots (integer IDs
coded 0 .. L - 1), the index is a direct-address array from key to code instead: the same
memory or less, one lookup a row and no probing. Which index a dictionary has changes nothing
else: codes, levels and counts are the same. Feature columns (``count.counter``) and a class
target (``encode.target``) both keep their levels here.
"""

from __future__ import annotations

import math

import numpy as np

from outrank_cli.encode.keys import Keys
from outrank_cli.kernels import EMPTY_SLOT, lazy_module

encoding = lazy_module("outrank_cli.kernels.encoding")
hashing = lazy_module("outrank_cli.kernels.hashing")

INITIAL_SLOTS = 64
# a table without an index has these (empty arrays are never written: shared)
_NO_KEYS = np.zeros(0, dtype=np.uint64)
_NO_CODES = np.zeros(0, dtype=np.int32)
# a full table grows to the levels that the values so far promise for the rest of the batch
# (``expected_distinct``) once this many were seen; before, it doubles
FIT_MIN_VALUES = 256
# a full table doubles: quadrupling rehashes half as many levels but holds twice the unused
# room (1,000 ID columns, 9M levels: 0.94 GB of tables at the end of the pass against 0.65 GB,
# at the same speed)
GROWTH = 2
# a direct-address index (4 bytes a key of its span) replaces the hash slots (12 bytes each)
# when it is no bigger: a span of at most 3 keys a slot
DIRECT_SPAN_PER_SLOT = 3
# ... and once there are this many levels to judge the span by (a key outside the index
# only costs a new index, or a return to hashing)
DIRECT_MIN_LEVELS = 16
# room the direct index leaves on each side of the levels' keys, in mean gaps between them
DIRECT_PAD_GAPS = 4


class HashDictionary:
    """Levels and their counts: ``level_keys[code]`` and ``counts[code, target]``.

    ``counts`` is ``int64[rows, n_target_levels]`` with room for ``rows - 1`` levels; row 0
    counts missing values. The index (hash slots ``slot_keys`` / ``slot_codes``, or the
    direct-address ``direct_index`` from key ``direct_base``) may be left out until the next
    batch needs it (``ensure_index``), which saves building it after the last batch.
    """

    def __init__(self, n_target_levels: int) -> None:
        self.n_box = np.zeros(1, dtype=np.int64)  # the kernel updates the level count in place
        # the index is built by the first batch, on a counting thread: 10,000 columns' empty
        # indexes took 0.5 s of the main thread before the pass could start
        self.allocate(INITIAL_SLOTS, max(n_target_levels, 1), index=False)

    # -- pickling (Dask moves counters between processes) -----------------------------------
    def __getstate__(self) -> dict[str, object]:
        """Ship only the used rows; the hash slots are rebuilt from the level keys on arrival."""
        state = dict(self.__dict__)
        n = self.n_levels
        state["level_keys"] = self.level_keys[: n + 1].copy()
        state["counts"] = self.counts[: n + 1].copy()
        state["slot_keys"] = state["slot_codes"] = state["direct_index"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        n = self.n_levels
        self.rebuild(self.level_keys[1 : n + 1].copy(), self.counts[0].copy(), self.counts[1 : n + 1].copy())

    # -- state -----------------------------------------------------------------------------
    @property
    def n_levels(self) -> int:
        return int(self.n_box[0])

    @property
    def n_target_levels(self) -> int:
        return int(self.counts.shape[1])

    def keys(self) -> np.ndarray:
        """The keys of codes ``1 .. n`` (a view)."""
        return self.level_keys[1 : self.n_levels + 1]

    @property
    def direct(self) -> bool:
        """Whether the index is direct-address (else hash slots, or none yet)."""
        return self.direct_index.shape[0] > 0

    def allocate(self, n_slots: int, n_target_levels: int, *, index: bool = True) -> None:
        """Empty tables for ``n_slots // 2`` levels; the index of their levels only with
        ``index`` (else it is left out, ``ensure_index``)."""
        rows = n_slots // 2 + 1
        # keys past the levels and the keys of empty slots are never read: left unwritten
        # (10,000 columns allocate gigabytes over a pass, and every written page costs)
        self.level_keys = np.empty(rows, dtype=np.uint64)
        self.level_keys[0] = 0
        self.counts = np.zeros((rows, n_target_levels), dtype=np.int64)
        self._drop_index()
        if index:
            self._index_levels()

    def _drop_index(self) -> None:
        self.slot_keys = _NO_KEYS
        self.slot_codes = _NO_CODES
        self.direct_index = _NO_CODES
        self.direct_base = 0
        self._index_stale = True

    def _index_levels(self, also: tuple[int, int] | None = None) -> None:
        """Index codes ``1 .. n``: directly when the levels' keys (and the keys ``also``
        spans, a batch's rest) lie in at most ``DIRECT_SPAN_PER_SLOT`` times the hash slots
        that the tables' room calls for, else in hash slots."""
        n = self.n_levels
        n_slots = (self.level_keys.shape[0] - 1) * 2
        if n >= DIRECT_MIN_LEVELS or also is not None:
            low, high = also if also is not None else (2**64 - 1, 0)
            if n:
                keys = self.level_keys[1 : n + 1]
                low, high = min(low, int(keys.min())), max(high, int(keys.max()))
            budget = DIRECT_SPAN_PER_SLOT * n_slots
            span = high - low + 1
            if span <= budget:
                pad = min(DIRECT_PAD_GAPS * span // max(n, 1), (budget - span) // 2)
                base = max(low - pad, 0)
                self.slot_keys = _NO_KEYS
                self.slot_codes = _NO_CODES
                self.direct_index = np.full(min(high + pad, 2**64 - 1) - base + 1, EMPTY_SLOT, dtype=np.int32)
                self.direct_base = base
                encoding.insert_direct(self.level_keys, n, hashing.word(base), self.direct_index)
                self._index_stale = False
                return
        self.direct_index = _NO_CODES
        self.slot_keys = np.empty(n_slots, dtype=np.uint64)
        self.slot_codes = np.full(n_slots, EMPTY_SLOT, dtype=np.int32)
        encoding.insert_levels(self.level_keys, n, self.slot_keys, self.slot_codes)
        self._index_stale = False

    def key_order(self) -> np.ndarray | None:
        """``argsort`` of the level keys, read off a direct index (None without one)."""
        if not self.direct or self._index_stale:
            return None
        order: np.ndarray = encoding.direct_order(self.direct_index, self.n_levels)
        return order

    def ensure_index(self) -> None:
        """Build the index of the levels if it was left out (tables without it may hold just
        the levels: they get their room back first)."""
        if self._index_stale:
            n_slots = _slots_for(self.n_levels)
            if (self.level_keys.shape[0] - 1) * 2 == n_slots:  # the room is there already
                self._index_levels()
            else:
                self._resize(n_slots)

    def reindex(self) -> None:
        """Rebuild the index from the level keys (after the levels were reordered)."""
        if self._index_stale:
            self.ensure_index()
            return
        self._index_levels()

    def grow(self) -> None:
        """``GROWTH`` times the room."""
        self.ensure_index()
        self._resize((self.level_keys.shape[0] - 1) * 2 * GROWTH)

    def _grow_for(self, seen: int, remaining: int, max_levels: int) -> None:
        """Grow a full table: to the levels that ``seen`` values promise for ``remaining``
        more (a column of 18,000 IDs grew 64 -> 65,536 slots in ten steps, each a new
        allocation and a rehash), and at least ``GROWTH`` times."""
        rows = self.level_keys.shape[0]
        if seen >= FIT_MIN_VALUES:
            self.reserve(min(expected_distinct(self.n_levels, seen, remaining), max_levels))
        if self.level_keys.shape[0] == rows:
            self.grow()

    def reserve(self, n_levels: int) -> None:
        """Room for ``n_levels`` levels in one step (nothing to do when there is room)."""
        self.ensure_index()
        n_slots = (self.level_keys.shape[0] - 1) * 2
        if n_slots // 2 + 1 >= n_levels + 2:  # the kernel asks to grow at n_levels + 1 rows
            return
        while n_slots // 2 + 1 < n_levels + 2:
            n_slots *= 2
        self._resize(n_slots)

    def _resize(self, n_slots: int) -> None:
        """Move the levels into tables of ``n_slots`` slots (and ``n_slots // 2`` levels); a
        direct index stays as it is (the codes do not change, and more room only widens the
        span it may cover)."""
        n = self.n_levels
        old_keys, old_counts = self.level_keys, self.counts
        kept = (self.direct_index, self.direct_base) if self.direct and not self._index_stale else None
        self.allocate(n_slots, old_counts.shape[1], index=False)
        self.level_keys[: n + 1] = old_keys[: n + 1]
        self.counts[: n + 1] = old_counts[: n + 1]
        if kept is None:
            self._index_levels()
        else:
            self.direct_index, self.direct_base = kept
            self._index_stale = False

    def rebuild(
        self, level_keys: np.ndarray, missing_row: np.ndarray, rows: np.ndarray, *, index: bool = True
    ) -> None:
        """Replace the levels by ``level_keys`` (codes 1..n) with the count row of missing
        values and ``rows`` (one per level); the hash slots now or, without ``index``, later
        (until then the tables hold the levels and no room: the end of a pass rebuilds
        10,000 columns, and each unused row is memory written for nothing)."""
        n = level_keys.shape[0]
        if index:
            self.allocate(_slots_for(n), rows.shape[1], index=False)
        else:
            self.level_keys = np.empty(n + 1, dtype=np.uint64)
            self.level_keys[0] = 0
            self.counts = np.empty((n + 1, rows.shape[1]), dtype=np.int64)
            self._drop_index()
        self.level_keys[1 : n + 1] = level_keys
        self.counts[0] = missing_row
        self.counts[1 : n + 1] = rows
        self.n_box[0] = n
        if index:
            self._index_levels()

    def reorder(self, order: np.ndarray) -> None:
        """Put the level of code ``order[i] + 1`` at code ``i + 1``, in place (no new tables:
        at the end of a pass 10,000 columns would write them all again) and without an index
        (``ensure_index`` builds it if more rows come)."""
        encoding.permute_levels(self.level_keys, self.counts, np.ascontiguousarray(order, dtype=np.int64))
        self._drop_index()

    def ensure_target_levels(self, n_target_levels: int) -> None:
        """Widen the count table when the target gained levels."""
        self.counts = widened(self.counts, n_target_levels)

    def remap_targets(self, mapping: np.ndarray, n_target_levels: int) -> None:
        """Move target column ``t`` to ``mapping[t]`` in a table of ``n_target_levels`` columns.
        Of the same width, in place and only the rows in use: a new table for every column
        was a second copy of all counts (gigabytes of fresh pages at 10,000 columns)."""
        have = self.counts.shape[1]
        if n_target_levels != have:
            self.counts = remapped(self.counts, mapping, n_target_levels)
            return
        used = self.counts[: self.n_levels + 1]
        used[:, mapping[:have]] = used.copy()

    # -- counting --------------------------------------------------------------------------
    def encode_count(
        self,
        keys: Keys,
        target_codes: np.ndarray,
        *,
        start: int,
        key_shift: int,
        max_levels: int,
        out_codes: np.ndarray | None,
        values_before: int = 0,
        rows_ahead: int = 0,
    ) -> tuple[int, bool]:
        """Encode and count ``keys[start:]``, growing the tables as needed (``values_before``:
        the values counted before this batch, ``rows_ahead``: the rows still to come after
        it, for the guess of how much to grow).

        Returns ``(next_row, done)``: ``done`` is False when a new level would exceed
        ``max_levels``; rows before ``next_row`` are counted (and coded in ``out_codes``).
        """
        self.ensure_index()
        while True:
            # the index and tables change when they grow or are re-indexed: read them each round
            if self.direct:
                kernel = encoding.encode_count_direct
                index: dict[str, object] = {"base": self.direct_base, "index": self.direct_index}
            else:
                kernel = encoding.encode_count
                index = {"slot_keys": self.slot_keys, "slot_codes": self.slot_codes}
            start, status = kernel(
                keys.keys,
                keys.missing,
                target_codes,
                start=start,
                key_shift=key_shift,
                level_keys=self.level_keys,
                n_levels_box=self.n_box,
                max_levels=max_levels,
                counts=self.counts,
                out_codes=out_codes,
                **index,
            )
            if status == encoding.STATUS_GROW:
                self._grow_for(values_before + start, keys.keys.shape[0] - start + rows_ahead, max_levels)
                continue
            if status == encoding.STATUS_SPAN:  # index the rest of the batch's keys too
                self._index_levels(_key_range(keys, start, key_shift))
                continue
            return start, status == encoding.STATUS_DONE


def _key_range(keys: Keys, start: int, key_shift: int) -> tuple[int, int]:
    """The lowest and highest key (shifted right by ``key_shift``) of the values from row
    ``start`` on (a row that stopped the kernel is one, so there is at least one)."""
    rest = keys.keys[start:]
    if keys.missing.size:
        rest = rest[~keys.missing[start:]]
    shift = np.uint64(key_shift)
    return int(rest.min() >> shift), int(rest.max() >> shift)


def _slots_for(n_levels: int) -> int:
    """Hash slots (a power of two, at least ``INITIAL_SLOTS``) for ``n_levels`` levels and
    room to grow (the tables of ``allocate`` keep a row for level ``n_levels + 1``)."""
    n_slots = INITIAL_SLOTS
    while n_slots // 2 + 1 <= n_levels + 1:
        n_slots *= 2
    return n_slots


def widened(counts: np.ndarray, n_target_levels: int) -> np.ndarray:
    """``counts`` with at least ``n_target_levels`` columns (new ones zero)."""
    have = counts.shape[1]
    if n_target_levels <= have:
        return counts
    wider = np.zeros((counts.shape[0], n_target_levels), dtype=np.int64)
    wider[:, :have] = counts
    return wider


def remapped(counts: np.ndarray, mapping: np.ndarray, n_target_levels: int) -> np.ndarray:
    """``counts`` with column ``t`` moved to ``mapping[t]`` of ``n_target_levels`` columns."""
    have = counts.shape[1]
    if n_target_levels == have and np.array_equal(mapping[:have], np.arange(have)):
        return counts
    moved = np.zeros((counts.shape[0], n_target_levels), dtype=np.int64)
    moved[:, mapping[:have]] = counts
    return moved


def expected_distinct(distinct: int, seen: int, more: int) -> int:
    """Distinct values after ``more`` further values, had the ``seen`` values so far (with
    ``distinct`` distinct ones) been drawn uniformly from K levels, K fitted to them
    (``distinct = K (1 - exp(-seen / K))``). All values distinct: every further one new.

    On skewed columns it falls short (the counter then doubles its tables as before); a
    Good-Turing rate (the share of values seen once) overshot threefold on columns of a few
    thousand levels, where new values become rare within the batch.
    """
    if distinct >= seen:
        return distinct + more
    if distinct <= 0:
        return 0

    def fitted(levels: float, values: int) -> float:
        """Distinct values expected among ``values`` drawn uniformly from ``levels``."""
        return levels * -math.expm1(-values / levels)

    low = high = float(distinct)
    while fitted(high, seen) < distinct:
        low, high = high, high * 2.0
    while high - low > 0.5:  # K to half a level is plenty for a guess about room
        middle = (low + high) / 2.0
        low, high = (middle, high) if fitted(middle, seen) < distinct else (low, middle)
    return math.ceil(fitted(high, seen + more))
