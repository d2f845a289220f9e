"""A uniform row sample of encoded rows, taken during the counting pass; mergeable.

Pairwise and conditional statistics (``select``, ``redundancy``, the pair checks) come
from this sample; relevance stays exact on all rows. A column's codes are kept as ``uint16``
(two bytes a value) while they fit, and as ``int32`` from its first code above 65,535, so the
sample takes about ``capacity x columns x 2`` bytes on tables of IDs with up to 65,535 levels
(and up to twice that while it fills, for inputs of unknown length).

Bottom-k sampling: every row gets a pseudo-random priority, a seeded hash of the row's
content (the 64-bit keys of the target and of every feature, missing values alike), and the
sample is the ``capacity`` rows with the smallest priorities among the rows that have a
target. That is a uniform sample without replacement, and it is the same set of rows
whatever the row order, the batch boundaries, the number of threads, how the rows are split
into files, or how partitions are spread over workers: merging two samples is taking the
smallest priorities of their union. Equal rows get equal priorities, and they are
interchangeable (same codes), so which of them is kept does not matter. Rows are kept in
priority order, so the sample is identical, row for row, however it was assembled.

A multi-valued column has no single code per row: its sampled rows' values are kept apart, by
priority (``count.values``), and read at the end as the indicator of one value.
"""

from __future__ import annotations

import mmap
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from outrank_cli.count.values import SampledValues
from outrank_cli.kernels import lazy_module

if TYPE_CHECKING:
    from outrank_cli.encode.keys import Keys

encoding = lazy_module("outrank_cli.kernels.encoding")
hashing = lazy_module("outrank_cli.kernels.hashing")
# the key a missing value hashes as: some families key a missing value like a real one
# (a null boolean as False), and a null's hash may differ between readers
_MISSING_KEY = np.uint64(0x6A09E667F3BCC908)


def column_salts(n_columns: int, seed: int) -> np.ndarray:
    """The salt of each column position in the row hash (0: the target, then the features in
    plan order), ``uint64[n_columns]``."""
    salts: np.ndarray = hashing.mix64_array(np.arange(n_columns, dtype=np.uint64), seed)
    return salts


class RowHashes:
    """A row's content hash summed over its columns: ``sum_c mix64(key_c ^ salt_c)``, wrapping.
    A sum does not depend on the order in which columns are added, so the counting tasks add
    their columns as they go, from any thread (each thread sums into its own array, and
    ``priorities`` adds them up). ``salts`` are ``column_salts(..., seed)``."""

    def __init__(self, n_rows: int, seed: int, salts: np.ndarray) -> None:
        self.n_rows = n_rows
        self.seed = seed
        self.salts = salts
        self._sums: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def add(self, position: int, column: Keys) -> None:
        """Add the column at ``position`` (its keys of every row)."""
        thread = threading.get_ident()
        total = self._sums.get(thread)
        if total is None:
            with self._lock:
                total = self._sums.setdefault(thread, np.zeros(self.n_rows, dtype=np.uint64))
        missing = column.missing if column.missing.shape[0] else None
        hashing.mix64_accumulate(total, column.keys, missing, int(_MISSING_KEY), int(self.salts[position]))

    def priorities(self) -> np.ndarray:
        """Each row's priority: its summed hash mixed once more with the seed."""
        total = np.zeros(self.n_rows, dtype=np.uint64)
        for part in self._sums.values():
            total += part  # uint64 arrays wrap
        result: np.ndarray = hashing.mix64_array(total, self.seed)
        return result


def content_priorities(columns: Sequence[Keys], seed: int) -> np.ndarray:
    """A pseudo-random priority per row from its content: the row's keys in ``columns``
    (target first, then the features, in plan order), each hashed with its position's salt,
    summed (``RowHashes``) and mixed with the seed. ``uint64[n]``; rows with equal keys get
    equal priorities."""
    assert columns, "a row sample needs at least the target column"
    hashes = RowHashes(columns[0].keys.shape[0], seed, column_salts(len(columns), seed))
    for position, column in enumerate(columns):
        hashes.add(position, column)
    return hashes.priorities()


# the codes of a multi-valued column's indicator (``RowSample.indicator_codes``) are below this
INDICATOR_LEVELS = 3
_NARROW = np.dtype(np.uint16)
_WIDE = np.dtype(np.int32)
_NARROW_MAX = int(np.iinfo(np.uint16).max)
_PAGE = mmap.PAGESIZE


