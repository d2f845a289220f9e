"""Build hook: compile the numba kernels ahead of time (everything else is in pyproject.toml).

The extension ``outrank_cli.kernels._compiled`` has no C sources: ``outrank_cli.kernels.aot``
generates it with numba's pycc from the ``@njit`` kernels. It is optional: if it cannot be
built, for whatever reason (no C compiler, a numba without pycc, a compiler error), the build
warns and leaves it out, and the package runs its kernels through numba's JIT instead, only
with about a third of a second more start-up per run.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
# setuptools sends the root logger's warnings to stderr; this logger propagates to it
LOG = logging.getLogger("outrank_cli.build")

FALLBACK_WARNING = "warning: outrank-cli: could not build the compiled kernels ({module}): {reason}"
FALLBACK_CONSEQUENCE = (
    "outrank-cli will run its kernels through numba's JIT instead: the first run compiles "
    "them (a few seconds, cached on disk), later runs start about 0.3 s slower. "
    "Reinstall with a working C compiler to get the compiled kernels."
)


def _one_line(error: BaseException) -> str:
    """``Type: first line of the message``: pycc's messages run over several lines."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


class BuildKernels(build_ext):
    def build_extension(self, ext: Extension) -> None:
        target = Path(self.get_ext_fullpath(ext.name))
        try:
            sys.path.insert(0, str(HERE))
            try:
                from outrank_cli.kernels.aot import compile_kernels
            finally:
                sys.path.remove(str(HERE))
            compile_kernels(target.parent, target.name)
        except Exception as error:
            # ``Extension(optional=True)`` forgives only compiler errors, but pycc raises
            # RuntimeError when it finds no compiler, and ImportError once numba drops pycc.
            # A linker that failed halfway may have left a broken module: keep it (and any
            # module from an earlier build) out of the wheel.
            target.unlink(missing_ok=True)
            LOG.warning(
                "%s\n  %s",
                FALLBACK_WARNING.format(module=ext.name, reason=_one_line(error)),
                FALLBACK_CONSEQUENCE,
            )


setup(
    ext_modules=[Extension("outrank_cli.kernels._compiled", sources=[], optional=True)],
    cmdclass={"build_ext": BuildKernels},
)
