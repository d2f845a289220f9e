"""Turn a polars Series into 64-bit keys: the only place that knows about column dtypes.

Strings (and categoricals, binaries) are hashed by polars; booleans, integers and temporal
values keep their order in an order-preserving key; floats get the IEEE-754 order key, so
shifting a key right merges neighbouring values (the numeric grid of DESIGN invariant 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl

from outrank_cli.kernels import lazy_module

encoding = lazy_module("outrank_cli.kernels.encoding")

_SIGN_BIT = np.uint64(1 << 63)
_ALL_BITS = np.uint64(0xFFFFFFFFFFFFFFFF)
NO_MISSING = np.zeros(0, dtype=np.bool_)


class Family(StrEnum):
    """How a column's values are keyed."""

    STRING = "string"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    FLOAT = "float"

    @property
    def ordered(self) -> bool:
        return self._value_ in _ORDERED  # not ``in (Family.INTEGER, ...)``: slow member lookups


_ORDERED = frozenset({Family.INTEGER.value, Family.FLOAT.value})


def family_of(dtype: pl.DataType) -> Family | None:
    """The key family for a polars dtype, or None when the dtype is not supported."""
    if dtype == pl.Boolean:
        return Family.BOOLEAN
    if dtype.is_float() or dtype.is_decimal():
        return Family.FLOAT
    if dtype.is_integer() or dtype.is_temporal():
        return Family.INTEGER
    if dtype in (pl.String, pl.Categorical, pl.Binary) or isinstance(dtype, pl.Categorical | pl.Enum):
        return Family.STRING
    if dtype == pl.Null:
        return Family.STRING
    return None


@dataclass(frozen=True, slots=True)
class Keys:
    """``keys``: ``uint64[n]``; ``missing``: ``bool[n]``, or empty when nothing is missing."""

    keys: np.ndarray
    missing: np.ndarray


def float_order_keys(values: np.ndarray) -> Keys:
    """Order-preserving keys of ``float64`` values; NaN is missing, -0.0 equals 0.0."""
    keys, nan, n_nan = encoding.float_keys(values)
    return Keys(keys, nan if n_nan else NO_MISSING)


def integer_order_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving keys of ``int64`` values (flip the sign bit)."""
    return np.ascontiguousarray(values, dtype=np.int64).view(np.uint64) ^ _SIGN_BIT


def keys_of(series: pl.Series, family: Family) -> Keys:
    """Keys of one batch of a column."""
    if family is Family.FLOAT:  # nulls become NaN, which the key kernel marks missing
        floats = series.cast(pl.Float64)
        if floats.null_count():
            floats = floats.fill_null(float("nan"))
        return float_order_keys(floats.to_numpy())
    missing = series.is_null().to_numpy() if series.null_count() else NO_MISSING
    if family is Family.STRING:
        if series.dtype != pl.String:
            series = series.cast(pl.String)
        return Keys(series.hash().to_numpy(), missing)
    # fill_null runs a whole polars query (about 0.1 ms a call, which a 1,000-column table pays
    # 1,000 times a batch): only columns that have nulls pay it
    if family is Family.BOOLEAN:
        flags = series.fill_null(False) if missing.size else series
        return Keys(flags.to_numpy().astype(np.uint64), missing)
    if family is Family.INTEGER:
        # to_physical is a polars query too: only dates and times need it
        physical = series.to_physical() if series.dtype.is_temporal() else series
        if missing.size:
            physical = physical.fill_null(0)
        values = physical.to_numpy()
        if values.dtype == np.uint64:
            # values past 2**63 wrap to negative keys: still distinct, only their order is off
            values = values.view(np.int64)
        elif values.dtype != np.int64:
            values = values.astype(np.int64)
        return Keys(integer_order_keys(values), missing)
    raise AssertionError(f"no keys for family {family}")  # pragma: no cover


def key_to_value(key: int, family: Family) -> float:
    """Invert an ordered key back to its number (for bin edges in reports)."""
    k = np.uint64(key)
    if family is Family.INTEGER:
        return float(np.array([k ^ _SIGN_BIT], dtype=np.uint64).view(np.int64)[0])
    bits = k ^ _SIGN_BIT if (k & _SIGN_BIT) else k ^ _ALL_BITS
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])
