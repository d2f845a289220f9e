"""Per-column work on the thread pool in chunks of columns, not one task per column.

A pool task costs some 30-70 us of Python under the GIL (the future, its lock and condition,
the queue); a 10,000-column table that submitted a task per column for each batch, for the
end of the pass, for its views and for its scores spent seconds on that alone. Chunks keep
the tasks at a few hundred per stage whatever the width, which is still enough to keep
every thread busy to the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TypeVar, overload

T = TypeVar("T")
R = TypeVar("R")

# tasks per stage at most: chunks of ceil(items / MAX_TASKS) items
MAX_TASKS = 256


def chunks(items: Sequence[T], *, max_tasks: int = MAX_TASKS) -> list[Sequence[T]]:
    """``items`` cut, in order, into at most ``max_tasks`` runs of equal length (the last
    may be shorter)."""
    if max_tasks < 1:
        raise ValueError(f"max_tasks must be at least 1, got {max_tasks}")
    size = max(1, -(-len(items) // max_tasks))
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_in_chunks(
    pool: Executor, function: Callable[[T], R], items: Sequence[T], *, max_tasks: int = MAX_TASKS
) -> list[R]:
    """``[function(item) for item in items]``, computed on ``pool`` a chunk per task."""

    def run(chunk: Sequence[T]) -> list[R]:
        return [function(item) for item in chunk]

    return map_by_chunk(pool, run, items, max_tasks=max_tasks)


def map_by_chunk(
    pool: Executor,
    function: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    max_tasks: int = MAX_TASKS,
) -> list[R]:
    """The results of ``function`` on each chunk of ``items`` (one per item, in order),
    concatenated: per-column work that does part of its job for a whole chunk at once."""
    return [result for part in pool.map(function, chunks(items, max_tasks=max_tasks)) for result in part]


def pool_width(pool: Executor) -> int:
    """How many tasks ``pool`` runs side by side (1 when it does not say)."""
    if isinstance(pool, ThreadPoolExecutor):
        return max(1, pool._max_workers)
    return 1


class OnDemand(Sequence[T]):
    """Items ``make(0) .. make(n - 1)``, each made once, when first read (from any thread):
    per-column work that only some columns need (the sample codes a greedy search reads)."""

    def __init__(self, make: Callable[[int], T], n: int) -> None:
        self._make = make
        self._items: list[T | None] = [None] * n
        self._locks = [threading.Lock() for _ in range(n)]

    def __len__(self) -> int:
        return len(self._items)

    def read(self, index: int, made: Callable[[T], R], unmade: Callable[[], R]) -> R:
        """``made`` of item ``index`` if it is made, else ``unmade()``, during which no thread
        makes it (so ``unmade`` may read what making it would consume)."""
        with self._locks[index]:
            item = self._items[index]
            return unmade() if item is None else made(item)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        position = range(len(self._items))[index]  # negative indices, and IndexError
        item = self._items[position]
        if item is None:
            with self._locks[position]:
                item = self._items[position]
                if item is None:
                    item = self._items[position] = self._make(position)
        return item
