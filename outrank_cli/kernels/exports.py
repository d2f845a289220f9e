"""The exported kernels and their signatures, read from the ``@njit`` sources (no numba import).

A kernel's signature is written once, as annotations on its ``@njit`` function in
``kernels.njit`` (the aliases of ``kernels.njit.types``), and a kernel is exported by writing
``@export`` above its ``@nb.njit``. This module reads those from the source text: importing
the kernel modules would import numba, which the compiled backend exists to avoid.

One table serves both sides: ``kernels.aot`` compiles each export with its signature, and
``kernels.backend`` checks every call of the compiled module against it. The check matters:
ahead-of-time code trusts its arguments, so an array of the wrong dtype or layout would be
read as garbage (or crash) instead of raising.

Only the signatures of the exported kernels are parsed, not whole modules (a full parse of
``kernels.njit`` takes about 5 ms): reading the table takes about 1.5 ms, once per process.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

HERE = Path(__file__).parent
KERNEL_DIR = HERE / "njit"
TYPES_MODULE = "types"  # kernels.njit.types: the annotation aliases, no kernels
EXPORT_MARKER = "@export"
_MAX_HEADER_LINES = 40

DTYPES = {
    "b1": np.dtype(np.bool_),
    "u1": np.dtype(np.uint8),
    "u2": np.dtype(np.uint16),
    "i4": np.dtype(np.int32),
    "i8": np.dtype(np.int64),
    "u8": np.dtype(np.uint64),
    "f8": np.dtype(np.float64),
}
_SCALAR_DTYPES = ("i4", "i8", "u8", "f8")
INTEGER_RANGES = {"i4": (-(2**31), 2**31 - 1), "i8": (-(2**63), 2**63 - 1), "u8": (0, 2**64 - 1)}
_NUMBA_TYPE = re.compile(r"(?P<dtype>[a-z]\w*)(?:\[(?P<dims>[^\]]*)\])?")


class SignatureError(ValueError):
    """A kernel source whose exported signature cannot be read (a build-time mistake)."""


@dataclass(frozen=True, slots=True)
class Arg:
    """Argument ``name``: a C-contiguous ``dtype`` array of ``ndim`` dimensions, or a scalar
    (``ndim == 0``)."""

    name: str
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
            return self._scalar_problem(value)
        if not isinstance(value, np.ndarray):
            return f"expected an array, got {type(value).__name__}"
        if value.dtype != DTYPES[self.dtype] or value.ndim != self.ndim or not value.flags.c_contiguous:
            layout = "C-contiguous" if value.flags.c_contiguous else "strided"
            return (
                f"expected a C-contiguous {DTYPES[self.dtype]} array of {self.ndim} dimension(s), "
                f"got a {layout} {value.dtype} array of {value.ndim}"
            )
        return None

    def _scalar_problem(self, value: object) -> str | None:
        bounds = INTEGER_RANGES.get(self.dtype)
        kinds = (int, np.integer) if bounds else (float, int, np.floating, np.integer)
        if not isinstance(value, kinds) or isinstance(value, bool | np.bool_):
            return f"expected an {self.dtype} scalar, got {type(value).__name__}"
        if bounds and not bounds[0] <= int(value) <= bounds[1]:
            return f"expected an {self.dtype} scalar in [{bounds[0]}, {bounds[1]}], got {value}"
        return None


@dataclass(frozen=True, slots=True)
class Export:
    """Kernel ``name`` of module ``kernels.njit.<module>``: its arguments and result."""

    name: str
    module: str
    returns: str  # numba type string
    args: tuple[Arg, ...]
    doc: str | None = None

    @property
    def signature(self) -> str:
        """The numba signature, e.g. ``"i8[::1](u8[::1], i8)"``."""
        return f"{self.returns}({', '.join(a.numba_type for a in self.args)})"


@functools.cache
def _kernel_sources() -> tuple[tuple[str, bytes], ...]:
    """``(module name, source)`` of every file in ``kernels.njit``, in name order."""
    return tuple((path.stem, path.read_bytes()) for path in sorted(KERNEL_DIR.glob("*.py")))


def source_hash() -> int:
    """A 63-bit hash of everything compiled into the kernels: the numba sources (with their
    annotations), the shared constants and this reader. A compiled module built from other
    sources is not used."""
    digest = hashlib.sha256()
    files = [(name, (HERE / f"{name}.py").read_bytes()) for name in ("constants", "exports")]
    for name, source in [*files, *_kernel_sources()]:
        digest.update(f"{name}.py".encode())
        digest.update(source)
    return int.from_bytes(digest.digest()[:8], "little") >> 1


@functools.cache
def export_table() -> Mapping[str, Export]:
    """Every ``@export`` kernel of ``kernels.njit``, by name, in source order."""
    sources = dict(_kernel_sources())
    aliases = _aliases(sources.pop(TYPES_MODULE).decode())
    table: dict[str, Export] = {}
    for module, source in sources.items():
        for export in _exports_of(source.decode(), module, aliases):
            if export.name in table:
                raise SignatureError(
                    f"kernel {export.name} is exported by both njit/{table[export.name].module}.py "
                    f"and njit/{module}.py; rename one"
                )
            table[export.name] = export
    return MappingProxyType(table)


def _aliases(types_source: str) -> dict[str, str]:
    """``{alias: numba type}`` for each ``Alias: TypeAlias = Annotated[..., "numba type"]``."""
    aliases = {}
    for statement in ast.parse(types_source).body:
        target: ast.expr
        if isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        else:
            continue
        numba_type = _annotated_type(value)
        if isinstance(target, ast.Name) and numba_type is not None:
            aliases[target.id] = numba_type
    return aliases


def _exports_of(source: str, module: str, aliases: Mapping[str, str]) -> Iterator[Export]:
    """The exports of one kernel module: each ``@export`` line starts one."""
    lines = source.splitlines()
    for number, line in enumerate(lines):
        if line.rstrip() == EXPORT_MARKER:
            where = f"njit/{module}.py line {number + 1}"
            yield _export_of(_function_at(lines, number, where), module, aliases, where)


def _function_at(lines: list[str], first: int, where: str) -> ast.FunctionDef:
    """The ``def`` that starts at ``lines[first]`` (its decorators, signature and docstring;
    the body is not parsed). The signature ends at the first line ending in ``:`` after which
    the text so far parses as a function."""
    for last in range(first, min(first + _MAX_HEADER_LINES, len(lines))):
        if not lines[last].rstrip().endswith(":"):
            continue
        header = "\n".join(lines[first : last + 1])
        try:
            module = ast.parse(f"{header}\n{_docstring_after(lines, last)}    pass\n")
        except SyntaxError:
            continue
        function = module.body[0]
        if not isinstance(function, ast.FunctionDef):
            break
        return function
    raise SignatureError(f"{where}: no function definition follows {EXPORT_MARKER}")


def _docstring_after(lines: list[str], header_end: int) -> str:
    """The lines of the docstring that opens the body after ``lines[header_end]``, if any."""
    if header_end + 1 >= len(lines):
        return ""
    opening = lines[header_end + 1].strip()
    if not opening.startswith('"""'):
        return ""
    if opening.count('"""') >= 2 and len(opening) > 3:
        return lines[header_end + 1] + "\n"
    for last in range(header_end + 2, len(lines)):
        if '"""' in lines[last]:
            return "\n".join(lines[header_end + 1 : last + 1]) + "\n"
    return ""


