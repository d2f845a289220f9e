"""Load the kernels in a background thread while the input is being opened.

With the ahead-of-time compiled kernels this takes a millisecond. With the JIT fallback,
the first call of a cached numba kernel in a process loads numba's code generator (about a
third of a second, mostly Python imports); doing that on a side thread overlaps it with
polars reading the schema and the first batch, which run outside the GIL.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

_started = threading.Event()


def _touch_kernels() -> None:
    # a failure here (a bad OUTRANK_CLI_KERNELS, say) is raised again, and reported, by the
    # pass's own first call of the kernel; a side thread has no one to report it to
    with contextlib.suppress(Exception):
        _call_each_kernel()


def _call_each_kernel() -> None:
    from outrank_cli.kernels import encoding, hashing, information

    keys = np.arange(4, dtype=np.uint64)
    no_missing = np.zeros(0, dtype=np.bool_)
    targets = np.zeros(4, dtype=np.int32)
    slot_keys = np.zeros(16, dtype=np.uint64)
    slot_codes = np.full(16, encoding.EMPTY_SLOT, dtype=np.int32)
    counts = np.zeros((9, 1), dtype=np.int64)
    encoding.encode_count(
        keys,
        no_missing,
        targets,
        start=0,
        key_shift=0,
        slot_keys=slot_keys,
        slot_codes=slot_codes,
        level_keys=np.zeros(9, dtype=np.uint64),
        n_levels_box=np.zeros(1, dtype=np.int64),
        max_levels=8,
        counts=counts,
        out_codes=np.zeros(4, dtype=np.int32),
    )
    information.mutual_information(np.ones((2, 2), dtype=np.int64))
    information.expected_mutual_information(np.array([2, 2]), np.array([1, 3]))
    information.entropy(np.array([1, 1]))
    hashing.hll_add(hashing.new_hll(), keys)


def warm_up_in_background() -> None:
    """Start loading the kernels on a daemon thread (once per process)."""
    if _started.is_set():
        return
    _started.set()
    from outrank_cli.kernels.backend import backend_name

    if backend_name() == "compiled":  # nothing to load
        return
    threading.Thread(target=_touch_kernels, name="outrank-warmup", daemon=True).start()
