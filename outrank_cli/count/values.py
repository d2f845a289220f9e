"""The values that the row sample's rows hold in the multi-valued columns.

A multi-valued column has no single code per row, so the sample keeps each sampled row's
value keys apart, as a ragged list per column. Rows are named by their priority, not by their
place in the sample: the sample reorders and replaces rows as it fills, merges and compacts,
but a row's priority is a hash of its whole content (the lists included), so it names the row
however the sample was assembled. Rows of equal priority are equal rows and hold equal values:
each priority is kept once.

A column is kept while the distinct rows of the final sample hold at most ``VALUES_PER_ROW``
values for each row of the sample's capacity (the budget ``B``); past that (long histories of
item IDs) it is given up, which is decided on the final sample alone (``settle``), so not by
how the rows came in. The memory stays bounded while the sample fills: a column whose rows on
record hold more than ``2 B`` values keeps only the rows of the lowest priorities that hold at
most ``B`` (and from then on no row above them). That never drops a row the verdict needs: the
rows below that cut hold at most ``B`` values among the rows seen so far, so at least the rows
of all the input whose priorities hold at most ``B`` stay; and when the final sample's rows hold
at most ``B``, they are all such rows.

At the end of the pass a column is read as the indicator of one value (``holds``): ``select``
pairs a multi-valued column through its best value, the one it is ranked by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

# the values a column may keep, for each row of the sample's capacity (at a million sampled
# rows: 128 MB of keys, and up to twice that while the sample fills)
VALUES_PER_ROW = 16
# a column's record is tidied (rows that can no longer be sampled dropped, duplicates merged,
# the memory guard applied) once it holds this many times the capacity in rows or the budget
# in values
_ROOM = 2

_Part = tuple[np.ndarray, np.ndarray, np.ndarray]  # priorities, values a row, keys row by row


@dataclass
class _Record:
    """One column's rows on record: parts in no set order, their totals, and the cut (only
    rows of lower priority are kept; None: every row)."""

    parts: list[_Part] = field(default_factory=list)
    rows: int = 0
    values: int = 0
    cut: np.uint64 | None = None

    def add(self, part: _Part) -> None:
        priority, sizes, keys = part
        if self.cut is not None:
            below = priority < self.cut
            priority, sizes, keys = priority[below], sizes[below], keys[np.repeat(below, sizes)]
        if priority.shape[0]:
            self.parts.append((priority, sizes, keys))
            self.rows += int(priority.shape[0])
            self.values += int(keys.shape[0])

    def tidy(self, threshold: np.uint64 | None, budget: int) -> None:
        """One sorted part of distinct priorities, none above ``threshold`` (the largest the
        sample keeps; None: all are still in the running); past ``2 budget`` values, only the
        lowest priorities that hold at most ``budget``."""
        priority, sizes, keys = _sorted_distinct(_joined(self.parts))
        keep = np.ones(priority.shape[0], dtype=bool) if threshold is None else priority <= threshold
        if int(sizes[keep].sum()) > _ROOM * budget:
            over = np.flatnonzero(np.cumsum(sizes) > budget)[0]
            self.cut = priority[over] if self.cut is None else min(self.cut, priority[over])
        if self.cut is not None:
            keep &= priority < self.cut
        self.parts = [(priority[keep], sizes[keep], keys[np.repeat(keep, sizes)])]
        self.rows = int(np.count_nonzero(keep))
        self.values = int(self.parts[0][2].shape[0])


class SampledValues:
    """Per multi-valued column: the priorities of the sampled rows, how many values each
    holds, and their keys (row by row)."""

    def __init__(self, columns: Iterable[int]) -> None:
        self._records: dict[int, _Record] = {c: _Record() for c in columns}
        # one batch's rows, by slot, until the sample knows their priorities (``seal``)
        self._pending: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.given_up: set[int] = set()  # columns whose final rows hold too many values

    def kept(self, column: int) -> bool:
        """Whether the values of ``column``'s sampled rows are on record."""
        return column in self._records and column not in self.given_up

    def put(self, column: int, slots: np.ndarray, sizes: np.ndarray, keys: np.ndarray) -> None:
        """One batch's sampled rows of ``column``: their slots in the sample, how many values
        each holds, and the keys of those values row after row. Thread-safe across columns."""
        self._pending[column] = (slots, sizes, keys)

    def seal(self, priority: np.ndarray, threshold: np.uint64 | None, capacity: int) -> None:
        """Name the pending rows by their priorities (``priority``: the sample's, by slot), and
        tidy the records that grew large (``prune``)."""
        pending, self._pending = self._pending, {}
        for column, (slots, sizes, keys) in pending.items():
            self._records[column].add((priority[slots], sizes, keys))
        self.prune(threshold, capacity)

    def prune(self, threshold: np.uint64 | None, capacity: int) -> None:
        """Tidy each record that holds more than twice the capacity in rows, or twice the
        budget in values: rows above ``threshold`` (the largest priority the sample keeps;
        None: all are still in the running) go, and the memory guard applies."""
        budget = VALUES_PER_ROW * capacity
        for record in self._records.values():
            if record.rows > _ROOM * capacity or record.values > _ROOM * budget:
                record.tidy(threshold, budget)

    def settle(self, priorities: np.ndarray, capacity: int) -> None:
        """The sample is final (its rows' ``priorities``): keep only those rows, or give the
        column up when its distinct rows hold more than the budget."""
        budget = VALUES_PER_ROW * capacity
        wanted = np.unique(priorities)
        for column, record in self._records.items():
            if record.cut is not None and wanted.shape[0] and wanted[-1] >= record.cut:
                # the rows below the cut already held more than the budget
                self._give_up(column)
                continue
            priority, sizes, keys = _sorted_distinct(_joined(record.parts))
            at = _positions(column, priority, wanted)
            if int(sizes[at].sum()) > budget:
                self._give_up(column)
                continue
            starts = (np.cumsum(sizes) - sizes)[at]
            picks = np.repeat(starts, sizes[at]) + _ranks(sizes[at])
            record.parts = [(wanted, sizes[at], keys[picks])]
            record.rows, record.values = int(wanted.shape[0]), int(picks.shape[0])

    def _give_up(self, column: int) -> None:
        self.given_up.add(column)
        self._records[column] = _Record()

    def merge(self, other: SampledValues) -> None:
        """Add the rows of another record of other rows of the same columns (before
        ``settle``): only the rows below both cuts stay."""
        for column, theirs in other._records.items():
            mine = self._records[column]
            cuts = [c for c in (mine.cut, theirs.cut) if c is not None]
            if cuts:
                mine.cut = min(cuts)
                parts, mine.parts, mine.rows, mine.values = mine.parts, [], 0, 0
                for part in parts:
                    mine.add(part)
            for part in theirs.parts:
                mine.add(part)

    def holds(self, column: int, priorities: np.ndarray, key: int) -> np.ndarray:
        """Whether each row of ``priorities`` (every one a sampled row) holds the value ``key``
        (the column's values must be on record: ``kept``)."""
        if not self.kept(column):
            raise ValueError(f"column {column}: its sampled rows' values are not on record")
        priority, sizes, keys = _sorted_distinct(_joined(self._records[column].parts))
        holding = np.zeros(priority.shape[0], dtype=bool)
        holding[np.repeat(np.arange(priority.shape[0]), sizes)[keys == np.uint64(key)]] = True
        result: np.ndarray = holding[_positions(column, priority, priorities)]
        return result


