"""The values that the row sample's rows hold in the multi-valued columns.

A multi-valued column has no single code per row, so the sample keeps each sampled row's
value keys apart, as a ragged list per column. Rows are named by their priority, not by their
place in the sample: the sample reorders and replaces rows as it fills, merges and compacts,
but a row's priority is a hash of its whole content (the lists included), so it names the row
however the sample was assembled, and rows of equal priority hold equal values. Rows that can
no longer be in the sample (a priority above its threshold, the largest it keeps) are dropped
as the lists grow, so the store stays about as large as the sample.

A column whose sampled rows hold more than ``VALUES_PER_ROW`` values on average (long
histories of item IDs) is given up: keeping them would take more memory than the rest of the
sample. The verdict is taken on the final sample (``settle``), so it does not depend on how the
rows came in. While the sample fills, a column is given up early once the rows it keeps (at
most about twice the sample's capacity) hold more than ``VALUES_PER_ROW`` times twice the
capacity: the guard that bounds the memory.

At the end of the pass a column is read as the indicator of one value (``holds``): ``select``
pairs a multi-valued column through its best value, the one it is ranked by.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# the most values a sampled row may hold on average for its column to be kept (at a million
# sampled rows: 128 MB of keys)
VALUES_PER_ROW = 16
# the lists are pruned to the rows still in the running once they hold this many times the
# sample's capacity in rows, or in values times VALUES_PER_ROW (the memory guard)
_ROOM = 2

_Part = tuple[np.ndarray, np.ndarray, np.ndarray]  # priorities, values a row, keys row by row


class SampledValues:
    """Per multi-valued column: the priorities of the sampled rows, how many values each
    holds, and their keys (row by row)."""

    def __init__(self, columns: Iterable[int]) -> None:
        self._parts: dict[int, list[_Part]] = {c: [] for c in columns}
        # one batch's rows, by slot, until the sample knows their priorities (``seal``)
        self._pending: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.given_up: set[int] = set()  # columns with too many values a row to keep

    def kept(self, column: int) -> bool:
        """Whether the values of ``column``'s sampled rows are on record."""
        return column in self._parts and column not in self.given_up

    def put(self, column: int, slots: np.ndarray, sizes: np.ndarray, keys: np.ndarray) -> None:
        """One batch's sampled rows of ``column``: their slots in the sample, how many values
        each holds, and the keys of those values row after row. Thread-safe across columns."""
        if column not in self.given_up:
            self._pending[column] = (slots, sizes, keys)

    def seal(self, priority: np.ndarray, threshold: np.uint64 | None, capacity: int) -> None:
        """Name the pending rows by their priorities (``priority``: the sample's, by slot), and
        prune the columns that hold many (``prune``)."""
        pending, self._pending = self._pending, {}
        for column, (slots, sizes, keys) in pending.items():
            self._parts[column].append((priority[slots].copy(), sizes, keys))
        self.prune(threshold, capacity)

    def prune(self, threshold: np.uint64 | None, capacity: int) -> None:
        """Drop the rows above ``threshold`` (the largest priority the sample keeps; None: all
        are still in the running) from the columns that hold many, and give up a column whose
        rows still hold more values than the memory guard allows."""
        for column, parts in self._parts.items():
            rows = sum(p.shape[0] for p, _, _ in parts)
            values = sum(k.shape[0] for _, _, k in parts)
            if rows <= _ROOM * capacity and values <= _ROOM * VALUES_PER_ROW * capacity:
                continue
            if threshold is not None:
                priority, sizes, keys = _joined(parts)
                keep = priority <= threshold
                parts = [(priority[keep], sizes[keep], keys[np.repeat(keep, sizes)])]
                values = parts[0][2].shape[0]
            self._parts[column] = parts
            if values > _ROOM * VALUES_PER_ROW * capacity:
                self._give_up(column)

    def settle(self, priorities: np.ndarray) -> None:
        """The sample is final (its rows' ``priorities``): keep only those rows, and give up a
        column whose rows hold more than ``VALUES_PER_ROW`` values on average."""
        for column in list(self._parts):
            if column in self.given_up:
                continue
            priority, sizes, keys = _joined(self._parts[column])
            order, found = _lookup(column, priority, priorities)
            entries = order[found]
            if int(sizes[entries].sum()) > VALUES_PER_ROW * priorities.shape[0]:
                self._give_up(column)
                continue
            starts = np.concatenate([[0], np.cumsum(sizes)])[entries]
            picks = np.repeat(starts, sizes[entries]) + _ranks(sizes[entries])
            self._parts[column] = [(priorities.copy(), sizes[entries], keys[picks])]

    def _give_up(self, column: int) -> None:
        self.given_up.add(column)
        self._parts[column] = []
        self._pending.pop(column, None)

    def merge(self, other: SampledValues) -> None:
        """Add the rows of another store (over other rows of the same columns)."""
        for column, parts in other._parts.items():
            self._parts[column].extend(parts)
        for column in other.given_up:
            self._give_up(column)

    def holds(self, column: int, priorities: np.ndarray, key: int) -> np.ndarray:
        """Whether each row of ``priorities`` (every one a sampled row) holds the value ``key``
        (the column's values must be on record: ``kept``)."""
        if not self.kept(column):
            raise ValueError(f"column {column}: its sampled rows' values are not on record")
        priority, sizes, keys = _joined(self._parts[column])
        holding = np.zeros(priority.shape[0], dtype=bool)
        holding[np.repeat(np.arange(priority.shape[0]), sizes)[keys == np.uint64(key)]] = True
        order, found = _lookup(column, priority, priorities)
        result: np.ndarray = holding[order[found]]
        return result


def _lookup(column: int, priority: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, found)``: entry ``order[found[i]]`` has priority ``wanted[i]``."""
    order = np.argsort(priority, kind="stable")
    found = np.searchsorted(priority[order], wanted)
    if wanted.shape[0] and (
        int(found.max()) >= priority.shape[0] or np.any(priority[order][found] != wanted)
    ):
        raise AssertionError(f"column {column}: a sampled row has no values on record")
    return order, found


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
