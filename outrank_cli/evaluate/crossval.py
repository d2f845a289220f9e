"""k-fold cross-validation of a gradient-boosting model on all columns against subsets.

The rows are loaded into memory, so at most ``sample_rows`` of them are (a uniform sample drawn
with the seed). Text columns, and number or date columns named by ``categorical``
(``--categorical``: integer IDs and codes), become categories for the model: with at most 254
values, as they are (missing as missing); with more (user or item IDs), target-encoded, because
the model takes at most 255 categories: each value becomes the mean target of its rows
(scikit-learn's ``TargetEncoder``, smoothed towards the overall mean; missing is a value of its
own), fitted on the training folds only and cross-fitted within them (5 inner folds drawn with
the seed), so that no row is encoded with its own target. Other numbers, booleans and dates are
numbers; a multi-valued column (a list column, or text named by ``multivalue``) becomes the
indicators of the 64 values most rows hold and the number of values a row holds. The model is
scikit-learn's ``HistGradientBoostingClassifier`` (a class target: text, booleans, integers
with at most 64 values) or ``HistGradientBoostingRegressor`` (a numeric target), with ``trees``
boosting iterations at ``learning_rate`` and no early stopping. Every model sees the same folds
(stratified for a class target).
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from outrank_cli.encode.columns import plan_columns, split_patterns
from outrank_cli.encode.multivalue import delimited_as_text, value_lists
from outrank_cli.encode.target import INTEGER_CLASS_LIMIT
from outrank_cli.errors import ColumnNotFoundError, InputError, UsageError
from outrank_cli.options import EvaluateOptions, ReadOptions
from outrank_cli.source import Source
from outrank_cli.source.paths import resolve

INSTALL_HINT = "pip install 'outrank-cli[evaluate]'"
ALL_COLUMNS = "all columns"
CATEGORY_LIMIT = 254  # HistGradientBoosting takes at most 255 categories (one for missing)
ENCODER_FOLDS = 5  # the inner folds of a target encoding
# scikit-learn's warning about a class with fewer rows than the inner folds of an encoding
_RARE_CLASS = "The least populated class"
# a multi-valued column: indicators of the values most rows hold, and the number of values
VALUE_LIMIT = 64


@dataclass(frozen=True, slots=True)
class Subset:
    """A named list of feature columns."""

    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SubsetScore:
    """One subset's cross-validated scores: ``metrics`` are means over the folds, ``spread``
    their standard deviations; ``difference`` is the mean over folds of (this subset - all
    columns) on the same fold, ``difference_spread`` its standard deviation."""

    name: str
    columns: tuple[str, ...]
    metrics: dict[str, float]
    spread: dict[str, float]
    difference: dict[str, float]
    difference_spread: dict[str, float]
    fit_seconds: float  # mean over folds


@dataclass(frozen=True, slots=True)
class EvaluateResult:
    paths: tuple[str, ...]
    target: str
    task: str  # "classification" or "regression"
    rows: int  # rows in the table
    rows_used: int  # rows loaded and cross-validated
    options: EvaluateOptions
    scores: tuple[SubsetScore, ...]  # all columns first
    timings: dict[str, float] = field(default_factory=dict)


def _sklearn() -> Any:
    try:
        import sklearn.ensemble
        import sklearn.metrics
        import sklearn.model_selection
    except ImportError:
        raise UsageError(
            f"outrank-cli evaluate needs scikit-learn; install it with: {INSTALL_HINT}"
        ) from None
    return sklearn


def _is_class_target(dtype: pl.DataType, values: pl.Series) -> bool:
    if dtype.is_float():
        return False
    if dtype.is_integer():
        return int(values.n_unique()) <= INTEGER_CLASS_LIMIT
    return True


@dataclass(frozen=True, slots=True)
class _Encoded:
    """A categorical feature with too many values for the model: its value codes (NaN where
    missing) and the matrix columns its target encoding fills, fold by fold."""

    codes: np.ndarray
    columns: list[int]


@dataclass(frozen=True, slots=True)
class _Matrix:
    """``float64[rows, columns]``, which columns are categorical, each feature's columns (one,
    a multi-valued feature's indicators and count, or a target encoding's ``width``), and the
    features target-encoded in each fold."""

    values: np.ndarray
    categorical: np.ndarray
    spans: list[list[int]]
    encoded: list[_Encoded]


def _model_matrix(
    frame: pl.DataFrame,
    names: Sequence[str],
    multivalue: Mapping[str, str | None],
    categories: frozenset[str] = frozenset(),
    width: int = 1,
) -> _Matrix:
    """The model's matrix. ``categories`` are number or date columns the model reads as
    categories (``--categorical``), like text; a categorical feature with more than
    ``CATEGORY_LIMIT`` values takes ``width`` columns (one a class past two classes), filled with
    its target encoding in each fold (``_encode_fold``)."""
    columns: list[np.ndarray] = []
    categorical: list[bool] = []
    spans: list[list[int]] = []
    encoded: list[_Encoded] = []
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
                encoded.append(_Encoded(codes, list(range(start, start + width))))
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
    return _Matrix(matrix, np.array(categorical, dtype=bool), spans, encoded)


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


def _encode_fold(
    sk: Any, matrix: _Matrix, y: np.ndarray, train: np.ndarray, test: np.ndarray, target_type: str, seed: int
) -> None:
    """Fill the target-encoded columns of ``matrix`` for one fold: the training rows
    cross-fitted among themselves, the test rows by the encoding of all training rows."""
    for feature in matrix.encoded:
        encoder = _target_encoder(sk, target_type, seed)
        codes = feature.codes.reshape(-1, 1)
        columns = np.asarray(feature.columns, dtype=np.intp)
        with warnings.catch_warnings():
            # a class rarer than the inner folds (every class is in the training rows: at least
            # --folds rows each): each inner fold encodes the classes it has
            warnings.filterwarnings("ignore", message=_RARE_CLASS, category=UserWarning)
            matrix.values[np.ix_(train, columns)] = encoder.fit_transform(codes[train], y[train])
        matrix.values[np.ix_(test, columns)] = encoder.transform(codes[test])


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


def _load(
    source: Source, target: str, names: Sequence[str], options: EvaluateOptions
) -> tuple[pl.DataFrame, int]:
    scan = source.scan().select([*names, target])
    rows = int(scan.select(pl.len()).collect().item())
    if rows > options.sample_rows:
        keep = np.sort(np.random.default_rng(options.seed).choice(rows, options.sample_rows, replace=False))
        chosen = pl.LazyFrame({"__row": keep.astype(np.int64)})
        scan = (
            scan.with_row_index("__row")
            .with_columns(pl.col("__row").cast(pl.Int64))
            .join(chosen, on="__row", how="semi", maintain_order="left")
            .drop("__row")
        )
    frame = scan.collect()
    frame = frame.filter(pl.col(target).is_not_null())
    if frame.height < options.folds * 2:
        raise InputError(
            f"evaluate needs at least {options.folds * 2} rows with a target for {options.folds} folds, got {frame.height}"
        )
    return frame, rows


def evaluate_subsets(
    paths: Sequence[str],
    *,
    target: str,
    subsets: Sequence[Subset],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    categorical: Sequence[str] = (),
    numeric: Sequence[str] = (),
    multivalue: Sequence[str] = (),
    read: ReadOptions | None = None,
    options: EvaluateOptions | None = None,
) -> EvaluateResult:
    """Cross-validate the model on all feature columns (after ``include``/``exclude``) and on
    each of ``subsets``; the same folds for every model. The number and date columns that
    ``categorical`` names are categories for the model."""
    started = time.perf_counter()
    options = options or EvaluateOptions()
    options.validate()
    read = read or ReadOptions()
    sk = _sklearn()
    source = delimited_as_text(resolve(paths, read), multivalue)
    plan = plan_columns(
        source.schema(),
        target=target,
        include=split_patterns(include),
        exclude=split_patterns(exclude),
        categorical=split_patterns(categorical),
        numeric=split_patterns(numeric),
        multivalue=multivalue,
    )
    features = [name for name, _ in plan.features]
    seen: dict[str, int] = {ALL_COLUMNS: 1}
    unique = []
    for subset in subsets:  # two files of the same name are two subsets: "x.txt", "x.txt (2)"
        seen[subset.name] = seen.get(subset.name, 0) + 1
        name = subset.name if seen[subset.name] == 1 else f"{subset.name} ({seen[subset.name]})"
        unique.append(Subset(name, subset.columns))
    subsets = unique
    for subset in subsets:
        for name in subset.columns:
            if name not in features:
                raise ColumnNotFoundError(role=f"subset {subset.name!r}", name=name, available=features)
    frame, rows = _load(source, target, features, options)
    y_column = frame[target]
    classify = _is_class_target(y_column.dtype, y_column)
    if classify:
        labels, y = np.unique(y_column.cast(pl.String).to_numpy().astype(str), return_inverse=True)
        if labels.shape[0] < 2:
            raise InputError(f"target {target!r} has one class in the rows used; nothing to predict")
        rows_of = np.bincount(y)
        if rows_of.min() < options.folds:
            rare = int(np.argmin(rows_of))
            count = int(rows_of[rare])
            raise InputError(
                f"class {str(labels[rare])!r} of target {target!r} is in {count} row{'s' if count > 1 else ''} "
                f"of those used, fewer than --folds {options.folds}: every fold needs it in its training "
                f"and test rows; lower --folds or leave that class's rows out"
            )
        splitter = sk.model_selection.StratifiedKFold(options.folds, shuffle=True, random_state=options.seed)
        target_type = "binary" if labels.shape[0] == 2 else "multiclass"
    else:
        y = y_column.cast(pl.Float64).to_numpy()
        splitter = sk.model_selection.KFold(options.folds, shuffle=True, random_state=options.seed)
        target_type = "continuous"
    categories = frozenset(name for name, view in plan.views.items() if view == "categorical")
    width = int(labels.shape[0]) if target_type == "multiclass" else 1
    matrix = _model_matrix(frame, features, plan.multivalue, categories, width)
    folds = list(splitter.split(matrix.values, y))
    loaded = time.perf_counter() - started
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    with threadpool_limits(limits=options.threads, user_api="openmp"):
        per_fold, seconds = _cross_validate(
            sk, features, subsets, matrix, y, folds, classify, target_type, options
        )
    base = per_fold[ALL_COLUMNS]
    everything = Subset(ALL_COLUMNS, tuple(features))
    scores = []
    for subset in (everything, *subsets):
        values = per_fold[subset.name]
        metrics = list(values[0])
        table = np.array([[v[m] for m in metrics] for v in values])
        deltas = table - np.array([[v[m] for m in metrics] for v in base])
        scores.append(
            SubsetScore(
                name=subset.name,
                columns=subset.columns,
                metrics=dict(zip(metrics, table.mean(axis=0).tolist(), strict=True)),
                spread=dict(zip(metrics, table.std(axis=0, ddof=1).tolist(), strict=True)),
                difference=dict(zip(metrics, deltas.mean(axis=0).tolist(), strict=True)),
                difference_spread=dict(zip(metrics, deltas.std(axis=0, ddof=1).tolist(), strict=True)),
                fit_seconds=seconds[subset.name],
            )
        )
    return EvaluateResult(
        paths=source.paths,
        target=target,
        task="classification" if classify else "regression",
        rows=rows,
        rows_used=frame.height,
        options=options,
        scores=tuple(scores),
        timings={
            "load_seconds": round(loaded, 4),
            "total_seconds": round(time.perf_counter() - started, 4),
        },
    )


def _cross_validate(
    sk: Any,
    features: Sequence[str],
    subsets: Sequence[Subset],
    matrix: _Matrix,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    classify: bool,
    target_type: str,
    options: EvaluateOptions,
) -> tuple[dict[str, list[dict[str, float]]], dict[str, float]]:
    """Per subset (all columns first): each fold's scores and the mean seconds of a fit. Fold
    by fold, so that the target encodings of a fold are made once for every subset."""
    index = {name: i for i, name in enumerate(features)}
    everything = Subset(ALL_COLUMNS, tuple(features))
    every = (everything, *subsets)
    takes = [[column for name in subset.columns for column in matrix.spans[index[name]]] for subset in every]
    per_fold: dict[str, list[dict[str, float]]] = {subset.name: [] for subset in every}
    fitting = dict.fromkeys(per_fold, 0.0)
    model_class = (
        sk.ensemble.HistGradientBoostingClassifier if classify else sk.ensemble.HistGradientBoostingRegressor
    )
    for train, test in folds:
        _encode_fold(sk, matrix, y, train, test, target_type, options.seed)
        for subset, take in zip(every, takes, strict=True):
            model = model_class(
                max_iter=options.trees,
                learning_rate=options.learning_rate,
                early_stopping=False,
                categorical_features=matrix.categorical[take],
                random_state=options.seed,
            )
            x = matrix.values[:, take]
            clock = time.perf_counter()
            model.fit(x[train], y[train])
            fitting[subset.name] += time.perf_counter() - clock
            per_fold[subset.name].append(
                _scores(sk, model, x[test], y[test], classify=classify, n_classes=int(y.max()) + 1)
            )
    return per_fold, {name: total / len(folds) for name, total in fitting.items()}


def _scores(
    sk: Any, model: Any, x: np.ndarray, y: np.ndarray, *, classify: bool, n_classes: int
) -> dict[str, float]:
    metrics = sk.metrics
    if not classify:
        predicted = model.predict(x)
        return {
            "r2": float(metrics.r2_score(y, predicted)),
            "rmse": float(np.sqrt(metrics.mean_squared_error(y, predicted))),
        }
    probabilities = np.zeros((x.shape[0], n_classes))
    probabilities[:, model.classes_] = model.predict_proba(x)
    if n_classes == 2:
        auc = metrics.roc_auc_score(y, probabilities[:, 1])
    else:
        present = np.unique(y)
        scores = probabilities[:, present] / probabilities[:, present].sum(axis=1, keepdims=True)
        auc = metrics.roc_auc_score(y, scores, multi_class="ovr", labels=present)
    return {
        "auc": float(auc),
        "log_loss": float(metrics.log_loss(y, probabilities, labels=np.arange(n_classes))),
    }