def _fits_narrow(mapping: np.ndarray | None) -> bool:
    """Whether codes mapped through ``mapping`` (None: not mapped) all fit ``uint16``."""
    return mapping is None or mapping.shape[0] == 0 or int(mapping.max()) <= _NARROW_MAX


class _Block:
    """The ``uint16`` rows of every column in one anonymous mapping, each row starting on a
    page, so that a row can be handed back to the system on its own (``release``).

    With ``populate``, the kernel maps every page at once (``MAP_POPULATE``): ``np.zeros``
    maps each 4 KB page at its first write, 100,000 page faults for a 1,000 x 200,000 sample,
    which cost seconds of CPU spread over the pass. Only for memory that will all be used."""

    def __init__(self, n_rows: int, size: int, *, populate: bool) -> None:
        row_bytes = -(-size * _NARROW.itemsize // _PAGE) * _PAGE
        self.stride = row_bytes // _NARROW.itemsize
        n_bytes = max(n_rows * row_bytes, _PAGE)
        self.size = size
        self.memory: mmap.mmap | None = None
        if not hasattr(mmap, "MAP_ANONYMOUS"):  # no anonymous mappings here: plain memory
            self.values = np.zeros(n_bytes // _NARROW.itemsize, dtype=_NARROW)
            return
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
        if populate and hasattr(mmap, "MAP_POPULATE"):
            flags |= mmap.MAP_POPULATE
        self.memory = mmap.mmap(-1, n_bytes, flags=flags)
        self.values = np.frombuffer(self.memory, dtype=_NARROW)

    def row(self, index: int) -> np.ndarray:
        return self.values[index * self.stride : index * self.stride + self.size]

    def release(self, index: int) -> None:
        """Give row ``index``'s pages back (they read as zeros afterwards)."""
        if self.memory is not None and hasattr(mmap, "MADV_DONTNEED"):
            offset = index * self.stride * _NARROW.itemsize
            self.memory.madvise(mmap.MADV_DONTNEED, offset, self.stride * _NARROW.itemsize)


class RowSample:
    """Codes of ``n_columns`` features plus the target for up to ``capacity`` rows."""

    def __init__(
        self,
        n_columns: int,
        *,
        capacity: int,
        seed: int,
        expected_rows: int | None = None,
        value_columns: Iterable[int] = (),
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        # the multi-valued columns (by index) keep their rows' values apart, by priority
        self.values = SampledValues(value_columns)
        self.seed = seed
        self.n_columns = n_columns
        self._block: _Block | None = None
        self._slots: dict[int, int] = {}  # column -> its row in the block, while it has one
        # one row per column: a ``uint16`` view into the block, or its own ``int32`` array
        self._rows: list[np.ndarray] = [np.zeros(0, dtype=_NARROW)] * n_columns
        self.target = np.zeros(0, dtype=np.int32)
        self.priority = np.zeros(0, dtype=np.uint64)
        self.filled = 0
        self._threshold: np.uint64 | None = None  # rows at or above it can never enter
        self._salts: np.ndarray | None = None  # of the target and the columns, once needed
        # after ``finish``: the kept rows' positions in priority order, the columns not yet
        # moved there, and each column's code map to apply on the way (None: none)
        self._order = np.zeros(0, dtype=np.intp)
        # and each stored row's place in that order (-1: not kept), up to the last kept one
        self._places = np.zeros(0, dtype=np.int64)
        self._unmoved: set[int] = set()
        self._recode: list[np.ndarray | None] = []
        if expected_rows:  # room for every row that can come, at once (all of it will be used)
            self._allocate(min(expected_rows, 2 * capacity + 1), populate=True)

    # -- pickling (Dask moves samples between processes; a mapping cannot travel) ----------
    def __getstate__(self) -> dict[str, object]:
        self._move_all()
        state = dict(self.__dict__)
        state["_rows"] = [row[: self.filled].copy() for row in self._rows]
        state["_block"] = None
        state["_slots"] = {}
        state["target"] = self.target[: self.filled].copy()
        state["priority"] = self.priority[: self.filled].copy()
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    @property
    def _size(self) -> int:
        return int(self.priority.shape[0])

    def _allocate(self, size: int, *, populate: bool = False) -> None:
        narrow = [i for i, row in enumerate(self._rows) if row.dtype == _NARROW]
        block = _Block(len(narrow), size, populate=populate) if narrow else None
        rows = list(self._rows)
        for slot, column in enumerate(narrow):
            assert block is not None
            rows[column] = block.row(slot)
        for column, old in enumerate(self._rows):
            if old.dtype == _WIDE:
                rows[column] = np.zeros(size, dtype=_WIDE)
            rows[column][: self.filled] = old[: self.filled]
        target = np.zeros(size, dtype=np.int32)
        target[: self.filled] = self.target[: self.filled]
        priority = np.zeros(size, dtype=np.uint64)
        priority[: self.filled] = self.priority[: self.filled]
        self._rows, self._block, self.target, self.priority = rows, block, target, priority
        self._slots = {column: slot for slot, column in enumerate(narrow)}

    def _fit(self, column: int, largest: int) -> None:
        """Make column ``column`` able to hold codes up to ``largest`` (``int32`` beyond 65,535)."""
        row = self._rows[column]
        if largest > _NARROW_MAX and row.dtype == _NARROW:
            self._rows[column] = row.astype(_WIDE)
            self._release(column)

    def _release(self, column: int) -> None:
        slot = self._slots.pop(column, None)
        if slot is not None and self._block is not None:
            self._block.release(slot)

    def _keep(self, index: np.ndarray) -> None:
        n = index.shape[0]
        # one column at a time through one buffer: no second copy of the sample, and a gather
        # from one contiguous row is about 6 times faster than along the rows of a 2-D block
        # (1,000 columns x 200,000 rows: 0.5 s instead of 3 s)
        buffers: dict[np.dtype, np.ndarray] = {}  # one per storage type met
        for row in self._rows:
            buffer = buffers.get(row.dtype)
            if buffer is None:
                buffer = buffers[row.dtype] = np.empty(n, dtype=row.dtype)
            np.take(row, index, out=buffer)
            row[:n] = buffer
        self._keep_rows(index)

    def _keep_rows(self, index: np.ndarray) -> None:
        """The target and priorities of rows ``index``, in that order."""
        n = index.shape[0]
        self.target[:n] = self.target[index]
        self.priority[:n] = self.priority[index]
        self.filled = n
        if self.filled >= self.capacity:
            self._threshold = self.priority[self.filled - 1]

    def _order_kept(self) -> np.ndarray:
        return np.argsort(self.priority[: self.filled], kind="stable")[: self.capacity]

    def compact(self) -> None:
        """Keep only the ``capacity`` smallest priorities, in priority order."""
        self._move_all()
        self._keep(self._order_kept())
        self.values.prune(self._threshold, self.capacity)

    def finish(self, recode: Sequence[np.ndarray | None] | None = None) -> None:
        """The end of the pass: keep the ``capacity`` smallest priorities, in priority order,
        with column ``c``'s codes mapped through ``recode[c]`` (old code -> new; None keeps
        them). The target and priorities move now, each column when it is read (``column``,
        ``final_codes``) in one gather with its conversion: moving every column here and
        converting it again later were two passes over the sample, 0.7 s of ``select`` on
        20,000 rows x 10,000 columns."""
        self._move_all()
        order = self._order_kept()
        self._keep_rows(order)
        self.values.settle(self.priority[: self.filled], self.capacity)
        self._order = order
        self._places = np.full(int(order.max()) + 1 if order.shape[0] else 0, -1, dtype=np.int64)
        self._places[order] = np.arange(order.shape[0])
        self._recode = list(recode) if recode is not None else [None] * self.n_columns
        self._unmoved = set(range(self.n_columns))

    def _gathered(self, column: int, recode: np.ndarray | None, *, narrow: bool = False) -> np.ndarray:
        """Column ``column``'s codes of the kept rows in order, mapped through its ``finish``
        map and then ``recode`` (when given), in one pass: as ``int32``, its storage handed
        back; with ``narrow``, as ``uint16`` written over its own storage when it is stored
        narrow and every mapped code fits (no new memory: the result is a view of it)."""
        remap = self._recode[column]
        if recode is not None:
            remap = recode if remap is None else recode[remap]
        row = self._rows[column]
        self._unmoved.discard(column)
        self._rows[column] = np.zeros(0, dtype=_NARROW)
        if narrow and row.dtype == _NARROW and _fits_narrow(remap):
            n = self._order.shape[0]
            row[:n] = encoding.gather_codes(row, self._order, remap, narrow=True)
            self._slots.pop(column, None)  # its pages now hold the result: not handed back
            return row[:n]
        codes: np.ndarray = encoding.gather_codes(row, self._order, remap)
        self._release(column)
        return codes

    def _move(self, column: int) -> None:
        if column in self._unmoved:
            self._rows[column] = self._gathered(column, None, narrow=True)

    def _move_all(self) -> None:
        for column in sorted(self._unmoved):
            self._move(column)

    def row_hashes(self, n_rows: int) -> RowHashes:
        """An empty content hash of a batch of ``n_rows`` rows (position 0: the target,
        ``c + 1``: column ``c``), whose ``priorities`` are this sample's."""
        if self._salts is None:
            self._salts = column_salts(self.n_columns + 1, self.seed)
        return RowHashes(n_rows, self.seed, self._salts)

    def takes_all(self, target_codes: np.ndarray) -> bool:
        """Whether every row of the batch with a target enters, whatever its priority (the
        sample is filling and has room for all of them): ``choose_all`` then, and the
        priorities may come after the counting (``set_priorities``)."""
        eligible = int(np.count_nonzero(target_codes >= 0))
        return (
            self._threshold is None
            and eligible <= self.capacity
            and self.filled + eligible <= 2 * self.capacity
        )

    def choose(self, prio: np.ndarray, target_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For one batch: which rows may enter (indices into the batch) and their slots.

        ``prio`` are the rows' priorities (``content_priorities``). Rows without a target
        (code < 0) never enter. Call ``put_target`` and ``put_column`` with the result
        before the next ``choose``.
        """
        self._move_all()
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
        rows, slots = self._place(rows)
        self.set_priorities(rows, slots, prio)
        return rows, slots

    def choose_all(self, target_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``choose`` when ``takes_all``: every row with a target, without priorities yet.
        Call ``set_priorities`` before the next ``choose``."""
        assert self.takes_all(target_codes), "the sample has no room for every row of the batch"
        self._move_all()
        return self._place(np.flatnonzero(target_codes >= 0))

    def _place(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Slots after the filled ones for ``rows``, with room made for them."""
        needed = self.filled + rows.shape[0]
        if needed > self._size:
            self._allocate(min(max(needed, 2 * self._size, 1024), 2 * self.capacity + 1))
        slots = np.arange(self.filled, needed)
        self.filled = needed
        return rows, slots

    def set_priorities(self, rows: np.ndarray, slots: np.ndarray, prio: np.ndarray) -> None:
        """The priorities of the chosen rows (``prio``: of every row of the batch)."""
        self.priority[slots] = prio[rows]

    def put_values(
        self,
        column: int,
        rows: np.ndarray,
        slots: np.ndarray,
        value_rows: np.ndarray,
        keys: np.ndarray,
        n_rows: int,
    ) -> None:
        """Store the values of a multi-valued column in the chosen rows (``rows``, indices into
        a batch of ``n_rows`` rows, at ``slots``): ``keys`` of the batch's values and
        ``value_rows`` the row of each. Call ``seal_values`` once the batch's priorities are set."""
        position = np.full(n_rows, -1, dtype=np.int64)
        position[rows] = np.arange(rows.shape[0])
        of_value = position[value_rows]
        taken = of_value >= 0
        of_value = of_value[taken]
        order = np.argsort(of_value, kind="stable")  # row by row, in the order of ``rows``
        sizes = np.bincount(of_value, minlength=rows.shape[0]).astype(np.int64)
        self.values.put(column, slots, sizes, keys[taken][order])

    def seal_values(self) -> None:
        """The batch's priorities are set: name its rows' values by them."""
        self.values.seal(self.priority, self._threshold, self.capacity)

    def indicator_codes(self, index: int, key: int) -> np.ndarray:
        """Multi-valued column ``index`` on the kept rows (after ``finish``), as the indicator
        of the value ``key``: ``int32`` code 2 where a row holds it, 1 where not. The column's
        own storage (it has no codes) is handed back."""
        holds = self.values.holds(index, self.priority[: self.filled], key)
        self._unmoved.discard(index)
        self._release(index)
        self._rows[index] = np.zeros(0, dtype=_NARROW)
        codes: np.ndarray = holds.astype(np.int32) + 1
        return codes

    def put_target(self, rows: np.ndarray, slots: np.ndarray, target_codes: np.ndarray) -> None:
        self.target[slots] = target_codes[rows]

    def put_column(
        self,
        column: int,
        rows: np.ndarray,
        slots: np.ndarray,
        codes: np.ndarray,
        *,
        largest: int | None = None,
    ) -> None:
        """Store one column's codes of the chosen rows; ``largest``, when the caller knows it,
        bounds them (else their maximum is taken: at 10,000 columns that pass over every
        code cost 0.6 CPU-seconds of the pass)."""
        # slots are consecutive (``choose``), and while the sample is filling every row of a
        # batch enters: plain copies then, not an indexed gather and scatter (wide tables
        # spend seconds here)
        if slots.shape[0] == 0:
            return
        values = codes if rows.shape[0] == codes.shape[0] else codes[rows]
        self._fit(column, int(values.max()) if largest is None else largest)
        start = int(slots[0])
        self._rows[column][start : start + slots.shape[0]] = values

    def remap_column(self, column: int, remap: np.ndarray) -> None:
        """Bring stored codes of a column up to date after its counter re-encoded."""
        self._move(column)
        if remap.shape[0]:
            self._fit(column, int(remap.max()))
        row = self._rows[column][: self.filled]
        # np.take into the row itself (numpy buffers the overlap): half the time of
        # ``remap[row]``, which converts the codes to a new intp index array first
        np.take(remap.astype(row.dtype, copy=False), row, out=row)

    def remap_target(self, mapping: np.ndarray) -> None:
        self.target[: self.filled] = mapping[self.target[: self.filled]]

    def merge(self, other: RowSample) -> None:
        """Add another sample (same columns, codes already in this sample's code space)."""
        self._move_all()
        other._move_all()
        needed = self.filled + other.filled
        for column, row in enumerate(other._rows):
            if row.dtype == _WIDE:
                self._fit(column, _NARROW_MAX + 1)
        if needed > self._size:
            self._allocate(needed)
        for column, row in enumerate(other._rows):
            self._rows[column][self.filled : needed] = row[: other.filled]
        self.target[self.filled : needed] = other.target[: other.filled]
        self.priority[self.filled : needed] = other.priority[: other.filled]
        self.values.merge(other.values)
        self.filled = needed
        self.compact()

    def column(self, index: int) -> np.ndarray:
        """Column ``index``'s stored codes (``uint16`` or ``int32``; a view)."""
        self._move(index)
        return self._rows[index][: self.filled]

    def final_codes(
        self, index: int, recode: np.ndarray | None = None, *, narrow: bool = False
    ) -> np.ndarray:
        """Column ``index``'s codes as a contiguous ``int32`` array, mapped through ``recode``
        (old code -> new) when given. The column's storage is handed back on the way, so a
        wide sample is converted column by column without a second copy of itself; the
        column cannot be read from the sample afterwards. With ``narrow``, a column stored
        as ``uint16`` whose mapped codes all fit stays ``uint16``, in its own storage: a
        wide sample then takes no new memory at all (1,000 x 200,000 ``int32`` codes were
        0.8 GB and 200,000 page faults)."""
        if index in self._unmoved:
            return self._gathered(index, recode, narrow=narrow)
        row = self.column(index)
        stays = narrow and row.dtype == _NARROW and _fits_narrow(recode)
        codes: np.ndarray
        if stays and recode is None:
            self._slots.pop(index, None)  # the result is a view of its pages: not handed back
            self._rows[index] = np.zeros(0, dtype=_NARROW)
            return row
        if recode is not None:
            codes = np.take(recode.astype(_NARROW if stays else _WIDE, copy=False), row)
        elif row.dtype == _WIDE:
            codes = np.ascontiguousarray(row)
        else:
            codes = row.astype(_WIDE)
        self._release(index)
        self._rows[index] = np.zeros(0, dtype=_NARROW)
        return codes

    def stored(
        self, index: int, recode: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Column ``index``'s codes as ``final_codes(index, recode)`` would make them, unmade:
        ``(row, slots, first, then)``, sample row ``slots[p]``'s code being
        ``then[first[row[p]]]`` (``stats.pairs.Gather``; None: ``slots[p]`` is ``p``, a map
        none). Nothing moves and the storage stays: it is valid until the column is read
        (``column``, ``final_codes``)."""
        if index in self._unmoved:
            places = self._places
            return self._rows[index][: places.shape[0]], places, self._recode[index], recode
        return self._rows[index][: self.filled], None, recode, None

    def target_codes(self) -> np.ndarray:
        return self.target[: self.filled]
