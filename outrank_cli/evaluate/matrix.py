"""How the columns of a table become the model's matrix in ``evaluate``.

Numbers, booleans and dates are numbers. Text columns, and number or date columns named by
``--categorical`` (integer IDs and codes), are categories: with at most ``CATEGORY_LIMIT``
values as they are, coded by falling frequency, missing as missing; with more (user or item
IDs, titles), target-encoded, because HistGradientBoosting takes at most 255 categories: in
each fold a value becomes the mean target of its training rows (scikit-learn's
``TargetEncoder``, smoothed towards the overall mean; missing is a value of its own),
cross-fitted within the training rows (``ENCODER_FOLDS`` inner folds drawn with the seed) so
that no row is encoded with its own target, and the test rows take the training rows'
encoding (``encode_fold``). A multi-valued column (a list column, or text named by
``--multivalue``) becomes the indicators of the ``VALUE_LIMIT`` values most rows hold and the
number of values a row holds.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from outrank_cli.encode.multivalue import value_lists

CATEGORY_LIMIT = 254  # HistGradientBoosting takes at most 255 categories (one for missing)
ENCODER_FOLDS = 5  # the inner folds of a target encoding
# scikit-learn's warning about a class with fewer rows than the inner folds of an encoding
_RARE_CLASS = "The least populated class"
# a multi-valued column: indicators of the values most rows hold, and the number of values
VALUE_LIMIT = 64


@dataclass(frozen=True, slots=True)
class Encoded:
    """A categorical feature with too many values for the model: its value codes (NaN where
    missing) and the matrix columns its target encoding fills, fold by fold."""

    codes: np.ndarray
    columns: list[int]


@dataclass(frozen=True, slots=True)
class ModelMatrix:
    """``float64[rows, columns]``, which columns are categorical, each feature's columns (one,
    a multi-valued feature's indicators and count, or a target encoding's ``width``), and the
    features target-encoded in each fold."""

    values: np.ndarray
    categorical: np.ndarray
    spans: list[list[int]]
    encoded: list[Encoded]


def model_matrix(
    frame: pl.DataFrame,
    names: Sequence[str],
    multivalue: Mapping[str, str | None],
    categories: frozenset[str] = frozenset(),
    width: int = 1,
) -> ModelMatrix:
    """The model's matrix. ``categories`` are number or date columns the model reads as
    categories (``--categorical``), like text; a categorical feature with more than
    ``CATEGORY_LIMIT`` values takes ``width`` columns (one a class past two classes), filled with
    its target encoding in each fold (``encode_fold``)."""
    columns: list[np.ndarray] = []
    categorical: list[bool] = []
    spans: list[list[int]] = []
    encoded: list[Encoded] = []
    for name in names:
        column = frame[name]
        dtype = column.dtype
        start = len(columns)
        if name in multivalue:
            block = _multi_hot(value_lists(column, multivalue[name]))
            columns.extend(block.T)
            categorical.extend([False] * block.shape[1])
        elif name in categories or not (dtype.is_numeric() or dtype == pl.Boolean or dtype.is_temporal()):
            codes, many = _category_codes(column)
            if many:
                encoded.append(Encoded(codes, list(range(start, start + width))))
                columns.extend(np.full(frame.height, np.nan) for _ in range(width))
                categorical.extend([False] * width)
            else:
                columns.append(codes)
                categorical.append(True)
        elif dtype.is_temporal():
            columns.append(column.to_physical().cast(pl.Float64).to_numpy().astype(np.float64))
            categorical.append(False)
        else:
            columns.append(column.cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64))
            categorical.append(False)
        spans.append(list(range(start, len(columns))))
    matrix = np.column_stack(columns) if columns else np.zeros((frame.height, 0))
    return ModelMatrix(matrix, np.array(categorical, dtype=bool), spans, encoded)


def _category_codes(column: pl.Series) -> tuple[np.ndarray, bool]:
    """Codes of the values by falling frequency (ties by the value's text), NaN for a missing
    one, and whether there are more than ``CATEGORY_LIMIT`` of them."""
    if isinstance(column.dtype, pl.Duration):  # no text form in polars: its number of units
        column = column.to_physical()
    text = column.cast(pl.String).rename("value")  # a name of its own: the column may be "n"
    counts = text.drop_nulls().value_counts(sort=True, name="n")
    ordered = counts.sort(["n", "value"], descending=[True, False])["value"]
    lookup = pl.DataFrame({"value": ordered, "code": np.arange(ordered.len(), dtype=np.float64)})
    codes = text.to_frame().join(lookup, on="value", how="left", maintain_order="left")["code"]
    return codes.to_numpy().astype(np.float64), ordered.len() > CATEGORY_LIMIT


def _target_encoder(sk: Any, target_type: str, seed: int) -> Any:
    """scikit-learn's ``TargetEncoder`` with ``ENCODER_FOLDS`` shuffled inner folds drawn with
    ``seed`` (a splitter since scikit-learn 1.9, ``shuffle`` and ``random_state`` before)."""
    from sklearn.preprocessing import TargetEncoder

    major, minor = (int(part) for part in re.match(r"(\d+)\.(\d+)", sk.__version__).groups())  # type: ignore[union-attr]
    if (major, minor) >= (1, 9):
        folds = (
            sk.model_selection.StratifiedKFold if target_type != "continuous" else sk.model_selection.KFold
        )(ENCODER_FOLDS, shuffle=True, random_state=seed)
        return TargetEncoder(target_type=target_type, cv=folds)
    return TargetEncoder(target_type=target_type, cv=ENCODER_FOLDS, shuffle=True, random_state=seed)


def encode_fold(
    sk: Any,
    matrix: ModelMatrix,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    target_type: str,
    seed: int,
    threads: int = 1,
) -> None:
    """Fill the target-encoded columns of ``matrix`` for one fold: the training rows
    cross-fitted among themselves, the test rows by the encoding of all training rows; the
    features on ``threads`` threads (each writes its own columns)."""

    def encode(feature: Encoded) -> None:
        encoder = _target_encoder(sk, target_type, seed)
        codes = feature.codes.reshape(-1, 1)
        columns = np.asarray(feature.columns, dtype=np.intp)
        matrix.values[np.ix_(train, columns)] = encoder.fit_transform(codes[train], y[train])
        matrix.values[np.ix_(test, columns)] = encoder.transform(codes[test])

    # set once on this thread (the filters are global): a class rarer than the inner folds
    # (every class is in the training rows, at least --folds rows each) is encoded in the
    # inner folds that have it
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_RARE_CLASS, category=UserWarning)
        if threads <= 1 or len(matrix.encoded) <= 1:
            for feature in matrix.encoded:
                encode(feature)
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(encode, matrix.encoded))


def _multi_hot(lists: pl.Series) -> np.ndarray:
    """``float64[rows, k + 1]``: whether each row holds each of the ``k`` (at most
    ``VALUE_LIMIT``) values most rows hold (ties by value), then how many values it holds; a
    missing row is missing in each."""
    rows = lists.len()
    flat = pl.DataFrame({"row": np.arange(rows, dtype=np.int64), "value": lists}).explode("value")
    flat = flat.filter(pl.col("value").is_not_null())
    top = (
        flat.group_by("value")
        .len(name="n")
        .sort(["n", "value"], descending=[True, False])
        .head(VALUE_LIMIT)
        .with_row_index("slot")
    )
    hits = flat.join(top.select("value", "slot"), on="value", how="inner")
    block = np.zeros((rows, top.height + 1), dtype=np.float64)
    block[hits["row"].to_numpy(), hits["slot"].to_numpy().astype(np.int64)] = 1.0
    block[:, -1] = lists.list.len().fill_null(0).to_numpy()
    block[lists.is_null().to_numpy()] = np.nan
    return block
