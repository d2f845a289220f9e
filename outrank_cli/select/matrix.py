"""Normalized redundancy between every two of a few columns, for the HTML heatmap of ``select``.

Only the HTML report asks for it, and only for the columns it shows (bounded by ``MAX_COLUMNS``),
on the same row sample as the search; the JSON report does not carry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from outrank_cli.select.greedy import SearchPath
from outrank_cli.stats.pairs import SampleColumns, pair_stats

MAX_COLUMNS = 30


@dataclass(frozen=True, slots=True)
class RedundancyMatrix:
    """``normalized[i][j]``: adjusted normalized MI of ``names[i]`` and ``names[j]`` (1 on the
    diagonal, symmetric), on the row sample."""

    names: tuple[str, ...]
    normalized: tuple[tuple[float, ...], ...]


def heatmap_columns(path: SearchPath, *, limit: int) -> list[str]:
    """The selected features (in order) and then the dropped ones most redundant with them, at
    most ``limit`` in all; at least a third of the places go to dropped columns when there are any."""
    redundant = sorted(
        (d for d in path.dropped if d.redundancy_normalized is not None),
        key=lambda d: -(d.redundancy_normalized or 0.0),
    )
    keep_dropped = min(len(redundant), limit // 3) if redundant else 0
    selected = [s.name for s in path.selected][: max(limit - keep_dropped, 0)]
    dropped = [d.name for d in redundant][: limit - len(selected)]
    return selected + dropped


def redundancy_matrix(
    columns: SampleColumns, names: Sequence[str], *, pool: ThreadPoolExecutor
) -> RedundancyMatrix:
    """The pairwise normalized redundancy of ``names`` (at most ``MAX_COLUMNS``) on the sample."""
    names = list(names)[:MAX_COLUMNS]
    position = {n: i for i, n in enumerate(columns.names)}
    index = [position[n] for n in names]
    pairs = [(i, j) for i in range(len(index)) for j in range(i + 1, len(index))]
    values = pool.map(
        lambda ij: pair_stats(columns, index[ij[0]], index[ij[1]], with_target=False).redundancy_normalized,
        pairs,
    )
    matrix = [[1.0] * len(index) for _ in index]
    for (i, j), value in zip(pairs, values, strict=True):
        matrix[i][j] = matrix[j][i] = float(value)
    return RedundancyMatrix(names=tuple(names), normalized=tuple(tuple(row) for row in matrix))
