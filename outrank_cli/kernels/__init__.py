"""Numba kernels: numpy arrays in, arrays or scalars out (DESIGN invariant 6).

The kernels are written once, as ``@numba.njit`` functions in ``kernels.njit``, with their
signatures as annotations (``kernels.njit.types``). They run from the module ``kernels.aot``
compiles ahead of time when the package is installed, or from numba's JIT when that module
is missing or stale (``kernels.backend`` decides; ``kernels.exports`` reads the signatures
from the sources). The modules here (``encoding``, ``hashing``, ``information``, ``joint``,
``permutation``) are the small public wrappers that convert dtypes, allocate outputs and
check shapes. Nothing here imports polars, rich or typer.

With the JIT, importing numba and loading even cached kernels costs about a third of a
second, so the stages reach the wrappers through ``lazy_module``: the import happens on
first use, which lets ``warmup`` do it on a side thread while polars is already reading.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any

import numpy as np

from outrank_cli.kernels.constants import EMPTY_SLOT as EMPTY_SLOT

_lock = threading.Lock()


class _LazyModule(ModuleType):
    """A stand-in that imports the real module on first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._target = name

    def __getattr__(self, attribute: str) -> Any:
        with _lock:
            module = importlib.import_module(self._target)
            # later lookups find the attributes directly, without coming back here
            self.__dict__.update({k: v for k, v in module.__dict__.items() if not k.startswith("__")})
        return getattr(module, attribute)


def lazy_module(name: str) -> Any:
    """``name`` imported when first used (typed ``Any``: call through it like the module)."""
    return _LazyModule(name)


def code_array(codes: np.ndarray) -> np.ndarray:
    """A code column as the kernels take it: C-contiguous ``uint16`` codes as they are (the
    kernels that read every column of a sample have ``uint16`` twins), anything else as
    ``int32``."""
    if codes.dtype == np.uint16:
        return np.ascontiguousarray(codes)
    return np.ascontiguousarray(codes, dtype=np.int32)
