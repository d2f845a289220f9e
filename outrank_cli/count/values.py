"""The values that the row sample's rows hold in the multi-valued columns.

A multi-valued column has no single code per row, so the sample keeps each sampled row's
value keys apart, as a ragged list per column. Rows are named by their priority, not by their
place in the sample: the sample reorders and replaces rows as it fills, merges and compacts,
but a row's priority is a hash of its whole content (the lists included), so it names the row
however the sample was assembled, and rows of equal priority hold equal values. Rows that can
no longer be in the sample (a priority above its threshold, the largest it keeps) are dropped
as the lists grow, so the store stays about as large as the sample.

At the end of the pass a column is read as the indicator of one value (``holds``): ``select``
pairs a multi-valued column through its best value, the one it is ranked by.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# the lists are pruned to the rows still in the running once they hold this many times the
# sample's capacity
_PRUNE_AT = 3


class SampledValues:
    """Per multi-valued column: the priorities of the sampled rows, how many values each
    holds, and their keys (row by row)."""

    def __init__(self, columns: Iterable[int]) -> None:
        self._parts: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {c: [] for c in columns}
        # one batch's rows, by slot, until the sample knows their priorities (``seal``)
        self._pending: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @property
    def columns(self) -> tuple[int, ...]:
        return tuple(self._parts)

    def put(self, column: int, slots: np.ndarray, sizes: np.ndarray, keys: np.ndarray) -> None:
        """One batch's sampled rows of ``column``: their slots in the sample, how many values
        each holds, and the keys of those values row after row. Thread-safe across columns."""
        self._pending[column] = (slots, sizes, keys)

    def seal(self, priority: np.ndarray, threshold: np.uint64 | None, capacity: int) -> None:
        """Name the pending rows by their priorities (``priority``: the sample's, by slot), and
        drop rows above ``threshold`` once a column holds too many."""
        pending, self._pending = self._pending, {}
        for column, (slots, sizes, keys) in pending.items():
            self._parts[column].append((priority[slots].copy(), sizes, keys))
        if threshold is not None:
            self.prune(threshold, capacity)

    def prune(self, threshold: np.uint64, capacity: int) -> None:
        """Drop the rows above ``threshold`` (the largest priority the sample keeps) from the
        columns that hold many rows."""
        for column, parts in self._parts.items():
            if sum(p.shape[0] for p, _, _ in parts) <= _PRUNE_AT * capacity:
                continue
            priority, sizes, keys = _joined(parts)
            keep = priority <= threshold
            self._parts[column] = [(priority[keep], sizes[keep], keys[np.repeat(keep, sizes)])]

    def merge(self, other: SampledValues) -> None:
        """Add the rows of another store (over other rows of the same columns)."""
        for column, parts in other._parts.items():
            self._parts[column].extend(parts)

    def holds(self, column: int, priorities: np.ndarray, key: int) -> np.ndarray:
        """Whether each row of ``priorities`` (every one a sampled row) holds the value ``key``."""
        priority, sizes, keys = _joined(self._parts[column])
        holding = np.zeros(priority.shape[0], dtype=bool)
        holding[np.repeat(np.arange(priority.shape[0]), sizes)[keys == np.uint64(key)]] = True
        order = np.argsort(priority, kind="stable")
        found = np.searchsorted(priority[order], priorities)
        if priorities.shape[0] and (
            int(found.max()) >= priority.shape[0] or np.any(priority[order][found] != priorities)
        ):
            raise AssertionError(f"column {column}: a sampled row has no values on record")
        result: np.ndarray = holding[order[found]]
        return result


def _joined(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    if len(parts) == 1:
        return parts[0]
    priority, sizes, keys = zip(*parts, strict=True)
    return np.concatenate(priority), np.concatenate(sizes), np.concatenate(keys)
