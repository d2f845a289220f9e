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
    passed by name, as to the JIT kernel).

    The common case (the arguments' usual types) is one test written out for the kernel's
    own arguments, in a function generated for it: a wide table makes hundreds of thousands
    of calls, and a loop over the arguments with a test function for each took a second of
    ``check`` at 10,000 columns, under the interpreter lock. Anything unusual goes through
    the full check and its message."""
    name = export.name
    arity = len(export.args)
    names = ", ".join(arg.name for arg in export.args)

    def full(args: tuple[object, ...]) -> Any:
        if len(args) != arity:
            raise TypeError(f"kernel {name} takes {arity} arguments ({names}), got {len(args)}")
        for position, (spec, value) in enumerate(zip(export.args, args, strict=True)):
            problem = spec.problem(value)
            if problem is not None:
                raise TypeError(f"kernel {name}, argument {position} ({spec.name}): {problem}")
        return function(*args)

    def bind(args: tuple[object, ...], keywords: dict[str, object]) -> tuple[object, ...]:
        return _bind(export, args, keywords)

    values = [f"_{position}" for position in range(arity)]
    scope: dict[str, Any] = {
        "_function": function,
        "_full": full,
        "_bind": bind,
        "_binder": _named_binder(export),
        "_ndarray": np.ndarray,
    }
    tests = []
    for position, (arg, value) in enumerate(zip(export.args, values, strict=True)):
        tests.append(_quick_test(arg, value, position, scope))
    unpack = f"        {', '.join(values)}, = args\n" if arity else ""
    source = (
        f"def {name}(*args, **keywords):\n"
        f"    if keywords:\n"
        f"        try:\n"
        f"            args = _binder(*args, **keywords)\n"
        f"        except TypeError:\n"
        f"            args = _bind(args, keywords)\n"
        f"    if len(args) == {arity}:\n"
        f"{unpack}"
        f"        if {' and '.join(tests) or 'True'}:\n"
        f"            return _function(*args)\n"
        f"    return _full(args)\n"
    )
    exec(compile(source, f"<kernel {name}>", "exec"), scope)
    call: Callable[..., Any] = scope[name]
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


def _named_binder(export: Export) -> Callable[..., tuple[object, ...]]:
    """``(*args, **keywords)`` -> the arguments in order, bound by the kernel's argument names
    (Python's own binding: a TypeError when they do not fit)."""
    scope: dict[str, Any] = {}
    parameters = ", ".join(arg.name for arg in export.args)
    exec(f"def binder({parameters}):\n    return ({''.join(a.name + ', ' for a in export.args)})\n", scope)
    binder: Callable[..., tuple[object, ...]] = scope["binder"]
    return binder


def _quick_test(arg: Arg, value: str, position: int, scope: dict[str, Any]) -> str:
    """A Python expression that is true when ``value`` passes ``arg.problem`` for the usual
    types (an ndarray of the right dtype, a Python int or float in range); false sends it to
    the full check. Names it needs go into ``scope``."""
    if arg.ndim == 0:
        bounds = INTEGER_RANGES.get(arg.dtype)
        if bounds is None:  # a float: a Python float or int will do (bool is an int: not here)
            scope["_float64"] = np.float64
            return f"(type({value}) is float or type({value}) is int or type({value}) is _float64)"
        low, high = bounds
        # a numpy scalar of the kernel's own type is in range by construction (hash words
        # and seeds are np.uint64: 100,000 calls at 10,000 columns took the full check)
        scope[f"_own{position}"] = DTYPES[arg.dtype].type
        return f"((type({value}) is int and {low} <= {value} <= {high}) or type({value}) is _own{position})"
    scope[f"_dtype{position}"] = DTYPES[arg.dtype]
    return (
        f"(type({value}) is _ndarray and {value}.dtype == _dtype{position} and {value}.ndim == {arg.ndim}"
        f" and {value}.flags.c_contiguous)"
    )


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
