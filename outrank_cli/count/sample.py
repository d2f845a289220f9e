"""A uniform row sample of encoded rows, taken during the counting pass; mergeable.

Pairwise and conditional statistics (``select``, ``redundancy``, the pair checks) come
from this sample; relevance stays exact on all rows. Memory is about twice
``capacity x columns`` ``int32`` codes, whatever the number of rows.

Bottom-k sampling: every row gets a pseudo-random priority, a hash of the seed and the row's
identity (file number and row number within the file), and the sample is the ``capacity``
rows with the smallest priorities among the rows that have a target. That is a uniform
sample without replacement, and it is the same set of rows whatever the batch boundaries,
the number of threads, or how partitions are spread over workers: merging two samples is
taking the smallest priorities of their union. Rows are kept in priority order, so the
sample is identical, row for row, however it was assembled.
"""

from __future__ import annotations

import numpy as np

from outrank_cli.kernels import lazy_module

_FILE_SHIFT = np.uint64(40)  # up to 2**40 rows per file, 2**24 files
hashing = lazy_module("outrank_cli.kernels.hashing")


def row_ids(file_index: int, first_row: int, n: int) -> np.ndarray:
    """Identities of ``n`` consecutive rows of one file: ``file_index << 40 | row``."""
    return (np.uint64(file_index) << _FILE_SHIFT) + np.arange(first_row, first_row + n, dtype=np.uint64)


def priorities(ids: np.ndarray, seed: int) -> np.ndarray:
    """A pseudo-random priority per row: splitmix64 of the row identity mixed with the seed."""
    result: np.ndarray = hashing.mix64_array(ids, seed)
    return result


class RowSample:
    """Codes of ``n_columns`` features plus the target for up to ``capacity`` rows."""

    def __init__(self, n_columns: int, *, capacity: int, seed: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.seed = seed
        self.n_columns = n_columns
        self.codes = np.zeros((n_columns, 0), dtype=np.int32)
        self.target = np.zeros(0, dtype=np.int32)
        self.priority = np.zeros(0, dtype=np.uint64)
        self.filled = 0
        self._threshold: np.uint64 | None = None  # rows at or above it can never enter

    def _allocate(self, size: int) -> None:
        codes = np.zeros((self.n_columns, size), dtype=np.int32)
        codes[:, : self.filled] = self.codes[:, : self.filled]
        target = np.zeros(size, dtype=np.int32)
        target[: self.filled] = self.target[: self.filled]
        priority = np.zeros(size, dtype=np.uint64)
        priority[: self.filled] = self.priority[: self.filled]
        self.codes, self.target, self.priority = codes, target, priority

    def _keep(self, index: np.ndarray) -> None:
        n = index.shape[0]
        self.codes[:, :n] = self.codes[:, index]
        self.target[:n] = self.target[index]
        self.priority[:n] = self.priority[index]
        self.filled = n

    def compact(self) -> None:
        """Keep only the ``capacity`` smallest priorities, in priority order."""
        order = np.argsort(self.priority[: self.filled], kind="stable")[: self.capacity]
        self._keep(order)
        if self.filled >= self.capacity:
            self._threshold = self.priority[self.filled - 1]

    def choose(self, ids: np.ndarray, target_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For one batch: which rows may enter (indices into the batch) and their slots.

        Rows without a target (code < 0) never enter. Call ``put_target`` and
        ``put_column`` with the result before the next ``choose``.
        """
        prio = priorities(ids, self.seed)
        eligible = target_codes >= 0
        if self._threshold is not None:
            eligible &= prio < self._threshold
        rows = np.flatnonzero(eligible)
        if self.filled + rows.shape[0] > 2 * self.capacity:
            self.compact()
            if self._threshold is not None:
                rows = rows[prio[rows] < self._threshold]
        if rows.shape[0] > self.capacity:
            rows = rows[np.argsort(prio[rows], kind="stable")[: self.capacity]]
        needed = self.filled + rows.shape[0]
        if needed > self.codes.shape[1]:
            self._allocate(min(max(needed, 2 * self.codes.shape[1], 1024), 2 * self.capacity + 1))
        slots = np.arange(self.filled, needed)
        self.priority[slots] = prio[rows]
        self.filled = needed
        return rows, slots

    def put_target(self, rows: np.ndarray, slots: np.ndarray, target_codes: np.ndarray) -> None:
        self.target[slots] = target_codes[rows]

    def put_column(self, column: int, rows: np.ndarray, slots: np.ndarray, codes: np.ndarray) -> None:
        """Store one column's codes of the chosen rows."""
        self.codes[column, slots] = codes[rows]

    def remap_column(self, column: int, remap: np.ndarray) -> None:
        """Bring stored codes of a column up to date after its counter re-encoded."""
        self.codes[column, : self.filled] = remap[self.codes[column, : self.filled]]

    def remap_target(self, mapping: np.ndarray) -> None:
        self.target[: self.filled] = mapping[self.target[: self.filled]]

    def merge(self, other: RowSample) -> None:
        """Add another sample (same columns, codes already in this sample's code space)."""
        needed = self.filled + other.filled
        if needed > self.codes.shape[1]:
            self._allocate(needed)
        self.codes[:, self.filled : needed] = other.codes[:, : other.filled]
        self.target[self.filled : needed] = other.target[: other.filled]
        self.priority[self.filled : needed] = other.priority[: other.filled]
        self.filled = needed
        self.compact()

    def column(self, index: int) -> np.ndarray:
        return self.codes[index, : self.filled]

    def target_codes(self) -> np.ndarray:
        return self.target[: self.filled]