def _positions(column: int, priority: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each of ``wanted`` is in ``priority`` (sorted, distinct)."""
    at = np.searchsorted(priority, wanted)
    if wanted.shape[0] and (int(at.max()) >= priority.shape[0] or np.any(priority[at] != wanted)):
        raise AssertionError(f"column {column}: a sampled row has no values on record")
    return at


def _sorted_distinct(part: _Part) -> _Part:
    """The rows by priority, each priority once (equal priorities are equal rows)."""
    priority, sizes, keys = part
    if priority.shape[0] < 2 or bool(np.all(priority[1:] > priority[:-1])):
        return part
    order = np.argsort(priority, kind="stable")
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = priority[order][1:] != priority[order][:-1]
    rows = order[first]
    starts = (np.cumsum(sizes) - sizes)[rows]
    picks = np.repeat(starts, sizes[rows]) + _ranks(sizes[rows])
    distinct: _Part = (priority[rows], sizes[rows], keys[picks])
    return distinct


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """``0 .. s - 1`` for each ``s`` of ``sizes``, one after the other."""
    total = int(sizes.sum())
    starts = np.cumsum(sizes) - sizes
    ranks: np.ndarray = np.arange(total, dtype=np.int64) - np.repeat(starts, sizes)
    return ranks


def _joined(parts: list[_Part]) -> _Part:
    if not parts:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    if len(parts) == 1:
        return parts[0]
    priority, sizes, keys = zip(*parts, strict=True)
    joined: _Part = (np.concatenate(priority), np.concatenate(sizes), np.concatenate(keys))
    return joined
