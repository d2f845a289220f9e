"""Compile the numba kernels ahead of time into ``outrank_cli.kernels._compiled`` (build time).

Run by ``setup.py`` when the package is built (``pip install``), or by hand:
``python -m outrank_cli.kernels.aot DIRECTORY``. The result is a plain CPython extension
that needs numpy but not numba at run time. It is compiled for a generic CPU of the build
machine's architecture (so a wheel runs anywhere), releases the GIL like the ``nogil`` JIT
kernels, and records ``exports.source_hash()`` so that ``kernels.backend`` can tell whether
it still matches the sources. Which kernels are compiled, and with what signature, comes from
the ``@export`` markers and annotations of the ``@njit`` sources (``kernels.exports``).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

from outrank_cli.kernels.exports import export_table, source_hash

MODULE_NAME = "_compiled"


def _release_the_gil() -> None:
    """pycc compiles its exports without ``nogil``; ask for it as ``@njit(nogil=True)`` does,
    so the counting threads run in parallel as they do with the JIT kernels."""
    pycc_compiler: Any = importlib.import_module("numba.pycc.compiler")
    plain_flags = pycc_compiler.Flags

    def flags_without_gil() -> Any:
        flags = plain_flags()
        flags.release_gil = True
        return flags

    pycc_compiler.Flags = flags_without_gil


def compile_kernels(output_dir: str | Path, output_file: str | None = None) -> Path:
    """Build the extension module into ``output_dir`` and return its path."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending-deprecation notice
        pycc: Any = importlib.import_module("numba.pycc")

    _release_the_gil()
    cc = pycc.CC(MODULE_NAME)
    cc.output_dir = str(output_dir)
    if output_file is not None:
        cc.output_file = output_file
    for name, export in export_table().items():
        module = importlib.import_module(f"outrank_cli.kernels.njit.{export.module}")
        cc.export(name, export.signature)(getattr(module, name).py_func)
    digest = source_hash()

    def hash_of_sources() -> int:
        return digest

    cc.export("source_hash", "i8()")(hash_of_sources)
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    cc.compile()
    return Path(output_dir) / (output_file or cc.output_file)


if __name__ == "__main__":
    print(compile_kernels(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent))
