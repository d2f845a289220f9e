"""A uniform reservoir sample of encoded rows, taken during the counting pass.

Pairwise and conditional statistics (``select``, ``redundancy``, the pair checks) come
from this sample; relevance stays exact on all rows. Memory is ``capacity x columns``
``int32`` codes, whatever the number of rows.

Algorithm R with one uniform draw per row: row ``t`` (0-based, counting only rows that
have a target) draws ``u`` and, once the reservoir is full, replaces slot
``floor(u * (t + 1))`` when that is below the capacity. Because each row consumes exactly
one draw, the sample depends on the row order and the seed but not on batch boundaries,
so CSV and Parquet copies of a table (same row order) give the same sample.
"""

from __future__ import annotations

import numpy as np


class RowSample:
    """Codes of ``n_columns`` features plus the target for up to ``capacity`` rows."""

    def __init__(self, n_columns: int, *, capacity: int, seed: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.codes = np.zeros((n_columns, 0), dtype=np.int32)
        self.target = np.zeros(0, dtype=np.int32)
        self.n_columns = n_columns
        self.filled = 0
        self.seen = 0
        self._rng = np.random.default_rng(seed)

    def choose(self, target_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For one batch: which rows enter (indices into the batch) and into which slots.

        Rows without a target (code < 0) never enter and draw nothing. Later rows of the
        batch overwrite earlier ones that chose the same slot, as a sequential pass would.
        """
        rows = np.flatnonzero(target_codes >= 0)
        draws = self._rng.random(rows.shape[0])
        position = self.seen + np.arange(rows.shape[0], dtype=np.int64)
        self.seen += rows.shape[0]
        slot = np.where(position < self.capacity, position, np.floor(draws * (position + 1)).astype(np.int64))
        keep = slot < self.capacity
        rows, slot = rows[keep], slot[keep]
        # the last writer of a slot wins: keep the final occurrence of each slot
        reversed_unique = np.unique(slot[::-1], return_index=True)[1]
        last = rows.shape[0] - 1 - reversed_unique
        return rows[last], slot[last]

    def _ensure(self, size: int) -> None:
        if size <= self.codes.shape[1]:
            return
        grown = min(self.capacity, max(size, 2 * self.codes.shape[1], 1024))
        codes = np.zeros((self.n_columns, grown), dtype=np.int32)
        codes[:, : self.codes.shape[1]] = self.codes
        target = np.zeros(grown, dtype=np.int32)
        target[: self.target.shape[0]] = self.target
        self.codes, self.target = codes, target

    def put_target(self, rows: np.ndarray, slots: np.ndarray, target_codes: np.ndarray) -> None:
        if slots.size:
            self._ensure(int(slots.max()) + 1)
            self.filled = max(self.filled, int(slots.max()) + 1)
        self.target[slots] = target_codes[rows]

    def put_column(self, column: int, rows: np.ndarray, slots: np.ndarray, codes: np.ndarray) -> None:
        """Store one column's codes of the chosen rows (call ``put_target`` first)."""
        self.codes[column, slots] = codes[rows]

    def remap_column(self, column: int, remap: np.ndarray) -> None:
        """Bring stored codes of a column up to date after its counter re-encoded."""
        stored = self.codes[column, : self.filled]
        self.codes[column, : self.filled] = remap[stored]

    def column(self, index: int) -> np.ndarray:
        return self.codes[index, : self.filled]

    def target_codes(self) -> np.ndarray:
        return self.target[: self.filled]
