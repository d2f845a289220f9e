"""Per-column count state across batches: levels, level cap, numeric grid, distinct sketch.

A ``ColumnCounter`` receives the keys of one column batch by batch and keeps a table of
counts per (level code, target code). Its finished state depends only on the multiset of
rows seen, never on their order, on batch boundaries, or on how the rows were split among
counters that were merged (DESIGN invariants 2 and 4):

* a column with at most ``max_levels`` distinct keys keeps them all (exact), in a
  ``HashDictionary``;
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

import numpy as np

from outrank_cli.encode.cells import (
    group_sorted,
    merge_sorted_rows,
    smallest_shift,
    sorted_order,
    sum_rows,
)
from outrank_cli.encode.dictionary import HashDictionary, expected_distinct, remapped, widened
from outrank_cli.encode.features import ColumnCounts
from outrank_cli.encode.keys import Family, Keys
from outrank_cli.kernels import lazy_module

encoding = lazy_module("outrank_cli.kernels.encoding")
hashing = lazy_module("outrank_cli.kernels.hashing")
# what the end of a pass returns for the code map when no row sample wants it
_NO_REMAP = np.zeros(0, dtype=np.int32)


class ColumnCounter:
    """Counts one column against the target codes, batch by batch; mergeable."""

    def __init__(
        self,
        name: str,
        family: Family,
        *,
        max_levels: int,
        n_target_levels: int,
        ordered: bool | None = None,
        categories: bool = False,
    ) -> None:
        if max_levels < 1:
            raise ValueError(f"max_levels must be >= 1, got {max_levels}")
        self.name = name
        self.family = family
        # ordered columns coarsen their grid beyond the cap; unordered ones fold into buckets
        self.ordered = family.ordered if ordered is None else ordered
        # an ordered column may also keep its categorical view: once the grid coarsens, the
        # keys are folded into hash buckets as well (``category_counts``)
        self.categories = categories and self.ordered
        self.category_counts: np.ndarray | None = None
        self.max_levels = max_levels
        self.key_shift = 0
        self.sketch: np.ndarray | None = None
        # old code -> new code maps not yet seen by the row sample (when track_remaps)
        self.pending_remaps: list[np.ndarray] = []
        self.track_remaps = False
        self._exact_distinct: int | None = None
        self._values_seen = 0  # non-missing values: an upper bound for the distinct count
        self.levels: HashDictionary | None = HashDictionary(n_target_levels)
        self._bucket_counts = np.zeros((0, 1), dtype=np.int64)  # the table once folded

    # -- state -----------------------------------------------------------------------------
    @property
    def folded(self) -> bool:
        """Whether the levels are hash buckets (the dictionary is gone)."""
        return self.levels is None

    @property
    def counts(self) -> np.ndarray:
        """``int64[rows, n_target_levels]``: row 0 missing, then one row per level or bucket."""
        return self._bucket_counts if self.levels is None else self.levels.counts

    @property
    def n_levels(self) -> int:
        return self.max_levels if self.levels is None else self.levels.n_levels

    @property
    def n_target_levels(self) -> int:
        return int(self.counts.shape[1])

    def _dictionary(self) -> HashDictionary:
        assert self.levels is not None, "a folded column has no dictionary"
        return self.levels

    def _keys(self) -> np.ndarray:
        return self._dictionary().keys()

    def ensure_target_levels(self, n_target_levels: int) -> None:
        """Widen the table when the target gained levels."""
        if self.category_counts is not None:
            self.category_counts = widened(self.category_counts, n_target_levels)
        if self.levels is None:
            self._bucket_counts = widened(self._bucket_counts, n_target_levels)
        else:
            self.levels.ensure_target_levels(n_target_levels)

    def remap_targets(self, mapping: np.ndarray, n_target_levels: int) -> None:
        """Move target column ``t`` to ``mapping[t]`` in a table of ``n_target_levels`` columns."""
        if self.category_counts is not None:
            self.category_counts = remapped(self.category_counts, mapping, n_target_levels)
        if self.levels is None:
            self._bucket_counts = remapped(self._bucket_counts, mapping, n_target_levels)
        else:
            self.levels.remap_targets(mapping, n_target_levels)

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
        return 2 * self.max_levels if self.ordered else self.max_levels

    # -- re-encodings (each returns old code -> new code) ----------------------------------
    def _fold(self) -> np.ndarray:
        """Fold every level of an unordered column into its hash bucket."""
        self._start_sketch()
        levels = self._dictionary()
        n = levels.n_levels
        remap = np.zeros(n + 1, dtype=np.int32)
        buckets = encoding.bucket_of(levels.keys(), n_buckets=self.max_levels)
        folded = np.empty((self.max_levels + 1, levels.n_target_levels), dtype=np.int64)
        folded[0] = levels.counts[0]
        folded[1:] = sum_rows(levels.counts[1 : n + 1], buckets - 1, self.max_levels)
        self._bucket_counts = folded
        self.levels = None
        remap[1:] = buckets
        return remap

    def _regroup(self, extra: int, order: np.ndarray | None = None, *, index: bool = True) -> np.ndarray:
        """Shift keys right by ``extra`` bits (0: just sort) and merge equal cells, in key order.

        ``order`` is ``argsort`` of the level keys when the caller has it already. The keys
        are distinct, so any sort gives the same order (``sorted_order``).
        """
        if extra > 0:
            self._start_sketch()
        levels = self._dictionary()
        n = levels.n_levels
        keys = levels.keys()
        if order is None:
            order = self._key_order()
        if not extra and not index:  # the end of a pass: just the order, in tables of its size
            levels.reorder(order)
            if not self.track_remaps:  # no row sample to tell (10,000 columns: 0.4 s of maps)
                return _NO_REMAP
            # in a kernel: numpy's scatter held the interpreter lock over it, and its zeros
            map_of_order: np.ndarray = encoding.code_map_of_order(np.ascontiguousarray(order, dtype=np.int64))
            return map_of_order
        remap = np.zeros(n + 1, dtype=np.int32)
        shifted = keys[order]
        if extra:
            shifted >>= np.uint64(extra)
            starts, run_of_sorted = group_sorted(shifted)
        else:  # the keys are distinct: every cell is its own run
            starts = run_of_sorted = np.arange(n)
        rows = np.take(levels.counts[1 : n + 1], order, axis=0)
        # without a shift every cell is its own run (and reduceat over a tall table is slow)
        merged = rows if starts.shape[0] == n else np.add.reduceat(rows, starts, axis=0)
        self.key_shift += extra
        levels.rebuild(
            shifted if extra == 0 else shifted[starts], levels.counts[0].copy(), merged, index=index
        )
        remap[1:][order] = run_of_sorted + 1
        return remap

    def _key_order(self) -> np.ndarray:
        """``argsort`` of the level keys (off a direct index when the levels have one)."""
        order = self._dictionary().key_order()
        return sorted_order(self._keys()) if order is None else order

    def _start_categories(self) -> None:
        """Fold the exact levels into the categorical view's buckets (before the grid first
        coarsens, while every key is still exact)."""
        if not self.categories or self.category_counts is not None:
            return
        levels = self._dictionary()
        assert self.key_shift == 0, "the categorical view starts from exact keys"
        n = levels.n_levels
        buckets = encoding.bucket_of(levels.keys(), n_buckets=self.max_levels)
        table = np.empty((self.max_levels + 1, levels.n_target_levels), dtype=np.int64)
        table[0] = levels.counts[0]
        table[1:] = sum_rows(levels.counts[1 : n + 1], buckets - 1, self.max_levels)
        self.category_counts = table

    def _fold_categories(self, keys: Keys, target_codes: np.ndarray, start: int) -> None:
        """Count rows ``start:`` into the categorical view's buckets."""
        if self.category_counts is not None:
            self._fold_rows(self.category_counts, keys, target_codes, start, None)

    def _fold_rows(
        self,
        counts: np.ndarray,
        keys: Keys,
        target_codes: np.ndarray,
        start: int,
        out_codes: np.ndarray | None,
    ) -> None:
        """Count rows ``start:`` into ``counts`` by hash bucket (codes into ``out_codes``)."""
        encoding.fold_count(
            keys.keys[start:],
            keys.missing[start:] if keys.missing.size else keys.missing,
            target_codes[start:],
            n_buckets=self.max_levels,
            counts=counts,
            out_codes=None if out_codes is None else out_codes[start:],
        )

    def _overflow(self, *, index: bool = True) -> np.ndarray:
        """Too many levels: fold (unordered) or coarsen to at most ``max_levels`` cells."""
        if not self.ordered:
            return self._fold()
        self._start_categories()
        order = self._key_order()
        return self._regroup(smallest_shift(self._keys()[order], self.max_levels), order, index=index)

    def close(self, width: int, mapping: np.ndarray | None) -> None:
        """The end of the pass once the target is complete: ``width`` target columns, moved to
        their canonical order by ``mapping`` (None: kept), then ``finish``."""
        self.ensure_target_levels(width)
        if mapping is not None:
            self.remap_targets(mapping, width)
        self.finish()

    def finish(self) -> None:
        """End of the rows: take an ordered column under the cap, and order levels by key."""
        if self.levels is None:
            return
        n = self.levels.n_levels
        if self.ordered and n > self.max_levels:
            if self.sketch is None:
                # every distinct value is still in the dictionary: its count is exact
                self._exact_distinct = n
            self._queue(self._overflow(index=False))
        elif self._needs_finish():
            self._queue(self._regroup(0, index=False))

    # -- counting --------------------------------------------------------------------------
    def update(
        self,
        keys: Keys,
        target_codes: np.ndarray,
        out_codes: np.ndarray | None = None,
        *,
        rows_ahead: int = 0,
    ) -> None:
        """Count one batch: ``keys`` of this column and the batch's ``int32`` target codes.

        With ``out_codes`` (``int32[n]``), each row's code under the counter's state at the
        end of the batch is written there. ``rows_ahead``: rows of the input still to come
        after this batch, when known; a table that must grow then grows for them too (once,
        instead of again in every batch). Only room: the counts are the same whatever it says.
        """
        self._exact_distinct = None  # known only when no row comes after ``finish``
        values = keys.keys.shape[0] - (int(np.count_nonzero(keys.missing)) if keys.missing.size else 0)
        self._reserve_for(values, rows_ahead)
        values_before = self._values_seen
        self._values_seen += values
        if self.sketch is not None:
            hashing.hll_add(self.sketch, keys.keys, keys.missing if keys.missing.size else None)
        self._fold_categories(keys, target_codes, 0)  # the categorical view, once it is folded
        start = 0
        while self.levels is not None:
            start, done = self.levels.encode_count(
                keys,
                target_codes,
                start=start,
                key_shift=self.key_shift,
                max_levels=self._dictionary_limit,
                out_codes=out_codes,
                values_before=values_before,
                rows_ahead=rows_ahead,
            )
            if done:
                return
            # rows before ``start`` are counted; re-encode them, then go on from ``start``
            sketched = self.sketch is not None
            categorised = self.category_counts is not None
            remap = self._queue(self._overflow())
            if not categorised:  # the view starts from the rows counted so far
                self._fold_categories(keys, target_codes, start)
            if out_codes is not None:
                out_codes[:start] = remap[out_codes[:start]]
            if not sketched and self.sketch is not None:
                rest = keys.missing[start:] if keys.missing.size else None
                hashing.hll_add(self.sketch, keys.keys[start:], rest)
        self._fold_rows(self._bucket_counts, keys, target_codes, start, out_codes)

    def _reserve_for(self, values: int, rows_ahead: int = 0) -> None:
        """Make room at once for the levels that ``values`` more values (and ``rows_ahead``
        after them) will likely bring, so that a many-level column grows its tables once
        instead of doubling them step by step (each step a new allocation and a rehash).
        Only a guess about room (``expected_distinct``): the levels and counts are the same
        whatever it says.
        """
        levels = self.levels
        if levels is None or self._values_seen == 0:
            return
        n = levels.n_levels
        if n + values + 2 <= levels.level_keys.shape[0]:  # room for every value to be new
            return
        expected = expected_distinct(n, self._values_seen, values + rows_ahead)
        levels.reserve(min(expected, self._dictionary_limit))

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
        if self.category_counts is not None or other.category_counts is not None:
            self._start_categories()
            other._start_categories()
            assert self.category_counts is not None and other.category_counts is not None
            self.category_counts += other.category_counts
        if not self.ordered and (self.folded or other.folded or self._union_size(other) > self.max_levels):
            mine = self._fold() if not self.folded else np.arange(self.max_levels + 1, dtype=np.int32)
            theirs = other._fold() if not other.folded else np.arange(self.max_levels + 1, dtype=np.int32)
            if self.sketch is not None and other.sketch is not None:
                np.maximum(self.sketch, other.sketch, out=self.sketch)
            self._bucket_counts += other._bucket_counts
            return mine, theirs
        # align grids, then take the union of the cells
        mine_shift = self._regroup(max(other.key_shift - self.key_shift, 0))
        theirs_shift = other._regroup(max(self.key_shift - other.key_shift, 0))
        levels, their_levels = self._dictionary(), other._dictionary()
        n_mine, n_theirs = levels.n_levels, their_levels.n_levels
        keys = np.concatenate([levels.keys(), their_levels.keys()])
        rows = np.vstack([levels.counts[1 : n_mine + 1], their_levels.counts[1 : n_theirs + 1]])
        united, merged, position = merge_sorted_rows(keys, rows)
        missing_row = levels.counts[0] + their_levels.counts[0]
        levels.rebuild(united, missing_row, merged)
        position = (position + 1).astype(np.int32)
        mine = np.concatenate([[0], position[:n_mine][mine_shift[1:] - 1]]).astype(np.int32)
        theirs = np.concatenate([[0], position[n_mine:][theirs_shift[1:] - 1]]).astype(np.int32)
        if levels.n_levels > self._dictionary_limit:
            again = self._overflow()
            mine, theirs = again[mine], again[theirs]
        return mine, theirs

    def _union_size(self, other: ColumnCounter) -> int:
        return int(np.union1d(self._keys(), other._keys()).shape[0])

    # -- results ---------------------------------------------------------------------------
    def result(self, *, spent: bool = False) -> ColumnCounts:
        """The final counts, as ``finish`` would leave them; the counter itself is unchanged.

        ``spent``: the counter is finished and never used again (the end of a pass), so the
        result may share its tables instead of copying them.
        """
        if not self.folded and self._needs_finish():
            if spent:
                raise ValueError(f"counter of {self.name!r} is not finished: it cannot hand over its tables")
            finished = copy.deepcopy(self)
            finished.track_remaps = False
            finished.finish()
            return finished.result(spent=True)
        share = (lambda array: array) if spent else np.copy
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
            table=share(self.counts[: n + 1]),
            level_keys=(
                np.zeros(0, dtype=np.uint64)
                if self.levels is None
                else share(self.levels.level_keys[: n + 1])
            ),
            key_shift=self.key_shift,
            distinct=distinct,
            distinct_exact=exact,
            folded=self.folded,
            categories=None if self.category_counts is None else share(self.category_counts),
        )

    def _needs_finish(self) -> bool:
        if self.levels is None:
            return False
        n = self.levels.n_levels
        keys = self.levels.keys()
        return (self.ordered and n > self.max_levels) or not encoding.keys_ascending(keys)
