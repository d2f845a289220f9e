"""What a pass has counted so far: every column's counter, the target, the row sample.

``PassState.count`` takes one batch: the target is encoded first (its codes are shared by
every column), then each feature column is keyed and counted on the thread pool; the numba
kernels release the GIL, so columns are counted in parallel while polars reads ahead.
States over different partitions merge exactly (``merge``), which is what the Dask engine
does with the states of its workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from outrank_cli.count.counter import ColumnCounter
from outrank_cli.count.sample import RowHashes, RowSample
from outrank_cli.encode.columns import CATEGORICAL, NUMERIC, ColumnPlan
from outrank_cli.encode.keys import NO_MISSING, Family, Keys, keys_of
from outrank_cli.encode.multivalue import value_lists
from outrank_cli.encode.target import BinnedTarget, ClassTarget
from outrank_cli.parallel import chunks, map_in_chunks


@dataclass
class PassState:
    """What a pass over some partitions has counted so far; states merge exactly."""

    counters: list[ColumnCounter]
    target: ClassTarget | BinnedTarget
    sample: RowSample | None
    rows: int = 0
    dropped: int = 0
    expected_rows: int | None = None  # the input's rows, when known (room for the tables)
    seconds: list[float] = field(default_factory=list)  # counting time per column so far
    # every column's end of pass is done (or queued): behind the last batch of an input of
    # known rows, or by finish_columns; the target's classes are then in canonical order
    columns_finished: bool = False
    # multi-valued columns (by index): their separator (None for list columns), and the
    # spelling of their text values by key (the reports name the best values)
    splits: dict[int, str | None] = field(default_factory=dict)
    value_labels: dict[int, dict[int, str]] = field(default_factory=dict)
    # batches queued by count(..., wait=False): their tasks, and each column's latest task
    _in_flight: list[list[Future[None]]] = field(default_factory=list, repr=False)
    _last: list[Future[None] | None] = field(default_factory=list, repr=False)

    @classmethod
    def start(
        cls,
        plan: ColumnPlan,
        target: BinnedTarget | None,
        *,
        max_levels: int,
        sample_rows: int,
        seed: int,
        expected_rows: int | None = None,
    ) -> PassState:
        """A fresh state; ``expected_rows`` (when the input's row count is known) sizes the row
        sample once, instead of growing it (a copy of every column) as rows arrive, and lets
        a many-level column's table grow once for the whole input."""
        encoder: ClassTarget | BinnedTarget = target or ClassTarget(plan.target, plan.target_family)
        width = max(encoder.n_levels, 1)
        counters = [_counter(plan, name, family, max_levels, width) for name, family in plan.features]
        names = [name for name, _ in plan.features]
        splits = {names.index(name): separator for name, separator in plan.multivalue.items()}
        sample = (
            RowSample(
                len(counters),
                capacity=sample_rows,
                seed=seed,
                expected_rows=expected_rows,
                value_columns=splits,
            )
            if sample_rows > 0
            else None
        )
        for counter in counters:
            counter.track_remaps = sample is not None
        labels: dict[int, dict[int, str]] = {i: {} for i in splits if counters[i].family is Family.STRING}
        return cls(counters, encoder, sample, expected_rows=expected_rows, splits=splits, value_labels=labels)

    def count(
        self,
        file_index: int,
        first_row: int,
        batch: pl.DataFrame,
        plan: ColumnPlan,
        pool: ThreadPoolExecutor,
        *,
        wait: bool = True,
    ) -> None:
        """Count one batch (target first, then every column on the pool).

        With ``wait=False`` the call returns once the columns are queued: each column's
        batches still count in order (a task waits for the same column's previous one), but
        a thread that is done with one batch goes on with the next instead of idling until
        the batch's slowest column is done. At most two batches are in flight; ``wait()``
        waits for the rest. A pass that keeps a row sample always waits (the sample takes
        one batch at a time).
        """
        target_column = batch.get_column(plan.target)
        target_keys = keys_of(target_column, plan.target_family)
        if isinstance(self.target, ClassTarget):
            target_codes = self.target.encode(target_keys, _LazyValues(target_column))
        else:
            target_codes = self.target.encode(target_keys)
        self.dropped += int(np.count_nonzero(target_codes < 0))
        width = max(self.target.n_levels, 1)
        series = batch.get_columns()[1:]
        sample = self.sample
        chosen = None
        # the rows' content hashes for the sample's priorities: added by the counting tasks
        # while the sample takes every row (the keys are at hand there), before them otherwise
        hashes: RowHashes | None = None
        if sample is not None:
            content = sample.row_hashes(target_codes.shape[0])
            content.add(0, target_keys)
            if sample.takes_all(target_codes):
                chosen, hashes = sample.choose_all(target_codes), content
            else:
                map_in_chunks(
                    pool,
                    lambda index: content.add(index + 1, self._content_keys(index, series[index])),
                    range(len(series)),
                )
                chosen = sample.choose(content.priorities(), target_codes)
            sample.put_target(*chosen, target_codes)

        # rows still to come after this batch, when the input's rows are known
        ahead = max(self.expected_rows - self.rows - batch.height, 0) if self.expected_rows else 0
        # the last batch of an input of known rows: each column's end of pass runs in its
        # task, right behind its counting (its tables still in cache, and no stage of its own:
        # with a row sample, 1.1 s of check at 20,000 x 10,000 ran after the pass)
        closing = None
        if self.columns_finished:  # rows past those the metadata promised: finish at the end
            self.columns_finished = False
        elif self.expected_rows and ahead == 0:
            closing = self._close_target()

        def work(index: int) -> None:
            started = time.perf_counter()
            counter = self.counters[index]
            counter.ensure_target_levels(width)
            if index in self.splits:  # counted by value; the sample keeps its values apart
                if hashes is not None:
                    hashes.add(index + 1, self._content_keys(index, series[index]))
                self._count_values(index, series[index], target_codes, chosen)
            else:
                keys = keys_of(series[index], counter.family)
                if hashes is not None:
                    hashes.add(index + 1, keys)
                if sample is None or chosen is None:
                    counter.update(keys, target_codes, rows_ahead=ahead)
                else:
                    row_codes = np.empty(target_codes.shape[0], dtype=np.int32)
                    counter.update(keys, target_codes, row_codes, rows_ahead=ahead)
                    for remap in counter.pending_remaps:
                        sample.remap_column(index, remap)
                    counter.pending_remaps.clear()
                    # a counter's codes are at most its levels (or buckets)
                    sample.put_column(index, chosen[0], chosen[1], row_codes, largest=counter.n_levels)
            if closing is not None:  # its code map for the sample stays pending (finish_pass)
                counter.close(*closing)
            self.seconds[index] += time.perf_counter() - started

        # the slowest columns first, so that no thread is left with a big one at the end
        # of the batch (cost so far; before the first batch, numbers are the slow ones)
        if not self.seconds:
            self.seconds = [float(c.family.ordered) for c in self.counters]
        order = sorted(range(len(self.counters)), key=lambda i: -self.seconds[i])
        self.rows += batch.height
        if wait or sample is not None:
            self.wait()
            map_in_chunks(pool, work, order)
            if sample is not None and chosen is not None:
                if hashes is not None:
                    sample.set_priorities(*chosen, hashes.priorities())
                sample.seal_values()
            return
        while len(self._in_flight) > 1:
            for future in self._in_flight.pop(0):
                future.result()
        self._queue_behind(pool, order, work)

    def _count_values(
        self,
        index: int,
        column: pl.Series,
        target_codes: np.ndarray,
        chosen: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """A multi-valued column: each row counts once for every distinct value it holds; the
        rows ``chosen`` for the row sample keep their values there."""
        counter = self.counters[index]
        lists = value_lists(column, self.splits[index])  # a list of nulls holds no value
        sizes = lists.list.len().fill_null(0).to_numpy()
        flat = _explode(lists)  # an empty or missing list gives one null
        rows = np.repeat(np.arange(column.len()), np.maximum(sizes, 1))
        present = flat.is_not_null().to_numpy()
        # a row without values counts once as missing (its null); a null inside a list is dropped
        keep = present | np.repeat(sizes == 0, np.maximum(sizes, 1))
        keys = keys_of(flat.filter(pl.Series(keep)), counter.family)
        counter.update(keys, np.ascontiguousarray(target_codes[rows[keep]]))
        if self.sample is not None and chosen is not None:
            held = ~keys.missing if keys.missing.shape[0] else slice(None)
            self.sample.put_values(index, *chosen, rows[keep][held], keys.keys[held], column.len())
        values = flat.filter(pl.Series(present))
        labels = self.value_labels.get(index)
        if labels is not None and len(labels) < counter.max_levels:
            distinct = values.unique()
            named = keys_of(distinct, counter.family).keys.tolist()
            _add_labels(labels, zip(named, distinct.to_list(), strict=True), counter.max_levels)

    def _content_keys(self, index: int, column: pl.Series) -> Keys:
        """A column's keys for the row's content hash: a multi-valued column's whole list (or
        text) hashed as one value (its values are counted apart, in ``_count_values``)."""
        if index in self.splits:
            return Keys(column.hash().to_numpy(), NO_MISSING)
        return keys_of(column, self.counters[index].family)

    def _queue_behind(self, pool: ThreadPoolExecutor, order: list[int], task: Callable[[int], None]) -> None:
        """Submit ``task(index)`` for each column in ``order``, a chunk of columns per pool
        task, each chunk behind the previous tasks of its columns (so a column's work runs in
        order, and columns run side by side)."""
        if len(self._last) != len(self.counters):
            self._last = [None] * len(self.counters)

        def behind(group: Sequence[int], previous: list[Future[None]]) -> None:
            for future in previous:
                future.result()
            for index in group:
                task(index)

        queued: list[Future[None]] = []
        for group in chunks(order):
            # the chunks of an earlier batch may have been cut differently: wait for each once
            previous = list(dict.fromkeys(f for f in (self._last[i] for i in group) if f is not None))
            future = pool.submit(behind, group, previous)
            for index in group:
                self._last[index] = future
            queued.append(future)
        self._in_flight.append(queued)

    def finish_columns(self, pool: ThreadPoolExecutor) -> None:
        """Queue each column's end of pass (target codes in canonical order, ``finish``) right
        behind its last batch, so that it overlaps the counting of the other columns.

        Call it after the last batch is queued (the target is complete then), when the
        columns are not finished yet; ``finish_pass`` then skips these steps.
        """
        width, mapping = self._close_target()
        biggest_first = sorted(range(len(self.counters)), key=lambda i: -self.counters[i].n_levels)
        self._queue_behind(pool, biggest_first, lambda index: self.counters[index].close(width, mapping))

    def _close_target(self) -> tuple[int, np.ndarray | None]:
        """The target is complete: its classes go in canonical order (the row sample's target
        at once, each column in ``ColumnCounter.close``). Returns the final width and the map."""
        mapping = self.target.canonical_order() if isinstance(self.target, ClassTarget) else None
        if self.sample is not None and mapping is not None:
            self.sample.remap_target(mapping)
        self.columns_finished = True
        return max(self.target.n_levels, 1), mapping

    def wait(self) -> None:
        """Wait until every batch queued with ``count(..., wait=False)`` is counted."""
        while self._in_flight:
            for future in self._in_flight.pop(0):
                future.result()
        self._last = []

    def merge(self, other: PassState) -> None:
        """Add another state counted over other partitions (``other`` is consumed)."""
        if isinstance(self.target, ClassTarget):
            assert isinstance(other.target, ClassTarget)
            mapping = self.target.merge(other.target)
            width = max(self.target.n_levels, 1)
            for counter in other.counters:
                counter.remap_targets(mapping, width)
            if other.sample is not None:
                other.sample.remap_target(mapping)
        for index, (mine, theirs) in enumerate(zip(self.counters, other.counters, strict=True)):
            my_map, their_map = mine.merge(theirs)
            if self.sample is not None and other.sample is not None:
                self.sample.remap_column(index, my_map)
                other.sample.remap_column(index, their_map)
            mine.pending_remaps.clear()
        if self.sample is not None and other.sample is not None:
            self.sample.merge(other.sample)
        for index, labels in other.value_labels.items():
            _add_labels(self.value_labels[index], labels.items(), self.counters[index].max_levels)
        self.rows += other.rows
        self.dropped += other.dropped


class _LazyValues:
    """Row access to a polars column, converting only the rows asked for."""

    def __init__(self, column: pl.Series) -> None:
        self._column = column

    def __getitem__(self, index: int) -> object:
        return self._column[index]

    def __len__(self) -> int:
        return self._column.len()


def _counter(plan: ColumnPlan, name: str, family: Family, max_levels: int, width: int) -> ColumnCounter:
    """The counter of one feature: multi-valued and forced-categorical columns keep categories
    (folded beyond the cap); number columns a grid, integers also their categorical view."""
    view = plan.views.get(name)
    if name in plan.multivalue or view == CATEGORICAL:
        return ColumnCounter(name, family, max_levels=max_levels, n_target_levels=width, ordered=False)
    both = family is Family.INTEGER and view != NUMERIC
    return ColumnCounter(name, family, max_levels=max_levels, n_target_levels=width, categories=both)


def _explode(lists: pl.Series) -> pl.Series:
    """Every value of every list, in row order; an empty or missing list gives one null."""
    try:
        return lists.explode(empty_as_null=True, keep_nulls=True)
    except TypeError:  # polars before these keywords, which did exactly this
        return lists.explode()


def _add_labels(labels: dict[int, str], new: Iterable[tuple[int, str]], cap: int) -> None:
    """Add the spellings of keys not named yet, up to ``cap`` names (a column past the level
    cap is folded into buckets, whose values have no single name)."""
    for key, label in new:
        if len(labels) >= cap:
            return
        labels.setdefault(key, label)
