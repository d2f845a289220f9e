"""One hash dictionary: distinct 64-bit keys -> dense codes, with a count row per code.

Codes are ``1 .. n`` in order of first sight; code 0 is reserved for missing values. The
keys live in an open-addressing hash table (linear probing, kept at most half full) of the
``encoding`` kernel, which fuses the lookup with the (code, target) count. Feature columns
(``count.counter``) and a class target (``encode.target``) both keep their levels here.
"""

from __future__ import annotations

import math

import numpy as np

from outrank_cli.encode.keys import Keys
from outrank_cli.kernels import EMPTY_SLOT, lazy_module

encoding = lazy_module("outrank_cli.kernels.encoding")

INITIAL_SLOTS = 64
# a full table grows to the levels that the values so far promise for the rest of the batch
# (``expected_distinct``) once this many were seen; before, it doubles
FIT_MIN_VALUES = 256
# a full table doubles: quadrupling rehashes half as many levels but holds twice the unused
# room (1,000 ID columns, 9M levels: 0.94 GB of tables at the end of the pass against 0.65 GB,
# at the same speed)
GROWTH = 2


class HashDictionary:
    """Levels and their counts: ``level_keys[code]`` and ``counts[code, target]``.

    ``counts`` is ``int64[rows, n_target_levels]`` with room for ``rows - 1`` levels; row 0
    counts missing values. The hash slots may be left out (``index=False``) until the next
    batch needs them (``ensure_index``), which saves building them after the last batch.
    """

    def __init__(self, n_target_levels: int) -> None:
        self.n_box = np.zeros(1, dtype=np.int64)  # the kernel updates the level count in place
        self.allocate(INITIAL_SLOTS, max(n_target_levels, 1))

    # -- pickling (Dask moves counters between processes) -----------------------------------
    def __getstate__(self) -> dict[str, object]:
        """Ship only the used rows; the hash slots are rebuilt from the level keys on arrival."""
        state = dict(self.__dict__)
        n = self.n_levels
        state["level_keys"] = self.level_keys[: n + 1].copy()
        state["counts"] = self.counts[: n + 1].copy()
        state["slot_keys"] = state["slot_codes"] = None
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

    def allocate(self, n_slots: int, n_target_levels: int, *, index: bool = True) -> None:
        """Empty tables for ``n_slots // 2`` levels; the hash slots only with ``index``."""
        rows = n_slots // 2 + 1
        # keys past the levels and the keys of empty slots are never read: left unwritten
        # (10,000 columns allocate gigabytes over a pass, and every written page costs)
        self.level_keys = np.empty(rows, dtype=np.uint64)
        self.level_keys[0] = 0
        self.counts = np.zeros((rows, n_target_levels), dtype=np.int64)
        if index:
            self.slot_keys = np.empty(n_slots, dtype=np.uint64)
            self.slot_codes = np.full(n_slots, EMPTY_SLOT, dtype=np.int32)
        else:
            self.slot_keys = np.zeros(0, dtype=np.uint64)
            self.slot_codes = np.zeros(0, dtype=np.int32)
        self._index_stale = not index

    def ensure_index(self) -> None:
        """Build the hash slots of the levels if they were left out (the tables without them
        hold just the levels: they get their room back first)."""
        if self._index_stale:
            self._resize(_slots_for(self.n_levels))

    def reindex(self) -> None:
        """Rebuild the hash slots from the level keys (after the levels were reordered)."""
        if self._index_stale:
            self.ensure_index()
            return
        n_slots = (self.level_keys.shape[0] - 1) * 2
        self.slot_keys = np.empty(n_slots, dtype=np.uint64)
        self.slot_codes = np.full(n_slots, EMPTY_SLOT, dtype=np.int32)
        encoding.insert_levels(self.level_keys, self.n_levels, self.slot_keys, self.slot_codes)
        self._index_stale = False

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
        """Move the levels into tables of ``n_slots`` slots (and ``n_slots // 2`` levels)."""
        n = self.n_levels
        old_keys, old_counts = self.level_keys, self.counts
        self.allocate(n_slots, old_counts.shape[1])
        self.level_keys[: n + 1] = old_keys[: n + 1]
        self.counts[: n + 1] = old_counts[: n + 1]
        encoding.insert_levels(self.level_keys, n, self.slot_keys, self.slot_codes)

    def rebuild(
        self, level_keys: np.ndarray, missing_row: np.ndarray, rows: np.ndarray, *, index: bool = True
    ) -> None:
        """Replace the levels by ``level_keys`` (codes 1..n) with the count row of missing
        values and ``rows`` (one per level); the hash slots now or, without ``index``, later
        (until then the tables hold the levels and no room: the end of a pass rebuilds
        10,000 columns, and each unused row is memory written for nothing)."""
        n = level_keys.shape[0]
        if index:
            self.allocate(_slots_for(n), rows.shape[1])
        else:
            self.level_keys = np.empty(n + 1, dtype=np.uint64)
            self.level_keys[0] = 0
            self.counts = np.empty((n + 1, rows.shape[1]), dtype=np.int64)
            self.slot_keys = np.zeros(0, dtype=np.uint64)
            self.slot_codes = np.zeros(0, dtype=np.int32)
            self._index_stale = True
        self.level_keys[1 : n + 1] = level_keys
        self.counts[0] = missing_row
        self.counts[1 : n + 1] = rows
        self.n_box[0] = n
        if index:
            encoding.insert_levels(self.level_keys, n, self.slot_keys, self.slot_codes)

    def reorder(self, order: np.ndarray) -> None:
        """Put the level of code ``order[i] + 1`` at code ``i + 1``, in tables of just the
        levels and no hash slots (``ensure_index`` builds them if more rows come)."""
        n = self.n_levels
        level_keys = np.empty(n + 1, dtype=np.uint64)
        level_keys[0] = 0
        np.take(self.level_keys[1 : n + 1], order, out=level_keys[1:])
        counts = np.empty((n + 1, self.counts.shape[1]), dtype=np.int64)
        counts[0] = self.counts[0]
        np.take(self.counts[1 : n + 1], order, axis=0, out=counts[1:])
        self.level_keys, self.counts = level_keys, counts
        self.slot_keys = np.zeros(0, dtype=np.uint64)
        self.slot_codes = np.zeros(0, dtype=np.int32)
        self._index_stale = True

    def ensure_target_levels(self, n_target_levels: int) -> None:
        """Widen the count table when the target gained levels."""
        self.counts = widened(self.counts, n_target_levels)

    def remap_targets(self, mapping: np.ndarray, n_target_levels: int) -> None:
        """Move target column ``t`` to ``mapping[t]`` in a table of ``n_target_levels`` columns."""
        self.counts = remapped(self.counts, mapping, n_target_levels)

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
            start, status = encoding.encode_count(
                keys.keys,
                keys.missing,
                target_codes,
                start=start,
                key_shift=key_shift,
                slot_keys=self.slot_keys,
                slot_codes=self.slot_codes,
                level_keys=self.level_keys,
                n_levels_box=self.n_box,
                max_levels=max_levels,
                counts=self.counts,
                out_codes=out_codes,
            )
            if status == encoding.STATUS_GROW:
                self._grow_for(values_before + start, keys.keys.shape[0] - start + rows_ahead, max_levels)
                continue
            return start, status == encoding.STATUS_DONE


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
