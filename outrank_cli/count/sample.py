"""A uniform row sample of encoded rows, taken during the counting pass; mergeable.

Pairwise and conditional statistics (``select``, ``redundancy``, the pair checks) come
from this sample; relevance stays exact on all rows. Memory is about twice
``capacity x columns`` ``int32`` codes, whatever the number of rows.

Bottom-k sampling: every row gets a pseudo-random priority, a seeded hash of the row's
content (the 64-bit keys of the target and of every feature, missing values alike), and the
sample is the ``capacity`` rows with the smallest priorities among the rows that have a
target. That is a uniform sample without replacement, and it is the same set of rows
whatever the row order, the batch boundaries, the number of threads, how the rows are split
into files, or how partitions are spread over workers: merging two samples is taking the
smallest priorities of their union. Equal rows get equal priorities, and they are
interchangeable (same codes), so which of them is kept does not matter. Rows are kept in
priority order, so the sample is identical, row for row, however it was assembled.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from outrank_cli.kernels import lazy_module

if TYPE_CHECKING:
    from outrank_cli.encode.keys import Keys

hashing = lazy_module("outrank_cli.kernels.hashing")
# the key a missing value hashes as: some families key a missing value like a real one
# (a null boolean as False), and a null's hash may differ between readers
_MISSING_KEY = np.uint64(0x6A09E667F3BCC908)
_KEEP_BLOCK = 64  # columns per task of the final reorder


def content_priorities(columns: Sequence[Keys], seed: int) -> np.ndarray:
    """A pseudo-random priority per row from its content: the row's keys in ``columns``
    (target first, then the features, in plan order) chained through splitmix64 with the
    seed. ``uint64[n]``; rows with equal keys get equal priorities."""
    priority: np.ndarray | None = None
    for column in columns:
        keys = column.keys
        if column.missing.shape[0]:
            keys = np.where(column.missing, _MISSING_KEY, keys)
        chained = keys if priority is None else np.bitwise_xor(priority, keys, out=priority)
        priority = hashing.mix64_array(chained, seed)
    assert priority is not None, "a row sample needs at least the target column"
    return priority


def _mapped_zeros(shape: tuple[int, int]) -> np.ndarray:
    """``int32`` zeros whose memory the kernel maps at once (``MAP_POPULATE``). ``np.zeros``
    maps each 4 KB page at its first write: 200,000 page faults for a 1,000 x 200,000 sample,
    2 s of CPU spread over the pass, against 0.4 s here. Only for memory that will all be used
    (every page is resident from the start); ``np.zeros`` where ``MAP_POPULATE`` is missing."""
    size = shape[0] * shape[1] * 4
    if size == 0 or not hasattr(mmap, "MAP_POPULATE"):
        return np.zeros(shape, dtype=np.int32)
    memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE)
    return np.frombuffer(memory, dtype=np.int32).reshape(shape)


class RowSample:
    """Codes of ``n_columns`` features plus the target for up to ``capacity`` rows."""

    def __init__(self, n_columns: int, *, capacity: int, seed: int, expected_rows: int | None = None) -> None:
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
        if expected_rows:  # room for every row that can come, at once (all of it will be used)
            self._allocate(min(expected_rows, 2 * capacity + 1), populate=True)

    def _allocate(self, size: int, *, populate: bool = False) -> None:
        codes = (
            _mapped_zeros((self.n_columns, size)) if populate else np.zeros((self.n_columns, size), np.int32)
        )
        codes[:, : self.filled] = self.codes[:, : self.filled]
        target = np.zeros(size, dtype=np.int32)
        target[: self.filled] = self.target[: self.filled]
        priority = np.zeros(size, dtype=np.uint64)
        priority[: self.filled] = self.priority[: self.filled]
        self.codes, self.target, self.priority = codes, target, priority

    def _keep(
        self, index: np.ndarray, pool: ThreadPoolExecutor | None, recode: Sequence[np.ndarray | None] | None
    ) -> None:
        n = index.shape[0]

        # one column at a time through one buffer per task: no second copy of the sample, and
        # a gather from one contiguous row is about 6 times faster than along the rows of a
        # 2-D block (1,000 columns x 200,000 rows: 0.5 s instead of 3 s); numpy releases the
        # GIL, so blocks of columns go side by side on the pool
        def gather(columns: range) -> None:
            buffer = np.empty(n, dtype=self.codes.dtype)
            for column in columns:
                row = self.codes[column]
                np.take(row, index, out=buffer)
                remap = None if recode is None else recode[column]
                if remap is None:
                    row[:n] = buffer
                else:
                    np.take(remap.astype(row.dtype, copy=False), buffer, out=row[:n])

        blocks = [
            range(s, min(s + _KEEP_BLOCK, self.n_columns)) for s in range(0, self.n_columns, _KEEP_BLOCK)
        ]
        if pool is None:
            for block in blocks:
                gather(block)
        else:
            list(pool.map(gather, blocks))
        self.target[:n] = self.target[index]
        self.priority[:n] = self.priority[index]
        self.filled = n

    def compact(
        self, pool: ThreadPoolExecutor | None = None, *, recode: Sequence[np.ndarray | None] | None = None
    ) -> None:
        """Keep only the ``capacity`` smallest priorities, in priority order (the columns
        reordered on ``pool`` when given). With ``recode``, column ``c``'s codes are also
        mapped through ``recode[c]`` (old code -> new; None keeps them) on the way."""
        order = np.argsort(self.priority[: self.filled], kind="stable")[: self.capacity]
        self._keep(order, pool, recode)
        if self.filled >= self.capacity:
            self._threshold = self.priority[self.filled - 1]

    def choose(self, prio: np.ndarray, target_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For one batch: which rows may enter (indices into the batch) and their slots.

        ``prio`` are the rows' priorities (``content_priorities``). Rows without a target
        (code < 0) never enter. Call ``put_target`` and ``put_column`` with the result
        before the next ``choose``.
        """
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
        # slots are consecutive (``choose``), and while the sample is filling every row of a
        # batch enters: plain copies then, not an indexed gather and scatter (wide tables
        # spend seconds here)
        if slots.shape[0] == 0:
            return
        start = int(slots[0])
        self.codes[column, start : start + slots.shape[0]] = (
            codes if rows.shape[0] == codes.shape[0] else codes[rows]
        )

    def remap_column(self, column: int, remap: np.ndarray) -> None:
        """Bring stored codes of a column up to date after its counter re-encoded."""
        row = self.codes[column, : self.filled]
        # np.take into the row itself (numpy buffers the overlap): half the time of
        # ``remap[row]``, which converts the int32 codes to a new intp index array first
        np.take(remap.astype(row.dtype, copy=False), row, out=row)

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
