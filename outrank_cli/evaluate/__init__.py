"""``evaluate``: what a downstream model loses on a subset of the columns (optional extra).

``crossval`` loads a row sample into memory and cross-validates scikit-learn's
histogram gradient boosting on all feature columns and on each subset; ``matrix`` makes the
model's matrix (categories, target encodings, multi-valued indicators); ``subsets`` reads
subsets from names files and ``select`` JSON reports. scikit-learn is imported only here,
and only when an evaluation runs (``pip install 'outrank-cli[evaluate]'``).
"""

from outrank_cli.evaluate.crossval import EvaluateResult, Subset, SubsetScore, evaluate_subsets
from outrank_cli.evaluate.subsets import read_subset, select_subsets
from outrank_cli.options import EvaluateOptions

__all__ = [
    "EvaluateOptions",
    "EvaluateResult",
    "Subset",
    "SubsetScore",
    "evaluate_subsets",
    "read_subset",
    "select_subsets",
]
