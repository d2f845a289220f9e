"""Per-column count state across batches: dictionary, level cap, numeric grid, sketch.

A ``ColumnCounter`` receives the keys of one column batch by batch and keeps a table of
counts per (level code, target code). Its finished state depends only on the multiset of
rows seen, never on their order, on batch boundaries, or on how the rows were split among
counters that were merged (DESIGN invariants 2 and 4):

* a column with at most ``max_levels`` distinct keys keeps them all (exact);
* beyond that, an unordered column (strings) folds every key into ``max_levels`` hash
  buckets, and an ordered column (numbers) drops low key bits until its cells fit; both
  re-aggregate the counts already taken, so the result equals folding from the start.
  While streaming, ordered columns may hold up to twice the cap (fewer re-aggregations);
  ``finish`` then takes them to the finest grid with at most ``max_levels`` cells, which is
  the same grid whatever the order the rows came in;
* a HyperLogLog sketch, started from the exact keys at the first fold or coarsening,
  estimates the distinct count above the cap;
* ``finish`` puts the levels in key order, so even the row order of the table is canonical.

Every change of codes returns (and, with ``track_remaps``, queues) an old-code -> new-code
map, so codes kept elsewhere (the row sample) can follow.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from outrank_cli.kernels import EMPTY_SLOT, lazy_module
from outrank_cli.keys import Family, Keys

_INITIAL_SLOTS = 64
encoding = lazy_module("outrank_cli.kernels.encoding")
hashing = lazy_module("outrank_cli.kernels.hashing")


def sum_rows(rows: np.ndarray, index: np.ndarray, n_out: int) -> np.ndarray:
    """``out[index[i]] += rows[i]`` for an ``int64[n, R]`` table (exact below 2**53 per cell)."""
    out = np.empty((n_out, rows.shape[1]), dtype=np.int64)
    for column in range(rows.shape[1]):
        out[:, column] = np.bincount(index, weights=rows[:, column], minlength=n_out)[:n_out]
    return out


def _distinct_sorted(sorted_keys: np.ndarray, shift: int) -> int:
    shifted = sorted_keys >> np.uint64(shift)
    return 1 + int(np.count_nonzero(shifted[1:] != shifted[:-1])) if shifted.size else 0


def _smallest_shift(sorted_keys: np.ndarray, limit: int, *, at_least: int = 1) -> int:
    """The smallest right shift (>= ``at_least``) after which the sorted keys take at most
    ``limit`` values (the count falls as the shift grows, so a binary search finds it)."""
    low, high = at_least, 63
    if _distinct_sorted(sorted_keys, low) <= limit:
        return low
    while low < high:
        middle = (low + high) // 2
        if _distinct_sorted(sorted_keys, middle) <= limit:
            high = middle
        else:
            low = middle + 1
    return low


def _group_sorted(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index of each run of equal keys, and the run number of every position."""
    new_run = np.empty(sorted_keys.shape[0], dtype=np.bool_)
    new_run[:1] = True
    new_run[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return np.flatnonzero(new_run), np.cumsum(new_run) - 1


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
    """Counts one column against the target codes, batch by batch; mergeable."""

    def __init__(self, name: str, family: Family, *, max_levels: int, n_target_levels: int) -> None:
        if max_levels < 1:
            raise ValueError(f"max_levels must be >= 1, got {max_levels}")
        self.name = name
        self.family = family
        self.max_levels = max_levels
        self.key_shift = 0
        self.folded = False
        self.sketch: np.ndarray | None = None
        # old code -> new code maps not yet seen by the row sample (when track_remaps)
        self.pending_remaps: list[np.ndarray] = []
        self.track_remaps = False
        self._exact_distinct: int | None = None
        self._values_seen = 0  # non-missing values: an upper bound for the distinct count
        self._n_levels = np.zeros(1, dtype=np.int64)
        self._allocate(_INITIAL_SLOTS, max(n_target_levels, 1))

    # -- pickling (Dask moves counters between processes) -----------------------------------
    def __getstate__(self) -> dict[str, object]:
        """Ship only the used rows; the hash slots are rebuilt from the level keys on arrival."""
        state = dict(self.__dict__)
        n = int(self._n_levels[0])
        if not self.folded:
            state["level_keys"] = self.level_keys[: n + 1].copy()
            state["counts"] = self.counts[: n + 1].copy()
        state["slot_keys"] = state["slot_codes"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if self.folded:
            self.slot_keys = np.zeros(0, dtype=np.uint64)
            self.slot_codes = np.zeros(0, dtype=np.int32)
            return
        n = int(self._n_levels[0])
        keys, counts = self.level_keys[1 : n + 1].copy(), self.counts[: n + 1].copy()
        self._rebuild(keys, counts[0], counts[1:])

    # -- state -----------------------------------------------------------------------------
    @property
    def n_levels(self) -> int:
        return self.max_levels if self.folded else int(self._n_levels[0])

    @property
    def n_target_levels(self) -> int:
        return int(self.counts.shape[1])

    def _allocate(self, n_slots: int, n_target_levels: int, *, index: bool = True) -> None:
        """Tables for ``n_slots // 2`` levels; the hash slots only with ``index`` (otherwise
        they are built when the next batch needs them, see ``_ensure_index``)."""
        rows = n_slots // 2 + 1
        self.level_keys = np.zeros(rows, dtype=np.uint64)
        self.counts = np.zeros((rows, n_target_levels), dtype=np.int64)
        if index:
            self.slot_keys = np.zeros(n_slots, dtype=np.uint64)
            self.slot_codes = np.full(n_slots, EMPTY_SLOT, dtype=np.int32)
        else:
            self.slot_keys = np.zeros(0, dtype=np.uint64)
            self.slot_codes = np.zeros(0, dtype=np.int32)
        self._index_stale = not index

    def _ensure_index(self) -> None:
        """Build the hash slots of the levels if ``finish`` left them out."""
        if self._index_stale:
            n_slots = (self.level_keys.shape[0] - 1) * 2
            self.slot_keys = np.zeros(n_slots, dtype=np.uint64)
            self.slot_codes = np.full(n_slots, EMPTY_SLOT, dtype=np.int32)
            encoding.insert_levels(self.level_keys, int(self._n_levels[0]), self.slot_keys, self.slot_codes)
            self._index_stale = False

    def ensure_target_levels(self, n_target_levels: int) -> None:
        """Widen the table when the target gained levels."""
        have = self.counts.shape[1]
        if n_target_levels > have:
            wider = np.zeros((self.counts.shape[0], n_target_levels), dtype=np.int64)
            wider[:, :have] = self.counts
            self.counts = wider

    def remap_targets(self, mapping: np.ndarray, n_target_levels: int) -> None:
        """Move target column ``t`` to ``mapping[t]`` in a table of ``n_target_levels`` columns."""
        have = self.counts.shape[1]
        if n_target_levels == have and np.array_equal(mapping[:have], np.arange(have)):
            return
        moved = np.zeros((self.counts.shape[0], n_target_levels), dtype=np.int64)
        moved[:, mapping[: self.counts.shape[1]]] = self.counts
        self.counts = moved

    def _grow(self) -> None:
        """Four times the room: half the rehashing of doubling, for at most 4x the slots."""
        n = int(self._n_levels[0])
        old_keys, old_counts = self.level_keys, self.counts
        self._allocate((old_keys.shape[0] - 1) * 8, old_counts.shape[1])
        self.level_keys[: n + 1] = old_keys[: n + 1]
        self.counts[: n + 1] = old_counts[: n + 1]
        encoding.insert_levels(self.level_keys, n, self.slot_keys, self.slot_codes)

    def _rebuild(
        self, level_keys: np.ndarray, missing_row: np.ndarray, rows: np.ndarray, *, index: bool = True
    ) -> None:
        """Replace the dictionary by ``level_keys`` (codes 1..n) with the count row of missing
        values and ``rows`` (one per level); the hash slots now or, without ``index``, later."""
        n = level_keys.shape[0]
        n_slots = _INITIAL_SLOTS
        while n_slots // 2 + 1 <= n + 1:
            n_slots *= 2
        self._allocate(n_slots, rows.shape[1], index=index)
        self.level_keys[1 : n + 1] = level_keys
        self.counts[0] = missing_row
        self.counts[1 : n + 1] = rows
        self._n_levels[0] = n
        if index:
            encoding.insert_levels(self.level_keys, n, self.slot_keys, self.slot_codes)

    def _keys(self) -> np.ndarray:
        return self.level_keys[1 : int(self._n_levels[0]) + 1]

    def _start_sketch(self) -> None:
        if self.sketch is None:
            self.sketch = hashing.new_hll()
            # before the first fold or coarsening the dictionary holds every distinct key
            hashing.hll_add(self.sketch, self._keys())

    def _queue(self, remap: np.ndarray) -> np.ndarray:
        if self.track_remaps:
            self.pending_remaps.append(remap)
        return remap

    @property
    def _dictionary_limit(self) -> int:
        """Levels the dictionary may hold while streaming before it must fold or coarsen."""
        return 2 * self.max_levels if self.family.ordered else self.max_levels

    # -- re-encodings (each returns old code -> new code) ----------------------------------
    def _fold(self) -> np.ndarray:
        """Fold every level of an unordered column into its hash bucket."""
        self._start_sketch()
        n = int(self._n_levels[0])
        remap = np.zeros(n + 1, dtype=np.int32)
        buckets = encoding.bucket_of(self._keys(), n_buckets=self.max_levels)
        folded = np.empty((self.max_levels + 1, self.counts.shape[1]), dtype=np.int64)
        folded[0] = self.counts[0]
        folded[1:] = sum_rows(self.counts[1 : n + 1], buckets - 1, self.max_levels)
        self.counts = folded
        self.folded = True
        self.slot_keys = self.level_keys = np.zeros(0, dtype=np.uint64)
        self.slot_codes = np.zeros(0, dtype=np.int32)
        remap[1:] = buckets
        return remap

    def _regroup(self, extra: int, order: np.ndarray | None = None, *, index: bool = True) -> np.ndarray:
        """Shift keys right by ``extra`` bits (0: just sort) and merge equal cells, in key order.

        ``order`` is ``argsort`` of the level keys when the caller has it already. The keys
        are distinct, so any sort gives the same order (no need for a slower stable one).
        """
        if extra > 0:
            self._start_sketch()
        n = int(self._n_levels[0])
        keys = self._keys()
        if order is None:
            order = np.argsort(keys)
        shifted = keys[order]
        if extra:
            shifted >>= np.uint64(extra)
        starts, run_of_sorted = _group_sorted(shifted)
        rows = self.counts[1 : n + 1]
        merged = np.add.reduceat(np.take(rows, order, axis=0), starts, axis=0) if n else rows
        self.key_shift += extra
        self._rebuild(shifted[starts], self.counts[0].copy(), merged, index=index)
        remap = np.zeros(n + 1, dtype=np.int32)
        remap[1:][order] = run_of_sorted + 1
        return remap

    def _overflow(self, *, index: bool = True) -> np.ndarray:
        """Too many levels: fold (unordered) or coarsen to at most ``max_levels`` cells."""
        if not self.family.ordered:
            return self._fold()
        order = np.argsort(self._keys())
        return self._regroup(_smallest_shift(self._keys()[order], self.max_levels), order, index=index)

    def finish(self) -> None:
        """End of the rows: take an ordered column under the cap, and order levels by key."""
        if self.folded:
            return
        n = int(self._n_levels[0])
        if self.family.ordered and n > self.max_levels:
            if self.sketch is None:
                # every distinct value is still in the dictionary: its count is exact
                self._exact_distinct = n
            self._queue(self._overflow(index=False))
        elif self._needs_finish():
            self._queue(self._regroup(0, index=False))

    # -- counting --------------------------------------------------------------------------
    def update(self, keys: Keys, target_codes: np.ndarray, out_codes: np.ndarray | None = None) -> None:
        """Count one batch: ``keys`` of this column and the batch's ``int32`` target codes.

        With ``out_codes`` (``int32[n]``), each row's code under the counter's state at the
        end of the batch is written there.
        """
        self._exact_distinct = None  # known only when no row comes after ``finish``
        self._values_seen += keys.keys.shape[0] - (
            int(np.count_nonzero(keys.missing)) if keys.missing.size else 0
        )
        if self.sketch is not None:
            hashing.hll_add(self.sketch, keys.keys, keys.missing if keys.missing.size else None)
        if self.folded:
            encoding.fold_count(
                keys.keys,
                keys.missing,
                target_codes,
                n_buckets=self.max_levels,
                counts=self.counts,
                out_codes=out_codes,
            )
            return
        self._ensure_index()
        start = 0
        while True:
            start, status = encoding.encode_count(
                keys.keys,
                keys.missing,
                target_codes,
                start=start,
                key_shift=self.key_shift,
                slot_keys=self.slot_keys,
                slot_codes=self.slot_codes,
                level_keys=self.level_keys,
                n_levels_box=self._n_levels,
                max_levels=self._dictionary_limit,
                counts=self.counts,
                out_codes=out_codes,
            )
            if status == encoding.STATUS_DONE:
                return
            if status == encoding.STATUS_GROW:
                self._grow()
                continue
            # rows before ``start`` are counted; re-encode them, then go on from ``start``
            sketched = self.sketch is not None
            remap = self._queue(self._overflow())
            if out_codes is not None:
                out_codes[:start] = remap[out_codes[:start]]
            if not sketched and self.sketch is not None:
                rest = keys.missing[start:] if keys.missing.size else None
                hashing.hll_add(self.sketch, keys.keys[start:], rest)
            if self.folded:
                encoding.fold_count(
                    keys.keys[start:],
                    keys.missing[start:] if keys.missing.size else keys.missing,
                    target_codes[start:],
                    n_buckets=self.max_levels,
                    counts=self.counts,
                    out_codes=None if out_codes is None else out_codes[start:],
                )
                return

    # -- merging ---------------------------------------------------------------------------
    def merge(self, other: ColumnCounter) -> tuple[np.ndarray, np.ndarray]:
        """Add ``other``'s counts (same column, same target codes) to this counter, exactly.

        Both must be unfinished. Returns the code maps (old -> new) of this counter and of
        ``other``. The result equals counting both sets of rows in one counter.
        """
        if other.family is not self.family or other.max_levels != self.max_levels:
            raise ValueError(f"cannot merge counters of {self.name!r} with different settings")
        width = max(self.n_target_levels, other.n_target_levels)
        self.ensure_target_levels(width)
        other = copy.deepcopy(other)
        other.track_remaps = False
        other.ensure_target_levels(width)
        self._exact_distinct = None
        self._values_seen += other._values_seen
        if self.sketch is not None or other.sketch is not None:
            self._start_sketch()
            other._start_sketch()
            assert self.sketch is not None and other.sketch is not None
            np.maximum(self.sketch, other.sketch, out=self.sketch)
        if not self.family.ordered and (
            self.folded or other.folded or self._union_size(other) > self.max_levels
        ):
            mine = self._fold() if not self.folded else np.arange(self.max_levels + 1, dtype=np.int32)
            theirs = other._fold() if not other.folded else np.arange(self.max_levels + 1, dtype=np.int32)
            if self.sketch is not None and other.sketch is not None:
                np.maximum(self.sketch, other.sketch, out=self.sketch)
            self.counts += other.counts
            return mine, theirs
        # align grids, then take the union of the cells
        mine_shift = self._regroup(max(other.key_shift - self.key_shift, 0))
        theirs_shift = other._regroup(max(self.key_shift - other.key_shift, 0))
        n_mine, n_theirs = int(self._n_levels[0]), int(other._n_levels[0])
        keys = np.concatenate([self._keys(), other._keys()])
        rows = np.vstack([self.counts[1 : n_mine + 1], other.counts[1 : n_theirs + 1]])
        order = np.argsort(keys, kind="stable")
        starts, run_of_sorted = _group_sorted(keys[order])
        merged = np.add.reduceat(np.take(rows, order, axis=0), starts, axis=0) if keys.size else rows[:0]
        missing_row = self.counts[0] + other.counts[0]
        position = np.empty(keys.shape[0], dtype=np.int32)
        position[order] = run_of_sorted + 1
        self._rebuild(keys[order][starts], missing_row, merged)
        mine = np.concatenate([[0], position[:n_mine][mine_shift[1:] - 1]]).astype(np.int32)
        theirs = np.concatenate([[0], position[n_mine:][theirs_shift[1:] - 1]]).astype(np.int32)
        if int(self._n_levels[0]) > self._dictionary_limit:
            again = self._overflow()
            mine, theirs = again[mine], again[theirs]
        return mine, theirs

    def _union_size(self, other: ColumnCounter) -> int:
        return int(np.union1d(self._keys(), other._keys()).shape[0])

    # -- results ---------------------------------------------------------------------------
    def result(self) -> ColumnCounts:
        """The final counts, as ``finish`` would leave them; the counter itself is unchanged."""
        if not self.folded and self._needs_finish():
            finished = copy.deepcopy(self)
            finished.track_remaps = False
            finished.finish()
            return finished.result()
        n = self.n_levels
        if self._exact_distinct is not None:
            distinct, exact = self._exact_distinct, True
        elif self.sketch is not None:
            # the sketch's error can overshoot a column that is unique in every row
            distinct, exact = min(hashing.hll_estimate(self.sketch), self._values_seen), False
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

    def _needs_finish(self) -> bool:
        n = int(self._n_levels[0])
        keys = self._keys()
        return (self.family.ordered and n > self.max_levels) or bool(n > 1 and np.any(keys[1:] < keys[:-1]))
