"""The ``@numba.njit`` kernels: the one source of every kernel.

``kernels.aot`` compiles them ahead of time into ``kernels._compiled`` when the package is
built; ``kernels.backend`` uses that module when it matches these sources and otherwise
jit-compiles them from here (numba's on-disk cache keeps that to the first run). Only the
wrapper modules one level up should call them.
"""
