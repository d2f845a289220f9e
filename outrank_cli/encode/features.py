"""From a column's counts to the table the statistics use: its kind, its bins, its levels."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from outrank_cli.encode.binning import equal_frequency_bins
from outrank_cli.encode.cells import sum_rows
from outrank_cli.encode.keys import Family
from outrank_cli.encode.target import INTEGER_CLASS_LIMIT


class FeatureKind(StrEnum):
    CATEGORICAL = "categorical"
    NUMERIC = "numeric"


@dataclass(frozen=True, slots=True)
class ColumnCounts:
    """Final counts of one column: what the statistics stage needs.

    ``table`` is ``int64[n_levels + 1, n_target_levels]`` with row 0 for missing values;
    ``level_keys`` (``uint64[n_levels + 1]``) are the cell keys of the rows (entry 0 unused)
    at ``key_shift``; ``distinct`` is the distinct non-missing value count (exact when
    ``distinct_exact``); ``folded`` says whether levels are hash buckets.
    """

    name: str
    family: Family
    table: np.ndarray
    level_keys: np.ndarray
    key_shift: int
    distinct: int
    distinct_exact: bool
    folded: bool


@dataclass(frozen=True, slots=True)
class EncodedFeature:
    """A feature ready for statistics: ``table`` rows are levels (row 0 = missing)."""

    name: str
    kind: FeatureKind
    table: np.ndarray
    levels: int
    levels_exact: bool
    missing_share: float
    bins: int | None
    code_map: np.ndarray | None  # counted code -> row of ``table`` (numeric bins); None = same


def kind_of(counts: ColumnCounts) -> FeatureKind:
    """Floats are numeric; integers are numeric unless they have few exact values."""
    if counts.family is Family.FLOAT:
        return FeatureKind.NUMERIC
    if counts.family is Family.INTEGER:
        few = counts.key_shift == 0 and counts.distinct_exact and counts.distinct <= INTEGER_CLASS_LIMIT
        return FeatureKind.CATEGORICAL if few else FeatureKind.NUMERIC
    return FeatureKind.CATEGORICAL


def encode_feature(counts: ColumnCounts, *, bins: int) -> EncodedFeature:
    """Bin numeric columns (equal frequency over their grid cells); keep others as counted."""
    kind = kind_of(counts)
    table = counts.table
    n_bins: int | None = None
    code_map: np.ndarray | None = None
    if kind is FeatureKind.NUMERIC and table.shape[0] > 1:
        cells = table[1:]
        bin_of_cell = equal_frequency_bins(counts.level_keys[1:], cells.sum(axis=1), n_bins=bins)
        n_bins = int(bin_of_cell.max()) + 1 if bin_of_cell.size else 0
        binned = np.empty((n_bins + 1, table.shape[1]), dtype=np.int64)
        binned[0] = table[0]
        binned[1:] = sum_rows(cells, bin_of_cell, n_bins)
        table = binned
        code_map = np.concatenate([[0], bin_of_cell + 1]).astype(np.int32)
    total = int(table.sum())
    return EncodedFeature(
        name=counts.name,
        kind=kind,
        table=table,
        levels=counts.distinct,
        levels_exact=counts.distinct_exact,
        missing_share=float(table[0].sum() / total) if total else 0.0,
        bins=n_bins,
        code_map=code_map,
    )
