"""Target encoding: streamed class labels, and equal-frequency bins of a numeric target."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outrank_cli.count.counter import ColumnCounter
from outrank_cli.encode.keys import Family, keys_of
from outrank_cli.encode.target import (
    INTEGER_CLASS_LIMIT,
    STRING_CLASS_LIMIT,
    BinnedTarget,
    ClassTarget,
    TargetKind,
    TargetNeedsBinning,
    kind_for,
)
from outrank_cli.errors import TargetError


def encode_batches(target: ClassTarget, series: pl.Series, cuts: list[int]) -> np.ndarray:
    bounds = [0, *cuts, series.len()]
    parts = [target.encode(keys_of(series[lo:hi], target.family)) for lo, hi in itertools.pairwise(bounds)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def first_seen_order(values: list[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values:
        if v is not None:
            seen.setdefault(v, None)
    return list(seen)


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.sampled_from(["yes", "no", "maybe", "", "ü"])), max_size=60),
    data=st.data(),
)
def test_class_target_codes_and_counts(values: list[str | None], data: Any) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=5)))
    target = ClassTarget("y", Family.STRING)
    codes = encode_batches(target, pl.Series("y", values, dtype=pl.String), cuts)
    assert codes.dtype == np.int32
    labels = first_seen_order(values)
    # codes 0..R-1 in order of first sight across batches, -1 for missing
    expected = [-1 if v is None else labels.index(v) for v in values]
    assert codes.tolist() == expected
    assert target.n_levels == len(labels)
    counts = Counter(v for v in values if v is not None)
    assert target.class_counts.tolist() == [counts[label] for label in labels]


def test_class_target_integers_and_booleans() -> None:
    target = ClassTarget("y", Family.INTEGER)
    codes = target.encode(keys_of(pl.Series([3, 1, None, 3, 2]), Family.INTEGER))
    assert codes.tolist() == [0, 1, -1, 0, 2]
    assert target.class_counts.tolist() == [2, 1, 1]
    flags = ClassTarget("y", Family.BOOLEAN)
    codes = flags.encode(keys_of(pl.Series([True, False, None, True]), Family.BOOLEAN))
    assert codes.tolist() == [0, 1, -1, 0]
    assert flags.class_counts.tolist() == [2, 1]


def test_class_target_grows_past_its_first_table() -> None:
    values = [f"class {i % 300}" for i in range(900)]
    target = ClassTarget("y", Family.STRING)
    codes = encode_batches(target, pl.Series("y", values), [10, 450])
    assert target.n_levels == 300
    assert codes.tolist() == [i % 300 for i in range(900)]
    assert target.class_counts.tolist() == [3] * 300


def test_integer_target_with_too_many_values_needs_binning() -> None:
    at_limit = ClassTarget("y", Family.INTEGER)
    at_limit.encode(keys_of(pl.Series(list(range(INTEGER_CLASS_LIMIT))), Family.INTEGER))
    assert at_limit.n_levels == INTEGER_CLASS_LIMIT
    over = ClassTarget("y", Family.INTEGER)
    with pytest.raises(TargetNeedsBinning):
        over.encode(keys_of(pl.Series(list(range(INTEGER_CLASS_LIMIT + 1))), Family.INTEGER))
    # also when the extra value comes in a later batch
    later = ClassTarget("y", Family.INTEGER)
    later.encode(keys_of(pl.Series(list(range(INTEGER_CLASS_LIMIT))), Family.INTEGER))
    with pytest.raises(TargetNeedsBinning):
        later.encode(keys_of(pl.Series([10_000]), Family.INTEGER))
    floats = ClassTarget("y", Family.FLOAT)
    with pytest.raises(TargetNeedsBinning):
        floats.encode(keys_of(pl.Series([i / 7 for i in range(200)]), Family.FLOAT))


def test_text_target_with_too_many_values_is_an_error() -> None:
    target = ClassTarget("label", Family.STRING)
    with pytest.raises(TargetError, match=f"more than {STRING_CLASS_LIMIT} distinct text"):
        target.encode(keys_of(pl.Series([f"v{i}" for i in range(STRING_CLASS_LIMIT + 1)]), Family.STRING))


def test_kind_for() -> None:
    assert kind_for(2, binned=False) is TargetKind.BINARY
    assert kind_for(3, binned=False) is TargetKind.MULTICLASS
    assert kind_for(16, binned=True) is TargetKind.NUMERIC


# -- binned target ------------------------------------------------------------------------------
def prepass(
    series: pl.Series,
    family: Family,
    *,
    max_levels: int = 65_536,
    n_bins: int = 16,
    batch: int = 1000,
) -> BinnedTarget:
    """What the pipeline's target pre-pass does: count the column alone, then fix the bins."""
    counter = ColumnCounter(series.name, family, max_levels=max_levels, n_target_levels=1)
    for lo in range(0, series.len(), batch):
        part = series[lo : lo + batch]
        counter.update(keys_of(part, family), np.zeros(part.len(), dtype=np.int32))
    return BinnedTarget.from_counts(counter.result(), n_bins=n_bins)


