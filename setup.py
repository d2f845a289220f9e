"""Build hook: compile the numba kernels ahead of time (everything else is in pyproject.toml).

The extension ``outrank_cli.kernels._compiled`` has no C sources: ``outrank_cli.kernels.aot``
generates it with numba's pycc from the ``@njit`` kernels. It is optional: if it cannot be
built (no C compiler, say), the package still installs and runs its kernels through numba's
JIT, only with about a third of a second more start-up per run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent


class BuildKernels(build_ext):
    def build_extension(self, ext: Extension) -> None:
        sys.path.insert(0, str(HERE))
        try:
            from outrank_cli.kernels.aot import compile_kernels
        finally:
            sys.path.remove(str(HERE))
        target = Path(self.get_ext_fullpath(ext.name))
        compile_kernels(target.parent, target.name)


setup(
    ext_modules=[Extension("outrank_cli.kernels._compiled", sources=[], optional=True)],
    cmdclass={"build_ext": BuildKernels},
)
