"""outrank-cli: rank the columns of large tables by cardinality-corrected mutual information.

The library API lives in submodules (``outrank_cli.rank.rank_table``); importing the package
itself is cheap so that ``outrank-cli --help`` starts fast. The version is written here (the
build reads it from this line): asking ``importlib.metadata`` costs 25 ms per run.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
