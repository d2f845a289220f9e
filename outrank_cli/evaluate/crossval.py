"""k-fold cross-validation of a gradient-boosting model on all columns against subsets.

The rows are loaded into memory, so at most ``sample_rows`` of them are (a uniform sample drawn
with the seed); ``matrix`` makes them the model's matrix. The model is scikit-learn's
``HistGradientBoostingClassifier`` (a class target: text, booleans, integers with at most 64
values; every class needs ``folds`` rows) or ``HistGradientBoostingRegressor`` (a numeric
target), with ``trees`` boosting iterations at ``learning_rate`` and no early stopping. Every
model sees the same folds (stratified for a class target), fold by fold, so that a fold's
target encodings are made once for all subsets. ``prepare`` loads the rows and draws the folds
once; ``Prepared.cross_validate`` fits subsets on them, as often as asked (``evaluate_subsets``,
then the sizes ``--within`` tries).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from outrank_cli.encode.columns import plan_columns
from outrank_cli.encode.multivalue import delimited_as_text
from outrank_cli.encode.target import INTEGER_CLASS_LIMIT
from outrank_cli.errors import ColumnNotFoundError, InputError, UsageError
from outrank_cli.evaluate.matrix import ModelMatrix, encode_fold, model_matrix
from outrank_cli.options import EvaluateOptions, ReadOptions
from outrank_cli.pipeline import default_threads
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.source import Source
from outrank_cli.source.paths import resolve

if TYPE_CHECKING:
    from outrank_cli.evaluate.shortest import Shortest, Within

INSTALL_HINT = "pip install 'outrank-cli[evaluate]'"
ALL_COLUMNS = "all columns"


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
    shortest: Shortest | None = None  # with --within
    timings: dict[str, float] = field(default_factory=dict)


def _sklearn() -> Any:
    try:
        import sklearn.dummy
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
    if frame.schema[target].is_float():  # NaN is a missing target, as in rank
        frame = frame.filter(pl.col(target).is_not_nan())
    if frame.height < options.folds * 2:
        raise InputError(
            f"evaluate needs at least {options.folds * 2} rows with a target for {options.folds} folds, got {frame.height}"
        )
    return frame, rows


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class Prepared:
    """The rows loaded for a cross-validation, the model's matrix and the folds: every subset
    is cross-validated on these, so that their differences are paired fold by fold."""

    sk: Any
    paths: tuple[str, ...]
    target: str
    features: tuple[str, ...]
    rows: int  # rows in the table
    matrix: ModelMatrix
    y: np.ndarray
    folds: tuple[tuple[np.ndarray, np.ndarray], ...]
    classify: bool
    target_type: str
    options: EvaluateOptions

    @property
    def metric(self) -> str:
        """The metric a loss is measured in: AUC for a class target, R² for a numeric one."""
        return "auc" if self.classify else "r2"

    def cross_validate(
        self, subsets: Sequence[Subset], *, with_all: bool = True, fitted: Callable[[], None] = _nothing
    ) -> tuple[dict[str, list[dict[str, float]]], dict[str, float]]:
        """Per subset (all columns first, with ``with_all``): each fold's scores and the mean
        seconds of a fit; ``fitted`` is called after each fit (progress)."""
        _check_columns(subsets, self.features)
        every = ((Subset(ALL_COLUMNS, self.features),) if with_all else ()) + tuple(subsets)
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency

        with threadpool_limits(limits=self.options.threads, user_api="openmp"):
            return _cross_validate(self, every, fitted)


def prepare(
    paths: Sequence[str],
    *,
    target: str,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    categorical: Sequence[str] = (),
    numeric: Sequence[str] = (),
    multivalue: Sequence[str] = (),
    read: ReadOptions | None = None,
    options: EvaluateOptions | None = None,
    subsets: Sequence[Subset] = (),
) -> Prepared:
    """Load the rows of the feature columns (after ``include``/``exclude``) and draw the
    folds. The number and date columns that ``categorical`` names are categories for the model.
    A column of ``subsets`` that is no feature is an error before any row is read."""
    options = options or EvaluateOptions()
    options.validate()
    read = read or ReadOptions()
    sk = _sklearn()
    source = delimited_as_text(resolve(paths, read), multivalue)
    plan = plan_columns(
        source.schema(),
        target=target,
        include=include,
        exclude=exclude,
        categorical=categorical,
        numeric=numeric,
        multivalue=multivalue,
    )
    features = [name for name, _ in plan.features]
    _check_columns(subsets, features)
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
        infinite = int(np.count_nonzero(~np.isfinite(y)))
        if infinite:
            raise InputError(
                f"target {target!r} is infinite in {infinite} of the {y.shape[0]} rows used; a regression "
                "model needs finite values: leave those rows out or transform the target"
            )
        splitter = sk.model_selection.KFold(options.folds, shuffle=True, random_state=options.seed)
        target_type = "continuous"
    categories = frozenset(name for name, view in plan.views.items() if view == "categorical")
    width = int(labels.shape[0]) if target_type == "multiclass" else 1
    matrix = model_matrix(frame, features, plan.multivalue, categories, width)
    return Prepared(
        sk=sk,
        paths=source.paths,
        target=target,
        features=tuple(features),
        rows=rows,
        matrix=matrix,
        y=y,
        folds=tuple(splitter.split(matrix.values, y)),
        classify=classify,
        target_type=target_type,
        options=options,
    )


def _check_columns(subsets: Sequence[Subset], features: Sequence[str]) -> None:
    for subset in subsets:
        for name in subset.columns:
            if name not in features:
                raise ColumnNotFoundError(role=f"subset {subset.name!r}", name=name, available=features)


@dataclass
class _FitCounter:
    """Reports each fit to ``progress`` as stage ``phase``, out of ``total`` (None: unknown)."""

    progress: ProgressCallback
    phase: str
    total: int | None
    done: int = 0

    def __call__(self) -> None:
        self.done += 1
        self.progress(Progress(self.phase, self.done, self.total, unit="fits"))


def unique_names(subsets: Sequence[Subset]) -> list[Subset]:
    """The subsets, two of the same name told apart: "x.txt", "x.txt (2)"."""
    seen: dict[str, int] = {ALL_COLUMNS: 1}
    unique = []
    for subset in subsets:
        seen[subset.name] = seen.get(subset.name, 0) + 1
        name = subset.name if seen[subset.name] == 1 else f"{subset.name} ({seen[subset.name]})"
        unique.append(Subset(name, subset.columns))
    return unique


def subset_scores(
    subsets: Sequence[Subset],
    per_fold: dict[str, list[dict[str, float]]],
    base: list[dict[str, float]],
    seconds: dict[str, float],
) -> list[SubsetScore]:
    """Each subset's mean scores over the folds and its differences to ``base`` (all columns'
    scores on the same folds)."""
    scores = []
    for subset in subsets:
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
    return scores


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
    within: Within | None = None,
    progress: ProgressCallback = ignore_progress,
) -> EvaluateResult:
    """Cross-validate the model on all feature columns (after ``include``/``exclude``) and on
    each of ``subsets``; the same folds for every model. The number and date columns that
    ``categorical`` names are categories for the model. With ``within``, also the shortest
    start of ``select``'s order within its loss of all columns (``evaluate.shortest``).
    ``progress`` hears of the fits: stage "model" (out of all of them), then, with ``within``,
    "search" (their number is not known ahead)."""
    started = time.perf_counter()
    prepared = prepare(
        paths,
        target=target,
        include=include,
        exclude=exclude,
        categorical=categorical,
        numeric=numeric,
        multivalue=multivalue,
        read=read,
        options=options,
        subsets=subsets,
    )
    loaded = time.perf_counter() - started
    subsets = unique_names(subsets)
    fits = _FitCounter(progress, "model", len(prepared.folds) * (1 + len(subsets)))
    per_fold, seconds = prepared.cross_validate(subsets, fitted=fits)
    base = per_fold[ALL_COLUMNS]
    everything = Subset(ALL_COLUMNS, prepared.features)
    scores = subset_scores([everything, *subsets], per_fold, base, seconds)
    found = None
    if within is not None:
        found, score = within.search(prepared, base, fitted=_FitCounter(progress, "search", None))
        scores.append(score)
    return EvaluateResult(
        paths=prepared.paths,
        target=target,
        task="classification" if prepared.classify else "regression",
        rows=prepared.rows,
        rows_used=int(prepared.y.shape[0]),
        options=prepared.options,
        scores=tuple(scores),
        shortest=found,
        timings={
            "load_seconds": round(loaded, 4),
            "total_seconds": round(time.perf_counter() - started, 4),
        },
    )


def _cross_validate(
    prepared: Prepared, every: Sequence[Subset], fitted: Callable[[], None]
) -> tuple[dict[str, list[dict[str, float]]], dict[str, float]]:
    """Per subset of ``every``: each fold's scores and the mean seconds of a fit. Fold by
    fold, so that the target encodings of a fold are made once for every subset."""
    sk, matrix, y, options, classify = (
        prepared.sk,
        prepared.matrix,
        prepared.y,
        prepared.options,
        prepared.classify,
    )
    index = {name: i for i, name in enumerate(prepared.features)}
    takes = [[column for name in subset.columns for column in matrix.spans[index[name]]] for subset in every]
    per_fold: dict[str, list[dict[str, float]]] = {subset.name: [] for subset in every}
    fitting = dict.fromkeys(per_fold, 0.0)
    model_class = (
        sk.ensemble.HistGradientBoostingClassifier if classify else sk.ensemble.HistGradientBoostingRegressor
    )
    threads = options.threads or default_threads()
    n_classes = int(y.max()) + 1 if classify else 0
    for train, test in prepared.folds:
        encode_fold(sk, matrix, y, train, test, prepared.target_type, options.seed, threads=threads)
        for subset, take in zip(every, takes, strict=True):
            model: Any
            if take:
                model = model_class(
                    max_iter=options.trees,
                    learning_rate=options.learning_rate,
                    early_stopping=False,
                    categorical_features=matrix.categorical[take],
                    random_state=options.seed,
                )
            else:  # no columns (a selection that kept none): the training rows' class shares or mean
                model = sk.dummy.DummyClassifier(strategy="prior") if classify else sk.dummy.DummyRegressor()
            x_train, x_test = _without_empty_columns(matrix.values[:, take], train, test)
            clock = time.perf_counter()
            model.fit(x_train, y[train])
            fitting[subset.name] += time.perf_counter() - clock
            fitted()
            per_fold[subset.name].append(
                _scores(sk, model, x_test, y[test], classify=classify, n_classes=n_classes)
            )
    return per_fold, {name: total / len(prepared.folds) for name, total in fitting.items()}


def _without_empty_columns(
    x: np.ndarray, train: np.ndarray, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The training and test rows of ``x``, with a column missing on every training row set
    to 0 in both (a constant the model never splits on, as if the column were left out):
    scikit-learn's gradient boosting fails on such a column ("window shape cannot be larger
    than input array shape", 1.9), which a column of few values meets in some fold."""
    x_train, x_test = x[train], x[test]
    if x_train.shape[0]:
        empty = np.isnan(x_train).all(axis=0)
        if empty.any():
            x_train[:, empty] = 0.0
            x_test[:, empty] = 0.0
    return x_train, x_test


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
