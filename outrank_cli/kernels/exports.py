"""The exported kernels: name, numba module and exact signature (no numba import here).

One table serves both sides: ``kernels.aot`` compiles each entry with this signature, and
``kernels.backend`` checks every call of the compiled module against it. The check matters:
ahead-of-time code trusts its arguments, so an array of the wrong dtype or layout would be
read as garbage (or crash) instead of raising.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_DTYPES = {
    "b1": np.dtype(np.bool_),
    "u1": np.dtype(np.uint8),
    "i4": np.dtype(np.int32),
    "i8": np.dtype(np.int64),
    "u8": np.dtype(np.uint64),
    "f8": np.dtype(np.float64),
}


@dataclass(frozen=True, slots=True)
class Arg:
    """A C-contiguous ``dtype`` array of ``ndim`` dimensions, or a scalar (``ndim == 0``)."""

    dtype: str
    ndim: int = 1

    @property
    def numba_type(self) -> str:
        if self.ndim == 0:
            return self.dtype
        return f"{self.dtype}[{', '.join([':'] * (self.ndim - 1) + ['::1'])}]"

    def problem(self, value: object) -> str | None:
        """Why ``value`` cannot be passed as this argument, or None when it can."""
        if self.ndim == 0:
            kinds = (int, np.integer) if self.dtype in ("i4", "i8") else (float, int, np.floating, np.integer)
            if isinstance(value, kinds) and not isinstance(value, bool | np.bool_):
                return None
            return f"expected a {self.dtype} scalar, got {type(value).__name__}"
        if not isinstance(value, np.ndarray):
            return f"expected an array, got {type(value).__name__}"
        if value.dtype != _DTYPES[self.dtype] or value.ndim != self.ndim or not value.flags.c_contiguous:
            layout = "C-contiguous" if value.flags.c_contiguous else "strided"
            return (
                f"expected a C-contiguous {_DTYPES[self.dtype]} array of {self.ndim} dimension(s), "
                f"got a {layout} {value.dtype} array of {value.ndim}"
            )
        return None


@dataclass(frozen=True, slots=True)
class Export:
    module: str  # in outrank_cli.kernels.njit
    returns: str  # numba type string
    args: tuple[Arg, ...]

    @property
    def signature(self) -> str:
        return f"{self.returns}({', '.join(a.numba_type for a in self.args)})"


I8 = Arg("i8", 0)

EXPORTS: dict[str, Export] = {
    "encode_count": Export(
        "encoding",
        "Tuple((i8, i8))",
        (
            Arg("u8"),
            Arg("b1"),
            Arg("i4"),
            I8,
            I8,
            Arg("u8"),
            Arg("i4"),
            Arg("u8"),
            Arg("i8"),
            I8,
            Arg("i8", 2),
            Arg("i4"),
        ),
    ),
    "fold_count": Export("encoding", "void", (Arg("u8"), Arg("b1"), Arg("i4"), I8, Arg("i8", 2), Arg("i4"))),
    "insert_levels": Export("encoding", "void", (Arg("u8"), I8, Arg("u8"), Arg("i4"))),
    "bucket_of": Export("encoding", "i8[::1]", (Arg("u8"), I8)),
    "float_keys": Export("encoding", "i8", (Arg("f8"), Arg("u8"), Arg("b1"))),
    "hll_add": Export("hashing", "void", (Arg("u1"), Arg("u8"), Arg("b1"))),
    "entropy": Export("information", "f8", (Arg("f8"),)),
    "mutual_information": Export("information", "f8", (Arg("f8", 2),)),
    "expected_mutual_information": Export("information", "f8", (Arg("f8"), Arg("f8"), Arg("f8"))),
    "pair_table": Export(
        "joint", "Tuple((i8[::1], i8[::1], i8[:, ::1]))", (Arg("i4"), Arg("i4"), Arg("i4"), I8, I8)
    ),
    "conditional_mi": Export("joint", "UniTuple(f8, 3)", (Arg("i8"), Arg("i8", 2))),
    "pair_mi": Export("joint", "UniTuple(f8, 4)", (Arg("i8"), Arg("i8"), Arg("f8"), I8, I8)),
    "permutation_mi": Export("permutation", "f8[::1]", (Arg("i8"), Arg("i8"), I8, I8)),
}


def source_hash() -> int:
    """A 63-bit hash of everything compiled into the kernels: the numba sources, the shared
    constants and this table. A compiled module built from other sources is not used."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in [here / "constants.py", here / "exports.py", *sorted((here / "njit").glob("*.py"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return int.from_bytes(digest.digest()[:8], "little") >> 1
