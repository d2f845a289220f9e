"""Which kernels run: the ahead-of-time compiled module, or numba's JIT as the fallback.

``kernels._compiled`` is built by ``kernels.aot`` when the package is installed. Loading it
takes a millisecond; importing numba and loading even cached JIT kernels takes about a third
of a second, which on small tables is most of the run. The compiled module is used only
when its source hash matches the numba sources on disk (an edited kernel in a development
checkout falls back to the JIT, never to stale machine code), and every call into it is
checked against the signature it was compiled for (``kernels.exports`` reads it from the
annotations of the ``@njit`` sources).

``OUTRANK_CLI_KERNELS`` chooses: ``auto`` (the default: compiled when usable, else JIT),
``compiled`` (fail if the compiled module is unusable) or ``jit``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from outrank_cli.errors import UsageError
from outrank_cli.kernels.exports import DTYPES, INTEGER_RANGES, Arg, Export, export_table, source_hash

ENVIRONMENT_VARIABLE = "OUTRANK_CLI_KERNELS"
MODES = ("auto", "compiled", "jit")


class KernelBackendError(UsageError):
    """``OUTRANK_CLI_KERNELS`` asks for something this installation cannot do."""


def _mode() -> str:
    mode = os.environ.get(ENVIRONMENT_VARIABLE, "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise KernelBackendError(
            f"{ENVIRONMENT_VARIABLE}={mode!r} is not a kernel backend; use one of {', '.join(MODES)}"
        )
    return mode


@functools.cache
def _compiled_module() -> ModuleType | None:
    mode = _mode()
    if mode == "jit":
        return None
    problem = None
    try:
        module = importlib.import_module("outrank_cli.kernels._compiled")
    except ImportError as error:
        problem = f"the compiled kernels are not installed ({error})"
    else:
        if module.source_hash() == source_hash():
            return module
        problem = "the compiled kernels were built from other sources (reinstall the package)"
    if mode == "compiled":
        raise KernelBackendError(f"{ENVIRONMENT_VARIABLE}=compiled but {problem}")
    return None


def backend_name() -> str:
    """``"compiled"`` or ``"jit"``: what ``kernel()`` returns functions from."""
    return "jit" if _compiled_module() is None else "compiled"


def _checked(function: Callable[..., Any], export: Export) -> Callable[..., Any]:
    """``function`` behind a check of every argument against ``export`` (arguments may be
    passed by name, as to the JIT kernel)."""
    name = export.name
    arity = len(export.args)
    names = ", ".join(arg.name for arg in export.args)

    accepts = tuple(_acceptor(arg) for arg in export.args)

    def call(*args: object, **keywords: object) -> Any:
        if keywords:
            args = _bind(export, args, keywords)
        # the common case in a few attribute checks an argument (a wide table makes hundreds
        # of thousands of calls); anything unusual goes through the full check and its message
        if len(args) == arity:
            for test, value in zip(accepts, args, strict=True):
                if not test(value):
                    break
            else:
                return function(*args)
        if len(args) != arity:
            raise TypeError(f"kernel {name} takes {arity} arguments ({names}), got {len(args)}")
        for position, (spec, value) in enumerate(zip(export.args, args, strict=True)):
            problem = spec.problem(value)
            if problem is not None:
                raise TypeError(f"kernel {name}, argument {position} ({spec.name}): {problem}")
        return function(*args)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = export.doc
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=a.numba_type)
            for a in export.args
        ],
        return_annotation=export.returns,
    )
    return call


def _acceptor(arg: Arg) -> Callable[[object], bool]:
    """A quick test that ``value`` passes ``arg.problem`` for the usual types (an ndarray of
    the right dtype, a Python int or float in range); False sends it to the full check."""
    if arg.ndim == 0:
        bounds = INTEGER_RANGES.get(arg.dtype)
        if bounds is None:  # a float: a Python float or int will do (bool is an int: not here)
            return lambda value: type(value) is float or type(value) is int or type(value) is np.float64
        low, high = bounds
        # a numpy scalar of the kernel's own type is in range by construction (hash words
        # and seeds are np.uint64: 100,000 calls at 10,000 columns took the full check)
        own = DTYPES[arg.dtype].type

        def in_range(value: object) -> bool:
            return (type(value) is int and low <= value <= high) or type(value) is own

        return in_range
    dtype, ndim = DTYPES[arg.dtype], arg.ndim

    def test(value: object) -> bool:
        return (
            type(value) is np.ndarray
            and value.dtype == dtype
            and value.ndim == ndim
            and value.flags.c_contiguous
        )

    return test


def _bind(export: Export, args: tuple[object, ...], keywords: dict[str, object]) -> tuple[object, ...]:
    """``args`` followed by the remaining arguments, taken from ``keywords`` by name."""
    bound = list(args)
    for spec in export.args[len(args) :]:
        if spec.name not in keywords:
            raise TypeError(f"kernel {export.name} is missing argument {spec.name}")
        bound.append(keywords.pop(spec.name))
    if keywords:
        raise TypeError(f"kernel {export.name} got unexpected argument(s) {', '.join(keywords)}")
    return tuple(bound)


@functools.cache
def kernel(name: str) -> Callable[..., Any]:
    """The kernel ``name`` (a key of ``exports.export_table()``), from the chosen backend."""
    export = export_table()[name]
    compiled = _compiled_module()
    if compiled is not None:
        return _checked(getattr(compiled, name), export)
    module = importlib.import_module(f"outrank_cli.kernels.njit.{export.module}")
    function: Callable[..., Any] = getattr(module, name)
    return function
