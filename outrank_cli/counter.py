"""Per-column count state across batches: dictionary, level cap, numeric grid, sketch.

A ``ColumnCounter`` receives the keys of one column batch by batch and keeps a table of
counts per (level code, target code). Its final state depends only on the multiset of
rows seen, never on their order or on batch boundaries:

* a column with at most ``max_levels`` distinct keys keeps them all (exact);
* beyond that, an unordered column (strings) folds every key into ``max_levels`` hash
  buckets, and an ordered column (numbers) drops low key bits until its cells fit; both
  re-aggregate the counts already taken, so the result equals folding from the start;
* a HyperLogLog sketch, started from the exact keys at the first overflow, estimates the
  distinct count above the cap.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from outrank_cli.kernels import encoding
from outrank_cli.kernels.hashing import hll_add, hll_estimate, new_hll
from outrank_cli.keys import Family, Keys

_INITIAL_SLOTS = 64


def _sum_rows(rows: np.ndarray, index: np.ndarray, n_out: int) -> np.ndarray:
    """``out[index[i]] += rows[i]`` for an ``int64[n, R]`` table (exact below 2**53 per cell)."""
    out = np.empty((n_out, rows.shape[1]), dtype=np.int64)
    for column in range(rows.shape[1]):
        out[:, column] = np.bincount(index, weights=rows[:, column], minlength=n_out)[:n_out]
    return out


def _smallest_shift(sorted_keys: np.ndarray, limit: int) -> int:
    """The smallest right shift (>= 1) after which the sorted keys take at most ``limit`` values."""

    def distinct(shift: int) -> int:
        shifted = sorted_keys >> np.uint64(shift)
        return 1 + int(np.count_nonzero(shifted[1:] != shifted[:-1])) if shifted.size else 0

    low, high = 1, 64
    while low < high:
        middle = (low + high) // 2
        if distinct(middle) <= limit:
            high = middle
        else:
            low = middle + 1
    return low


@dataclass(frozen=True, slots=True)
class ColumnCounts:
    """Final counts of one column: what the statistics stage needs.

    ``table`` is ``int64[n_levels + 1, n_target_levels]`` with row 0 for missing values;
    ``level_keys`` (``uint64[n_levels + 1]``) are the cell keys of the rows (entry 0 unused)
    at ``key_shift``; ``distinct`` is the distinct non-missing value count (exact when
    ``distinct_exact``); ``folded`` says whether levels are hash buckets.
    """

    name: str
    family: Family
    table: np.ndarray
    level_keys: np.ndarray
    key_shift: int
    distinct: int
    distinct_exact: bool
    folded: bool


class ColumnCounter:
    """Counts one column against the target codes, batch by batch."""

    def __init__(self, name: str, family: Family, *, max_levels: int, n_target_levels: int) -> None:
        if max_levels < 1:
            raise ValueError(f"max_levels must be >= 1, got {max_levels}")
        self.name = name
        self.family = family
        self.max_levels = max_levels
        self.key_shift = 0
        self.folded = False
        self.sketch: np.ndarray | None = None
        # old code -> new code maps from overflows not yet seen by the row sample
        self.pending_remaps: list[np.ndarray] = []
        self.track_remaps = False
        self._exact_distinct: int | None = None
        self._n_levels = np.zeros(1, dtype=np.int64)
        self._allocate(_INITIAL_SLOTS, max(n_target_levels, 1))

    # -- state -----------------------------------------------------------------------------
    @property
    def n_levels(self) -> int:
        return self.max_levels if self.folded else int(self._n_levels[0])

    def _allocate(self, n_slots: int, n_target_levels: int) -> None:
        self.slot_keys = np.zeros(n_slots, dtype=np.uint64)
        self.slot_codes = np.full(n_slots, encoding.EMPTY_SLOT, dtype=np.int32)
        rows = n_slots // 2 + 1
        self.level_keys = np.zeros(rows, dtype=np.uint64)
        self.counts = np.zeros((rows, n_target_levels), dtype=np.int64)

    def ensure_target_levels(self, n_target_levels: int) -> None:
        """Widen the table when the target gained levels."""
        have = self.counts.shape[1]
        if n_target_levels > have:
            wider = np.zeros((self.counts.shape[0], n_target_levels), dtype=np.int64)
            wider[:, :have] = self.counts
            self.counts = wider

    def _grow(self) -> None:
        n = int(self._n_levels[0])
        old_keys, old_counts = self.level_keys, self.counts
        self._allocate(self.slot_keys.shape[0] * 2, old_counts.shape[1])
        self.level_keys[: n + 1] = old_keys[: n + 1]
        self.counts[: n + 1] = old_counts[: n + 1]
        encoding.insert_levels(self.level_keys, n, self.slot_keys, self.slot_codes)

    def _rebuild(self, level_keys: np.ndarray, counts: np.ndarray) -> None:
        """Replace the dictionary by ``level_keys`` (codes 1..n) with their count rows."""
        n = level_keys.shape[0]
        n_slots = _INITIAL_SLOTS
        while n_slots // 2 + 1 <= n + 1:
            n_slots *= 2
        self._allocate(n_slots, counts.shape[1])
        self.level_keys[1 : n + 1] = level_keys
        self.counts[: n + 1] = counts
        self._n_levels[0] = n
        encoding.insert_levels(self.level_keys, n, self.slot_keys, self.slot_codes)

    def _start_sketch(self) -> None:
        if self.sketch is None:
            self.sketch = new_hll()
            n = int(self._n_levels[0])
            # before the first fold or coarsening the dictionary holds every distinct key
            hll_add(self.sketch, self.level_keys[1 : n + 1])

    @property
    def _dictionary_limit(self) -> int:
        """Levels the dictionary may hold before it must fold or coarsen.

        Ordered columns may hold up to twice the cap while streaming: each coarsening brings
        them back under the cap, so they coarsen rarely, and ``finish`` coarsens to the cap.
        """
        return 2 * self.max_levels if self.family.ordered else self.max_levels

    def _overflow(self) -> np.ndarray:
        """Too many levels: fold (unordered) or coarsen the grid (ordered).

        Returns the map from old codes to new codes (``int32[n_levels + 1]``).
        """
        self._start_sketch()
        n = int(self._n_levels[0])
        keys = self.level_keys[1 : n + 1]
        rows = self.counts[1 : n + 1]
        remap = np.zeros(n + 1, dtype=np.int32)
        if not self.family.ordered:
            buckets = encoding.bucket_of(keys, n_buckets=self.max_levels)
            folded = np.empty((self.max_levels + 1, self.counts.shape[1]), dtype=np.int64)
            folded[0] = self.counts[0]
            folded[1:] = _sum_rows(rows, buckets - 1, self.max_levels)
            self.counts = folded
            self.folded = True
            self.slot_keys = self.slot_codes = self.level_keys = np.zeros(0, dtype=np.uint64)
            remap[1:] = buckets
            return remap
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        extra = _smallest_shift(sorted_keys, self.max_levels)
        shifted = sorted_keys >> np.uint64(extra)
        new_cell = np.empty(n, dtype=np.bool_)
        new_cell[:1] = True
        new_cell[1:] = shifted[1:] != shifted[:-1]
        starts = np.flatnonzero(new_cell)
        cell_of_sorted = np.cumsum(new_cell) - 1
        merged = np.add.reduceat(rows[order], starts, axis=0) if n else rows[:0]
        missing_row = self.counts[0].copy()
        self.key_shift += extra
        self._rebuild(shifted[starts], np.vstack([missing_row, merged]))
        remap[1:][order] = cell_of_sorted + 1
        return remap

    def finish(self) -> None:
        """Bring an ordered column under the level cap at the end of the pass (idempotent)."""
        if self.family.ordered and int(self._n_levels[0]) > self.max_levels:
            if self.sketch is None:
                # every distinct value is still in the dictionary: its count is exact
                self._exact_distinct = int(self._n_levels[0])
            remap = self._overflow()
            if self.track_remaps:
                self.pending_remaps.append(remap)

    # -- counting --------------------------------------------------------------------------
    def update(self, keys: Keys, target_codes: np.ndarray, out_codes: np.ndarray | None = None) -> None:
        """Count one batch: ``keys`` of this column and the batch's ``int32`` target codes.

        With ``out_codes`` (``int32[n]``), each row's code under the counter's state at the
        end of the batch is written there; overflows are also queued in ``pending_remaps``
        so codes kept from earlier batches can be brought up to date.
        """
        self._exact_distinct = None  # known only when no row comes after ``finish``
        if self.sketch is not None:
            hll_add(self.sketch, keys.keys, keys.missing if keys.missing.size else None)
        if self.folded:
            encoding.fold_count(
                keys.keys, keys.missing, target_codes, n_buckets=self.max_levels,
                counts=self.counts, out_codes=out_codes,
            )
            return
        start = 0
        while True:
            start, status = encoding.encode_count(
                keys.keys, keys.missing, target_codes, start=start, key_shift=self.key_shift,
                slot_keys=self.slot_keys, slot_codes=self.slot_codes,
                level_keys=self.level_keys, n_levels_box=self._n_levels,
                max_levels=self._dictionary_limit, counts=self.counts, out_codes=out_codes,
            )
            if status == encoding.STATUS_DONE:
                return
            if status == encoding.STATUS_GROW:
                self._grow()
                continue
            # the overflow re-aggregates what is counted; rows from ``start`` on are
            # counted again under the new scheme
            already_sketched = self.sketch is not None
            remap = self._overflow()
            if self.track_remaps:
                self.pending_remaps.append(remap)
            if out_codes is not None:
                out_codes[:start] = remap[out_codes[:start]]
            if not already_sketched and self.sketch is not None:
                rest = Keys(keys.keys[start:], keys.missing[start:] if keys.missing.size else keys.missing)
                hll_add(self.sketch, rest.keys, rest.missing if rest.missing.size else None)
            if self.folded:
                remaining = keys.missing[start:] if keys.missing.size else keys.missing
                encoding.fold_count(
                    keys.keys[start:], remaining, target_codes[start:],
                    n_buckets=self.max_levels, counts=self.counts,
                    out_codes=None if out_codes is None else out_codes[start:],
                )
                return

    # -- results ---------------------------------------------------------------------------
    def result(self) -> ColumnCounts:
        """The final counts, as ``finish`` would leave them; the counter itself is unchanged."""
        if self.family.ordered and int(self._n_levels[0]) > self.max_levels:
            finished = copy.deepcopy(self)
            finished.track_remaps = False
            finished.finish()
            return finished.result()
        n = self.n_levels
        if self._exact_distinct is not None:
            distinct, exact = self._exact_distinct, True
        elif self.sketch is not None:
            distinct, exact = hll_estimate(self.sketch), False
        else:
            distinct, exact = n, True
        return ColumnCounts(
            name=self.name,
            family=self.family,
            table=self.counts[: n + 1].copy(),
            level_keys=(np.zeros(0, dtype=np.uint64) if self.folded else self.level_keys[: n + 1].copy()),
            key_shift=self.key_shift,
            distinct=distinct,
            distinct_exact=exact,
            folded=self.folded,
        )
