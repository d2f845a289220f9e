"""The kernels' argument and result types, written as annotations (no numba import here).

Each alias is ``Annotated[<Python type>, "<numba type>"]``: mypy sees the Python type, and
``kernels.exports`` reads the numba type from the kernel sources (without importing them) to
compile each ``@export`` kernel ahead of time and to check every call of the compiled module.
So a kernel's signature is written once, on the ``@njit`` function itself.

Arrays are one- or two-dimensional and C-contiguous (``[::1]``, ``[:, ::1]``): the compiled
code indexes them as such, and the call check rejects anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeAlias, TypeVar

import numpy as np

B1Array: TypeAlias = Annotated[np.ndarray, "b1[::1]"]
U1Array: TypeAlias = Annotated[np.ndarray, "u1[::1]"]
U2Array: TypeAlias = Annotated[np.ndarray, "u2[::1]"]
I4Array: TypeAlias = Annotated[np.ndarray, "i4[::1]"]
I8Array: TypeAlias = Annotated[np.ndarray, "i8[::1]"]
U8Array: TypeAlias = Annotated[np.ndarray, "u8[::1]"]
F8Array: TypeAlias = Annotated[np.ndarray, "f8[::1]"]
U1Matrix: TypeAlias = Annotated[np.ndarray, "u1[:, ::1]"]
I8Matrix: TypeAlias = Annotated[np.ndarray, "i8[:, ::1]"]
F8Matrix: TypeAlias = Annotated[np.ndarray, "f8[:, ::1]"]
U8Matrix: TypeAlias = Annotated[np.ndarray, "u8[:, ::1]"]
I4Matrix: TypeAlias = Annotated[np.ndarray, "i4[:, ::1]"]

I8: TypeAlias = Annotated[int, "i8"]
U8: TypeAlias = Annotated[int, "u8"]
F8: TypeAlias = Annotated[float, "f8"]

Kernel = TypeVar("Kernel", bound=Callable[..., object])


def export(kernel: Kernel) -> Kernel:
    """Mark a kernel as part of the compiled module (write it above ``@nb.njit``).

    It does nothing at run time: ``kernels.exports`` finds the marker in the source text.
    Every argument and the result of an exported kernel must be annotated with the aliases
    above (or an inline ``Annotated[..., "<numba type>"]``); ``tuple[...]`` of them and
    ``None`` are allowed as results.
    """
    return kernel
