"""Statistics from count tables only: entropies, MI, expected MI, corrections, p-values.

``relevance`` scores one feature's table against the target (the ``CORRECTIONS`` registry),
``ranking`` scores and orders every feature of a pass, ``pairs`` computes redundancy and
conditional relevance of two features on the row sample, ``chisquare`` and
``outrank_compat`` are the calibrated p-value's tail and OutRank's background score.
"""