def _export_of(function: ast.FunctionDef, module: str, aliases: Mapping[str, str], where: str) -> Export:
    parameters = function.args
    if (
        parameters.posonlyargs
        or parameters.vararg
        or parameters.kwonlyargs
        or parameters.kwarg
        or parameters.defaults
    ):
        raise SignatureError(
            f"{where}: exported kernel {function.name} must take plain positional arguments "
            "(no defaults, *args, keyword-only arguments or **kwargs): the compiled module "
            "is called positionally"
        )
    args = []
    for parameter in parameters.args:
        numba_type = _numba_type(parameter.annotation, aliases)
        if numba_type is None:
            raise SignatureError(
                f"{where}: argument {parameter.arg} of exported kernel {function.name} has no "
                f"numba type; annotate it with an alias from kernels.njit.types (known: {', '.join(aliases)})"
            )
        args.append(_arg(parameter.arg, numba_type, f"{where}: {function.name}"))
    returns = _numba_type(function.returns, aliases, result=True)
    if returns is None:
        raise SignatureError(
            f"{where}: the result of exported kernel {function.name} has no numba type; annotate it "
            "with an alias from kernels.njit.types, a tuple[...] of them, or None"
        )
    # the docstring as written: cleaning it costs more than the rest, and help() cleans it anyway
    return Export(function.name, module, returns, tuple(args), ast.get_docstring(function, clean=False))


def _arg(name: str, numba_type: str, where: str) -> Arg:
    match = _NUMBA_TYPE.fullmatch(numba_type.replace(" ", ""))
    dtype = match["dtype"] if match else None
    if match is None or dtype not in DTYPES:
        raise SignatureError(
            f"{where}: argument {name} has type {numba_type!r}; use one of {', '.join(DTYPES)}"
        )
    if match["dims"] is None:
        if dtype not in _SCALAR_DTYPES:
            raise SignatureError(
                f"{where}: scalar argument {name} is {dtype}; use one of {', '.join(_SCALAR_DTYPES)}"
            )
        return Arg(name, dtype, 0)
    dims = match["dims"].split(",")
    if dims[-1] != "::1" or any(d != ":" for d in dims[:-1]):
        raise SignatureError(
            f"{where}: array argument {name} is {numba_type!r}; exported arrays are C-contiguous "
            "('u8[::1]', 'i8[:, ::1]')"
        )
    return Arg(name, dtype, len(dims))


def _numba_type(node: ast.expr | None, aliases: Mapping[str, str], *, result: bool = False) -> str | None:
    """The numba type an annotation stands for, or None when it names none."""
    if node is None:
        return None
    if result and isinstance(node, ast.Constant) and node.value is None:
        return "void"
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if result and isinstance(node, ast.Subscript) and _name_of(node.value) == "tuple":
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        types = [_numba_type(item, aliases) for item in items]
        if not types or any(t is None for t in types):
            return None
        if len(set(types)) == 1:
            return f"UniTuple({types[0]}, {len(types)})"
        return f"Tuple(({', '.join(t for t in types if t is not None)}))"
    return _annotated_type(node)


def _annotated_type(node: ast.expr) -> str | None:
    """The string of ``Annotated[<type>, "<numba type>"]`` (or ``typing.Annotated[...]``)."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple):
        return None
    last = node.slice.elts[-1]
    if _name_of(node.value) == "Annotated" and isinstance(last, ast.Constant) and isinstance(last.value, str):
        return last.value
    return None


def _name_of(node: ast.expr) -> str | None:
    """``name`` for ``name`` and ``module.name``."""
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None
