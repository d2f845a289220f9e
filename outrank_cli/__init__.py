"""outrank-cli: rank the columns of large tables by cardinality-corrected mutual information.

The library API lives in submodules (``outrank_cli.rank.rank_table``); importing the package
itself is cheap so that ``outrank-cli --help`` starts fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("outrank-cli")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
