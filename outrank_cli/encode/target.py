"""Target encoding: class labels to codes, or a numeric target to equal-frequency bins.

A class target (strings, booleans, integers with few values) is dictionary-encoded as it
streams. A numeric target cannot be binned in the same pass without knowing its
distribution, so the pipeline first reads the target column alone (cheap for Parquet: one
column) and fixes the bin of every grid cell; see ``BinnedTarget``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from outrank_cli.encode.binning import equal_frequency_bins
from outrank_cli.encode.dictionary import HashDictionary
from outrank_cli.encode.keys import Family, Keys, key_to_value
from outrank_cli.errors import TargetError

if TYPE_CHECKING:
    from outrank_cli.encode.features import ColumnCounts

# an integer column with more distinct values than this is numeric (binned), fewer: classes
INTEGER_CLASS_LIMIT = 64
STRING_CLASS_LIMIT = 1000


class TargetKind(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    NUMERIC = "numeric"


class TargetNeedsBinning(Exception):
    """An integer target turned out to have too many values to be classes."""


def kind_for(n_levels: int, *, binned: bool) -> TargetKind:
    if binned:
        return TargetKind.NUMERIC
    return TargetKind.BINARY if n_levels == 2 else TargetKind.MULTICLASS


class ClassTarget:
    """Streams class labels into codes ``0..R-1`` (-1 for missing), growing ``R`` as needed.

    Codes are given in order of first sight while streaming; ``canonical_order`` then maps
    them to the order of the labels (numbers by value, text alphabetically), so results
    do not depend on which label came first or on which worker saw it.
    """

    binned = False

    def __init__(self, name: str, family: Family) -> None:
        self.name = name
        self.family = family
        self.limit = INTEGER_CLASS_LIMIT if family.ordered else STRING_CLASS_LIMIT
        self.labels: list[str] = []
        self.levels = HashDictionary(1)

    @property
    def n_levels(self) -> int:
        return self.levels.n_levels

    @property
    def class_counts(self) -> np.ndarray:
        """Rows per class, ``int64[R]``."""
        return self.levels.counts[1 : self.n_levels + 1, 0].copy()

    def _too_many(self) -> Exception:
        if self.family.ordered:
            return TargetNeedsBinning()
        return TargetError(
            f"target column {self.name!r} has more than {self.limit} distinct text "
            "values; a target must be a class label or a number; choose another "
            "--target or convert it to a number"
        )

    def encode(self, keys: Keys, values: Any = None) -> np.ndarray:
        """Codes of one batch; ``values`` (the batch's labels) spell levels seen first here."""
        codes = np.empty(keys.keys.shape[0], dtype=np.int32)
        every_row = np.zeros(keys.keys.shape[0], dtype=np.int32)
        before = self.n_levels
        _, done = self.levels.encode_count(
            keys, every_row, start=0, key_shift=0, max_levels=self.limit, out_codes=codes
        )
        if not done:
            raise self._too_many()
        for code in range(before + 1, self.n_levels + 1):
            if values is None:
                self.labels.append(_key_label(int(self.levels.level_keys[code]), self.family))
            else:
                value = values[int(np.argmax(codes == code))]
                self.labels.append(_value_label(value))
        return codes - 1  # dictionary code 0 is missing -> -1 (row dropped)

    def merge(self, other: ClassTarget) -> np.ndarray:
        """Add ``other``'s classes; returns where each of its codes went (``int32[R_other]``)."""
        mapping = np.empty(other.n_levels, dtype=np.int32)
        levels = self.levels
        for code in range(other.n_levels):
            key = other.levels.level_keys[code + 1]
            found = np.flatnonzero(levels.keys() == key)
            if found.size:
                mapping[code] = found[0]
            else:
                if self.n_levels >= self.limit:
                    raise self._too_many()
                if self.n_levels + 1 >= levels.level_keys.shape[0]:
                    levels.grow()
                levels.n_box[0] += 1
                levels.level_keys[self.n_levels] = key
                self.labels.append(other.labels[code])
                mapping[code] = self.n_levels - 1
            levels.counts[mapping[code] + 1, 0] += other.levels.counts[code + 1, 0]
        levels.reindex()
        return mapping

    def canonical_order(self) -> np.ndarray | None:
        """Reorder classes by label (numbers by value); returns old code -> new code, or None
        when no class moves (then nothing counted under the codes needs remapping: checking
        that once here, not in each of 10,000 columns' tables, saves 0.2 s of a wide pass)."""
        n = self.n_levels
        levels = self.levels
        keys = levels.keys()
        if self.family.ordered or self.family is Family.BOOLEAN:
            order = np.argsort(keys, kind="stable")
        else:
            order = np.array(sorted(range(n), key=lambda i: self.labels[i]), dtype=np.int64)
        mapping = np.empty(n, dtype=np.int32)
        mapping[order] = np.arange(n, dtype=np.int32)
        levels.level_keys[1 : n + 1] = keys[order]
        levels.counts[1 : n + 1] = levels.counts[1 : n + 1][order]
        self.labels = [self.labels[i] for i in order]
        levels.reindex()
        return None if np.array_equal(order, np.arange(n)) else mapping


def _value_label(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _key_label(key: int, family: Family) -> str:
    if family is Family.BOOLEAN:
        return "true" if key else "false"
    if family.ordered:
        return _value_label(key_to_value(key, family))
    return f"#{key:016x}"


@dataclass
class BinnedTarget:
    """A numeric target mapped to equal-frequency bins fixed by a pre-pass over the column.

    When the column has at most ``INTEGER_CLASS_LIMIT`` distinct values and all are whole
    numbers, each value is its own class instead (e.g. a 0.0/1.0 label stored as float).
    """

    name: str
    family: Family
    key_shift: int
    cell_keys: np.ndarray  # sorted uint64
    cell_codes: np.ndarray  # int32 code of each cell
    n_levels: int
    binned: bool
    class_counts: np.ndarray
    edges: list[float]

    @classmethod
    def from_counts(cls, counts: ColumnCounts, *, n_bins: int) -> BinnedTarget:
        keys = counts.level_keys[1:]
        weights = counts.table[1:, 0]
        present = weights > 0
        keys, weights = keys[present], weights[present]
        order = np.argsort(keys, kind="stable")
        keys, weights = keys[order], weights[order]
        values = [key_to_value(int(k), counts.family) for k in keys] if counts.key_shift == 0 else []
        as_classes = (
            counts.key_shift == 0
            and counts.distinct_exact
            and len(values) <= INTEGER_CLASS_LIMIT
            and all(float(v).is_integer() for v in values)
        )
        if as_classes:
            codes = np.arange(keys.shape[0], dtype=np.int32)
        else:
            codes = equal_frequency_bins(keys, weights, n_bins=n_bins).astype(np.int32)
        n_levels = int(codes.max()) + 1 if codes.size else 0
        class_counts = np.bincount(codes, weights=weights, minlength=n_levels).astype(np.int64)
        edges = []
        if not as_classes and codes.size:
            boundaries = np.flatnonzero(np.diff(codes)) + 1
            edges = [key_to_value(int(keys[i]) << counts.key_shift, counts.family) for i in boundaries]
        return cls(
            name=counts.name,
            family=counts.family,
            key_shift=counts.key_shift,
            cell_keys=keys,
            cell_codes=codes,
            n_levels=n_levels,
            binned=not as_classes,
            class_counts=class_counts,
            edges=edges,
        )

    def encode(self, keys: Keys) -> np.ndarray:
        if self.cell_keys.shape[0] == 0:  # the target is missing in every row
            return np.full(keys.keys.shape[0], -1, dtype=np.int32)
        cells = keys.keys >> np.uint64(self.key_shift)
        index = np.searchsorted(self.cell_keys, cells)
        index = np.minimum(index, self.cell_keys.shape[0] - 1)
        codes = self.cell_codes[index].astype(np.int32)
        if keys.missing.size:
            codes[keys.missing] = -1
        return np.asarray(codes, dtype=np.int32)
