"""``evaluate``: what a downstream model loses on a subset of the columns (optional extra).

``crossval`` loads a row sample into memory and cross-validates scikit-learn's
histogram gradient boosting on all feature columns and on each subset; ``matrix`` makes the
model's matrix (categories, target encodings, multi-valued indicators); ``subsets`` reads
subsets from names files and ``select`` JSON reports; ``shortest`` finds the shortest start
of ``select``'s order within a loss of all columns (``--within``). scikit-learn is imported only here,
and only when an evaluation runs (``pip install 'outrank-cli[evaluate]'``).
"""

from outrank_cli.evaluate.crossval import EvaluateResult, Subset, SubsetScore, evaluate_subsets
from outrank_cli.evaluate.shortest import Shortest, ShortestFound, Tried, Within
from outrank_cli.evaluate.subsets import read_subset, select_subsets, select_within
from outrank_cli.options import EvaluateOptions

__all__ = [
    "EvaluateOptions",
    "EvaluateResult",
    "Shortest",
    "ShortestFound",
    "Subset",
    "SubsetScore",
    "Tried",
    "Within",
    "evaluate_subsets",
    "read_subset",
    "select_subsets",
    "select_within",
]
