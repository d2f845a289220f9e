"""Choosing features: the greedy subset search (``select``) and redundant pairs (``redundancy``).

``criteria`` is the registry of greedy criteria by name, ``greedy`` the search itself,
``subset`` the ``select`` run, ``redundancy`` the ``redundancy`` run.
"""

from outrank_cli.options import PassOptions, RedundancyOptions, SearchOptions
from outrank_cli.select.redundancy import RedundancyResult, RedundantPair, redundant_pairs
from outrank_cli.select.subset import SelectResult, select_features

__all__ = [
    "PassOptions",
    "RedundancyOptions",
    "RedundancyResult",
    "RedundantPair",
    "SearchOptions",
    "SelectResult",
    "redundant_pairs",
    "select_features",
]
