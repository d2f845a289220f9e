"""From a column's counts to the table the statistics use: its kind, its bins, its levels."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from outrank_cli.encode.cells import row_totals
from outrank_cli.encode.keys import Family
from outrank_cli.encode.target import INTEGER_CLASS_LIMIT
from outrank_cli.kernels import lazy_module


class FeatureKind(StrEnum):
    CATEGORICAL = "categorical"
    NUMERIC = "numeric"
    MULTIVALUE = "multivalue"


@dataclass(frozen=True, slots=True)
class ColumnCounts:
    """Final counts of one column: what the statistics stage needs.

    ``table`` is ``int64[n_levels + 1, n_target_levels]`` with row 0 for missing values;
    ``level_keys`` (``uint64[n_levels + 1]``) are the cell keys of the rows (entry 0 unused)
    at ``key_shift``; ``distinct`` is the distinct non-missing value count (exact when
    ``distinct_exact``); ``folded`` says whether levels are hash buckets. ``categories`` is the
    categorical view (``int64[max_levels + 1, R]``, hash buckets) of an ordered column whose
    grid was coarsened; while its keys stay exact, ``table`` itself is that view.
    """

    name: str
    family: Family
    table: np.ndarray
    level_keys: np.ndarray
    key_shift: int
    distinct: int
    distinct_exact: bool
    folded: bool
    categories: np.ndarray | None = None  # an ordered column's folded categorical view, if any


@dataclass(frozen=True, slots=True)
class EncodedFeature:
    """One view of a feature, ready for statistics: ``table`` rows are levels (row 0 = missing).

    ``code_map`` takes a counted code to its row of ``table`` (numeric bins; None: the same).
    The row sample holds counted codes; ``sample_map`` / ``sample_levels`` give the codes the
    pairwise statistics use (the view itself, except for a folded categorical view, whose
    buckets the sample cannot know: it is paired through the column's numeric bins).
    ``forced`` says the view was chosen by ``--categorical`` / ``--numeric``. A multi-valued
    view has no codes in the row sample until it is scored: then ``value_key`` is its best
    value, and the sample holds the indicator of that value (``RowSample.indicator_codes``).
    """

    name: str
    kind: FeatureKind
    table: np.ndarray
    levels: int
    levels_exact: bool
    missing_share: float
    bins: int | None
    code_map: np.ndarray | None
    sample_map: np.ndarray | None = None
    sample_levels: int = 0
    forced: bool = False
    value_key: int | None = None

    @property
    def ordered(self) -> bool:
        """Bins in order, three or more with rows: the view the trend test applies to (on
        two levels a trend is any association, which the chi-square already tests)."""
        return self.kind is FeatureKind.NUMERIC and int(np.count_nonzero(row_totals(self.table[1:]))) > 2


# a float column with at most this many distinct values is also tried as categories
FEW_FLOAT_VALUES = INTEGER_CLASS_LIMIT

binning = lazy_module("outrank_cli.kernels.binning")


def encode_views(
    counts: ColumnCounts, *, bins: int, forced: str | None = None, multivalue: bool = False, rows: int = 0
) -> tuple[EncodedFeature, ...]:
    """The views a feature is scored in (the better one is reported; see README "Encoding").

    Text and boolean columns: categories. Integers and dates: categories and the numeric grid
    (``forced`` keeps one). Floats: the numeric grid, and categories as well when they have
    at most ``FEW_FLOAT_VALUES`` exact values. Multi-valued columns: their values (``rows``,
    the rows with a target, gives their missing share: the rows without any value).
    """
    if multivalue:
        view = _view(counts, FeatureKind.MULTIVALUE, counts.table, sample_levels=1)
        empty = float(counts.table[0].sum())
        return (replace(view, missing_share=empty / rows if rows else 0.0),)
    if forced == FeatureKind.CATEGORICAL or not counts.family.ordered:
        return (_view(counts, FeatureKind.CATEGORICAL, counts.table, forced=forced is not None),)
    numeric = _numeric(counts, bins=bins, forced=forced is not None)
    if forced == FeatureKind.NUMERIC:
        return (numeric,)
    exact = counts.key_shift == 0 and counts.categories is None
    if counts.family is Family.INTEGER or (
        exact and counts.distinct_exact and counts.distinct <= FEW_FLOAT_VALUES
    ):
        if counts.categories is not None:  # folded: the sample pairs it through the bins
            categorical = _view(
                counts,
                FeatureKind.CATEGORICAL,
                counts.categories,
                sample_map=numeric.code_map,
                sample_levels=numeric.table.shape[0],
            )
        else:
            categorical = _view(counts, FeatureKind.CATEGORICAL, counts.table)
        # on a tie the family's own view wins: categories for integers, bins for floats
        return (categorical, numeric) if counts.family is Family.INTEGER else (numeric, categorical)
    return (numeric,)


def _view(
    counts: ColumnCounts,
    kind: FeatureKind,
    table: np.ndarray,
    *,
    code_map: np.ndarray | None = None,
    bins: int | None = None,
    sample_map: np.ndarray | None = None,
    sample_levels: int | None = None,
    forced: bool = False,
) -> EncodedFeature:
    total = int(table.sum())
    return EncodedFeature(
        name=counts.name,
        kind=kind,
        table=table,
        levels=counts.distinct,
        levels_exact=counts.distinct_exact,
        missing_share=float(table[0].sum() / total) if total else 0.0,
        bins=bins,
        code_map=code_map,
        sample_map=code_map if sample_map is None and sample_levels is None else sample_map,
        sample_levels=int(table.shape[0]) if sample_levels is None else sample_levels,
        forced=forced,
    )


def _numeric(counts: ColumnCounts, *, bins: int, forced: bool) -> EncodedFeature:
    """Equal-frequency bins over the column's grid cells."""
    table = counts.table
    if table.shape[0] <= 1:
        return _view(counts, FeatureKind.NUMERIC, table, forced=forced)
    if bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {bins}")
    # one compiled pass over the cells in key order (after a pass they always are; otherwise
    # they are put in key order first, and the code map taken back to their own order)
    keys = counts.level_keys
    fused = binning.binned_table(table, keys, n_bins=bins)
    if fused is None:
        rows = np.concatenate([[0], np.argsort(keys[1:], kind="stable") + 1])
        fused = binning.binned_table(table[rows], keys[rows], n_bins=bins)
        if fused is None:
            raise ValueError(f"column {counts.name!r}: its cells' keys repeat")
        binned, in_key_order = fused
        code_map = np.empty_like(in_key_order)
        code_map[rows] = in_key_order
    else:
        binned, code_map = fused
    return _view(
        counts, FeatureKind.NUMERIC, binned, code_map=code_map, bins=binned.shape[0] - 1, forced=forced
    )
