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
at most ``B``, they are all such rows. A record holds at most about ``2 B`` values and a batch
(``4 B`` for a moment when two partitions' records merge); tidying it takes a byte a value more.

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
        if self.cut is not None:
            part = _kept(part, part[0] < self.cut)
        if part[0].shape[0]:
            self.parts.append(part)
            self.rows += int(part[0].shape[0])
            self.values += int(part[2].shape[0])

    def keep(self, rows: np.ndarray) -> None:
        """Keep the rows where ``rows`` (over the parts, in order) is True; the keys are
        filtered part by part, so no second copy of them all is made."""
        parts: list[_Part] = []
        start = 0
        old, self.parts = self.parts, parts
        old.reverse()
        while old:  # each part is let go as soon as it is filtered
            part = old.pop()
            stop = start + part[0].shape[0]
            kept = _kept(part, rows[start:stop])
            del part
            start = stop
            if kept[0].shape[0]:
                parts.append(kept)
        self.rows = sum(p[0].shape[0] for p in parts)
        self.values = sum(p[2].shape[0] for p in parts)

    def tidy(self, threshold: np.uint64 | None, budget: int) -> None:
        """Each priority once, none above ``threshold`` (the largest the sample keeps; None:
        all are still in the running); past ``2 budget`` values, only the lowest priorities
        that hold at most ``budget``."""
        priority = _joined_rows(self.parts, 0)
        sizes = _joined_rows(self.parts, 1)
        keep = _first_of_each(priority)
        if threshold is not None:
            keep &= priority <= threshold
        if int(sizes[keep].sum()) > _ROOM * budget:
            order = np.argsort(np.where(keep, priority, np.iinfo(np.uint64).max), kind="stable")
            order = order[: int(np.count_nonzero(keep))]
            over = np.flatnonzero(np.cumsum(sizes[order]) > budget)[0]
            cut = priority[order[over]]
            self.cut = cut if self.cut is None else min(self.cut, cut)
        if self.cut is not None:
            keep &= priority < self.cut
        self.keep(keep)


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
        """The sample is final (its rows' ``priorities``): keep only those rows, each
        priority once, or give the column up when they hold more than the budget."""
        budget = VALUES_PER_ROW * capacity
        wanted = np.unique(priorities)
        for column, record in self._records.items():
            if record.cut is not None and wanted.shape[0] and wanted[-1] >= record.cut:
                # the rows below the cut already held more than the budget
                self._give_up(column)
                continue
            priority = _joined_rows(record.parts, 0)
            keep = _first_of_each(priority) & np.isin(priority, wanted)
            if int(np.count_nonzero(keep)) != wanted.shape[0]:
                raise AssertionError(f"column {column}: a sampled row has no values on record")
            if int(_joined_rows(record.parts, 1)[keep].sum()) > budget:
                self._give_up(column)
                continue
            record.keep(keep)

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
                mine.keep(_joined_rows(mine.parts, 0) < mine.cut)
            for part in theirs.parts:
                mine.add(part)

    def holds(self, column: int, priorities: np.ndarray, key: int) -> np.ndarray:
        """Whether each row of ``priorities`` (every one a sampled row) holds the value ``key``
        (the column's values must be on record: ``kept``)."""
        if not self.kept(column):
            raise ValueError(f"column {column}: its sampled rows' values are not on record")
        parts = self._records[column].parts
        priority = _joined_rows(parts, 0)
        holding = np.zeros(priority.shape[0], dtype=bool)
        start = 0
        for _, sizes, keys in parts:  # the rows of the values equal to the key, part by part
            ends = np.cumsum(sizes)
            hits = np.flatnonzero(keys == np.uint64(key))
            holding[start + np.searchsorted(ends, hits, side="right")] = True
            start += sizes.shape[0]
        order = np.argsort(priority, kind="stable")
        at = np.searchsorted(priority[order], priorities)
        if priorities.shape[0] and (
            int(at.max()) >= priority.shape[0]
            or np.any(priority[order[np.minimum(at, priority.shape[0] - 1)]] != priorities)
        ):
            raise AssertionError(f"column {column}: a sampled row has no values on record")
        result: np.ndarray = holding[order[at]]
        return result


def _kept(part: _Part, rows: np.ndarray) -> _Part:
    """The rows of ``part`` where ``rows`` is True, with their values."""
    priority, sizes, keys = part
    if bool(rows.all()):
        return part
    return priority[rows], sizes[rows], keys[np.repeat(rows, sizes)]


def _first_of_each(priority: np.ndarray) -> np.ndarray:
    """True at the first row of each priority (equal priorities are equal rows)."""
    first = np.zeros(priority.shape[0], dtype=bool)
    if priority.shape[0]:
        order = np.argsort(priority, kind="stable")
        sorted_priority = priority[order]
        new = np.ones(order.shape[0], dtype=bool)
        new[1:] = sorted_priority[1:] != sorted_priority[:-1]
        first[order[new]] = True
    return first


def _joined_rows(parts: list[_Part], field_index: int) -> np.ndarray:
    """The priorities (0) or the values a row (1) of every part, one after the other."""
    if not parts:
        return np.zeros(0, dtype=np.uint64 if field_index == 0 else np.int64)
    joined: np.ndarray = np.concatenate([part[field_index] for part in parts])
    return joined
