"""Numba kernels: numpy arrays in, arrays or scalars out (DESIGN invariant 6).

Each module has private jitted kernels (``_name``) behind small public wrappers that check
dtypes and shapes. Nothing here imports polars, rich or typer.

Importing numba and loading the compiled kernels costs about half a second, so the stages
that use kernels reach them through ``lazy_module``: the import happens on first use, which
lets ``warmup`` do it on a side thread while polars is already reading the input.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any

_lock = threading.Lock()

# a free slot of the dictionary hash tables (kernels.encoding)
EMPTY_SLOT = -1


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