def test_zero_one_float_target_is_two_classes() -> None:
    values = [0.0, 1.0, 1.0, None, 0.0, 1.0, math.nan, -0.0]
    series = pl.Series("y", values, dtype=pl.Float64)
    target = prepass(series, Family.FLOAT, batch=3)
    assert target.n_levels == 2
    assert not target.binned
    assert target.class_counts.tolist() == [3, 3]
    assert target.edges == []
    codes = target.encode(keys_of(series, Family.FLOAT))
    assert codes.tolist() == [0, 1, 1, -1, 0, 1, -1, 0]


def test_few_whole_numbers_are_classes_in_value_order() -> None:
    series = pl.Series("y", [5.0, -2.0, 5.0, 3.0, 3.0, 3.0])
    target = prepass(series, Family.FLOAT)
    assert not target.binned
    assert target.n_levels == 3
    assert target.class_counts.tolist() == [1, 3, 2]  # -2, 3, 5
    assert target.encode(keys_of(series, Family.FLOAT)).tolist() == [2, 0, 2, 1, 1, 1]


@pytest.mark.parametrize("max_levels", [65_536, 1024])
@pytest.mark.parametrize("distribution", ["normal", "lognormal", "uniform"])
def test_continuous_target_gets_about_n_bins_equal_classes(max_levels: int, distribution: str) -> None:
    rng = np.random.default_rng(0)
    n, n_bins = 20_000, 16
    values = {
        "normal": rng.standard_normal(n),
        "lognormal": rng.lognormal(0.0, 2.0, n),
        "uniform": rng.uniform(-5.0, 5.0, n),
    }[distribution]
    series = pl.Series("y", values)
    target = prepass(series, Family.FLOAT, max_levels=max_levels, n_bins=n_bins)
    assert target.binned
    assert n_bins - 2 <= target.n_levels <= n_bins
    assert target.class_counts.sum() == n
    share = target.class_counts / n
    assert np.all(np.abs(share - 1 / n_bins) < 0.5 / n_bins), share
    # encoding the same values reproduces the counts, and bins follow the value order
    codes = target.encode(keys_of(series, Family.FLOAT))
    np.testing.assert_array_equal(np.bincount(codes, minlength=target.n_levels), target.class_counts)
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(codes[order]) >= 0)
    # the edges are increasing and split the values where the codes change
    assert len(target.edges) == target.n_levels - 1
    assert all(a < b for a, b in zip(target.edges, target.edges[1:], strict=False))
    for i, edge in enumerate(target.edges):
        assert values[codes == i].max() < edge <= values[codes == i + 1].min()


def test_integer_target_with_many_values_is_binned() -> None:
    values = list(range(1000)) * 3
    series = pl.Series("y", values)
    target = prepass(series, Family.INTEGER, n_bins=10)
    assert target.binned
    assert target.n_levels == 10
    assert target.class_counts.tolist() == [300] * 10
    assert target.edges == [float(100 * i) for i in range(1, 10)]


def test_binned_target_missing_values_get_minus_one() -> None:
    values = [float(i) + 0.5 for i in range(200)] + [None, math.nan]
    series = pl.Series("y", values, dtype=pl.Float64)
    target = prepass(series, Family.FLOAT, n_bins=4)
    codes = target.encode(keys_of(series, Family.FLOAT))
    assert codes[-2:].tolist() == [-1, -1]
    assert np.bincount(codes[:-2]).tolist() == [50, 50, 50, 50]


def test_unsigned_integer_target_edges_are_values() -> None:
    # the same numbers as UInt64 must give the same bins and edges as Int64
    values = list(range(1000)) * 3
    signed = prepass(pl.Series("y", values, dtype=pl.Int64), Family.INTEGER, n_bins=10)
    unsigned = prepass(pl.Series("y", values, dtype=pl.UInt64), Family.INTEGER, n_bins=10)
    assert unsigned.class_counts.tolist() == signed.class_counts.tolist()
    assert unsigned.edges == signed.edges
