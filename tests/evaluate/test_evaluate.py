"""``evaluate``: cross-validated model on all columns vs subsets (names file, select JSON, --k),
its reports, its numbers against scikit-learn run by hand, and its errors."""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
import polars as pl
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from outrank_cli.evaluate import EvaluateOptions, Subset, evaluate_subsets

# one OpenMP thread: on a busy 2-core machine two threads spin and a 10-tree fit takes a second
FAST = ("--folds", "3", "--trees", "10", "--threads", "1")


def small_table(n: int = 900, seed: int = 4, numeric_target: bool = False) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    colour = rng.integers(0, 4, n)
    size = rng.normal(size=n)
    logit = 1.5 * (colour == 2) + 1.2 * size - 0.5
    y = (
        logit + rng.normal(size=n)
        if numeric_target
        else (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    )
    return pl.DataFrame(
        {
            "colour": np.array(["red", "green", "blue", "grey"])[colour],
            "size": size,
            "noise_a": rng.integers(0, 5, n),
            "noise_b": [f"n{v}" for v in rng.integers(0, 30, n)],
            "when": pl.date_range(
                pl.date(2020, 1, 1), pl.date(2020, 1, 1) + pl.duration(days=n - 1), eager=True
            ),
            "y": y,
        }
    )


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("evaluate") / "t.csv"
    small_table().write_csv(path)
    return path


def test_subsets_from_files_and_select(cli, small_csv, tmp_path):
    names = tmp_path / "signals.txt"
    names.write_text("# the two planted signals\ncolour\nsize\n")
    noise = tmp_path / "noise.txt"
    noise.write_text("noise_a\nnoise_b\n")
    report = tmp_path / "select.json"
    assert cli("select", small_csv, "-t", "y", "--k", "1", "-o", report, "-q").code == 0
    result = cli(
        "evaluate",
        small_csv,
        "-t",
        "y",
        "--subset",
        names,
        "--subset",
        noise,
        "--subset",
        report,
        "--k",
        "2",
        *FAST,
        "-f",
        "json",
    )
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["command"] == "evaluate" and doc["task"] == "classification"
    assert doc["input"] == {"paths": [str(small_csv)], "rows": 900, "sample_rows": 900}
    subsets = {s["name"]: s for s in doc["subsets"]}
    assert [s["name"] for s in doc["subsets"]] == [
        "all columns",
        "signals.txt",
        "noise.txt",
        "select.json",
        "select k=2",
    ]
    assert subsets["all columns"]["n_columns"] == 5
    assert subsets["all columns"]["difference"] == {"auc": 0.0, "log_loss": 0.0}
    assert subsets["signals.txt"]["columns"] == ["colour", "size"]
    assert set(subsets["select k=2"]["columns"]) == {"size", "colour"}
    assert subsets["signals.txt"]["difference"]["auc"] > -0.02
    assert subsets["noise.txt"]["difference"]["auc"] < -0.2
    assert subsets["noise.txt"]["difference"]["log_loss"] > 0
    assert subsets["noise.txt"]["difference_spread"]["auc"] > 0
    for s in doc["subsets"]:
        assert set(s) == {
            "name",
            "n_columns",
            "columns",
            "metrics",
            "spread",
            "difference",
            "difference_spread",
            "fit_seconds",
        }


def test_numbers_are_sklearn_run_by_hand(small_csv):
    """All columns and a subset: the same folds, matrix and model as scikit-learn by hand."""
    frame = pl.read_csv(small_csv, try_parse_dates=True)
    y = frame["y"].to_numpy()
    colour_codes = {"blue": 0, "green": 1, "grey": 2, "red": 3}  # counts tie-break by value
    counts = frame["colour"].value_counts()
    order = counts.sort(["count", "colour"], descending=[True, False])["colour"].to_list()
    codes = {value: float(i) for i, value in enumerate(order)}
    assert set(codes) == set(colour_codes)
    x = np.column_stack([np.array([codes[v] for v in frame["colour"]]), frame["size"].to_numpy()])
    folds = StratifiedKFold(3, shuffle=True, random_state=0).split(x, y)
    aucs, losses = [], []
    for train, test in folds:
        model = HistGradientBoostingClassifier(
            max_iter=10,
            learning_rate=0.1,
            early_stopping=False,
            categorical_features=[True, False],
            random_state=0,
        ).fit(x[train], y[train])
        p = model.predict_proba(x[test])
        aucs.append(roc_auc_score(y[test], p[:, 1]))
        losses.append(log_loss(y[test], p, labels=[0, 1]))
    result = evaluate_subsets(
        [str(small_csv)],
        target="y",
        subsets=[Subset("pair", ("colour", "size"))],
        options=EvaluateOptions(folds=3, trees=10, threads=1),
    )
    pair = result.scores[1]
    assert pair.metrics["auc"] == pytest.approx(np.mean(aucs), rel=1e-12)
    assert pair.metrics["log_loss"] == pytest.approx(np.mean(losses), rel=1e-12)
    assert pair.spread["auc"] == pytest.approx(np.std(aucs, ddof=1), rel=1e-9)
    assert result.scores[0].name == "all columns" and len(result.scores[0].columns) == 5


def _id_table(tmp_path, *, levels: int, target: str, seed: int = 11):
    """An integer ID with an orderless effect (60 of ``levels`` IDs raise the target), a long
    tail of rare IDs, and a numeric column; ``target``: binary, multiclass or continuous."""
    rng = np.random.default_rng(seed)
    n = 3_000
    ids = rng.zipf(1.3, n) % levels
    liked = np.isin(ids, rng.choice(levels, 60, replace=False))
    size = rng.normal(size=n)
    if target == "continuous":
        y = 1.0 * liked + 0.5 * size + rng.normal(size=n)
    else:
        y = (rng.random(n) < np.where(liked, 0.75, 0.3)).astype(np.int64)
        if target == "multiclass":
            y = y + (size > 1.0)
    path = tmp_path / "ids.parquet"
    pl.DataFrame({"item": ids, "size": size, "y": y}).write_parquet(path)
    return path, ids, size, y


def _by_hand(columns, y, categorical, *, target: str, encode: bool) -> float:
    """The model of evaluate built by hand with scikit-learn (3 folds, 10 trees): the first
    column target-encoded in each fold when ``encode``; AUC, or R² for a continuous target."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.metrics import r2_score
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import TargetEncoder

    classify = target != "continuous"
    outer = (StratifiedKFold if classify else KFold)(3, shuffle=True, random_state=0)
    x = np.column_stack(columns).astype(np.float64)
    scores = []
    for train, test in outer.split(x, y):
        x_train, x_test = x[train], x[test]
        if encode:
            inner = (StratifiedKFold if classify else KFold)(5, shuffle=True, random_state=0)
            encoder = TargetEncoder(target_type=target, cv=inner)
            x_train = np.column_stack([encoder.fit_transform(x_train[:, :1], y[train]), x_train[:, 1:]])
            x_test = np.column_stack([encoder.transform(x_test[:, :1]), x_test[:, 1:]])
        width = x_train.shape[1] - x.shape[1] + 1
        flags = [categorical[0]] * width + list(categorical[1:])
        kind = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
        model = kind(
            max_iter=10, learning_rate=0.1, early_stopping=False, categorical_features=flags, random_state=0
        ).fit(x_train, y[train])
        if not classify:
            scores.append(r2_score(y[test], model.predict(x_test)))
        elif target == "binary":
            scores.append(roc_auc_score(y[test], model.predict_proba(x_test)[:, 1]))
        else:
            scores.append(roc_auc_score(y[test], model.predict_proba(x_test), multi_class="ovr"))
    return float(np.mean(scores))


def _evaluated(path, *, categorical: tuple[str, ...], target: str) -> float:
    result = evaluate_subsets(
        [str(path)],
        target="y",
        subsets=[],
        categorical=categorical,
        options=EvaluateOptions(folds=3, trees=10, threads=1),
    )
    return result.scores[0].metrics["r2" if target == "continuous" else "auc"]


@pytest.mark.parametrize("target", ["binary", "multiclass", "continuous"])
def test_an_id_with_many_values_is_target_encoded_fold_by_fold(tmp_path, target):
    """--categorical on an integer ID of more than 254 values: each training fold encodes it by
    its rows' mean target (cross-fitted in 5 inner folds), the test rows by that fold's
    encoding; a class target of three classes takes three columns."""
    path, ids, size, y = _id_table(tmp_path, levels=400, target=target)
    assert np.unique(ids).shape[0] > 254
    expected = _by_hand([ids, size], y, [False, False], target=target, encode=True)
    assert _evaluated(path, categorical=("item",), target=target) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("classes", [2, 3])
def test_a_class_rarer_than_the_folds_is_one_clear_error(cli, tmp_path, classes):
    # before, a traceback from scikit-learn (a fold's training or test rows without the class)
    rng = np.random.default_rng(5)
    y = rng.integers(0, classes, 600)
    y[0] = classes  # one row of a class of its own
    path = tmp_path / "rare.parquet"
    pl.DataFrame({"x": rng.normal(size=600), "y": y}).write_parquet(path)
    result = cli("evaluate", path, "-t", "y", *FAST, "-f", "json")
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        f"outrank-cli: error: class '{classes}' of target 'y' is in 1 row of those used, fewer than "
        "--folds 3: every fold needs it in its training and test rows; lower --folds or leave that "
        "class's rows out"
    ]


def test_a_class_as_rare_as_the_folds_is_encoded_without_warnings(cli, tmp_path):
    """Three rows of a class with --folds 3: two in each fold's training rows, fewer than the
    encoding's 5 inner folds; scikit-learn's warning about it stays off stderr."""
    _, ids, size, y = _id_table(tmp_path, levels=400, target="multiclass")
    y = y.astype(np.int64)
    y[:3] = 3  # a fourth class, three rows
    path = tmp_path / "rare.parquet"
    pl.DataFrame({"item": ids, "size": size, "y": y}).write_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning raised here would reach a user's stderr
        result = cli("evaluate", path, "-t", "y", "--categorical", "item", *FAST, "-f", "json")
    assert result.code == 0, result.err
    assert 0.5 < result.json()["subsets"][0]["metrics"]["auc"] < 1.0


def test_categorical_durations_and_columns_named_like_the_helper_s(cli, tmp_path):
    # before: "casting from Duration to String not supported", and a SchemaError or
    # DuplicateError for a column named "code" or "n"
    rng = np.random.default_rng(6)
    n = 300
    frame = pl.DataFrame(
        {
            "wait": pl.Series(rng.integers(0, 5, n) * 60_000_000).cast(pl.Duration("us")),
            "code": rng.integers(0, 4, n),
            "n": rng.integers(0, 4, n),
            "y": rng.integers(0, 2, n),
        }
    )
    path = tmp_path / "odd.parquet"
    frame.write_parquet(path)
    result = cli("evaluate", path, "-t", "y", "--categorical", "wait,code,n", *FAST, "-f", "json")
    assert result.code == 0, result.err


def test_encodings_on_threads_are_those_of_one_thread():
    import sklearn

    from outrank_cli.evaluate.matrix import encode_fold, model_matrix

    rng = np.random.default_rng(7)
    n = 2_000
    frame = pl.DataFrame({f"id{j}": rng.integers(0, 600, n) for j in range(4)})
    y = rng.integers(0, 2, n)
    train, test = np.arange(0, 1_500), np.arange(1_500, n)
    filled = []
    for threads in (1, 2):
        matrix = model_matrix(frame, frame.columns, {}, frozenset(frame.columns))
        assert len(matrix.encoded) == 4 and np.isnan(matrix.values).all()
        encode_fold(sklearn, matrix, y, train, test, "binary", 0, threads=threads)
        filled.append(matrix.values)
    assert not np.isnan(filled[0]).any()
    np.testing.assert_array_equal(filled[0], filled[1])


def test_an_id_with_few_values_is_a_category_and_without_the_option_a_number(tmp_path):
    path, ids, size, y = _id_table(tmp_path, levels=200, target="binary")
    # categories coded by falling frequency, ties by the ID's text
    text = [str(v) for v in ids]
    counts = {v: text.count(v) for v in set(text)}
    code = {v: float(i) for i, v in enumerate(sorted(counts, key=lambda v: (-counts[v], v)))}
    as_codes = np.array([code[v] for v in text])
    expected = _by_hand([as_codes, size], y, [True, False], target="binary", encode=False)
    assert _evaluated(path, categorical=("item",), target="binary") == pytest.approx(expected, rel=1e-12)
    as_number = _by_hand([ids, size], y, [False, False], target="binary", encode=False)
    assert _evaluated(path, categorical=(), target="binary") == pytest.approx(as_number, rel=1e-12)


def test_column_options_take_comma_lists_as_in_rank(cli, small_csv):
    # before, evaluate looked for a column named "noise_a,noise_b"
    doc = cli("evaluate", small_csv, "-t", "y", "-x", "noise_a,noise_b", *FAST, "-f", "json").json()
    assert doc["subsets"][0]["columns"] == ["colour", "size", "when"]
    result = cli("evaluate", small_csv, "-t", "y", "--categorical", "noise_a,when", *FAST, "-f", "json")
    assert result.code == 0, result.err


def test_regression_target_reports_r2_and_rmse(cli, tmp_path):
    path = tmp_path / "r.parquet"
    small_table(numeric_target=True).write_parquet(path)
    result = cli("evaluate", path, "-t", "y", "--k", "1", *FAST, "-f", "csv")
    assert result.code == 0, result.err
    rows = pl.read_csv(result.out.encode())
    assert rows.columns == [
        "subset",
        "n_columns",
        "r2",
        "rmse",
        "r2_spread",
        "rmse_spread",
        "r2_difference",
        "rmse_difference",
        "r2_difference_spread",
        "rmse_difference_spread",
        "fit_seconds",
    ]
    assert rows["subset"].to_list() == ["all columns", "select k=1"]
    assert rows["r2"][0] > 0.3 and rows["r2_difference"][1] < 0


def test_sample_rows_caps_the_rows_loaded(small_csv):
    result = evaluate_subsets(
        [str(small_csv)],
        target="y",
        subsets=[],
        options=EvaluateOptions(folds=2, trees=5, sample_rows=300, threads=1),
    )
    assert result.rows == 900 and result.rows_used == 300


def test_table_output(cli, small_csv):
    result = cli("evaluate", small_csv, "-t", "y", *FAST, "-f", "table")
    assert result.code == 0, result.err
    assert "3-fold cross-validation on 900 of 900 rows" in result.out and "all columns" in result.out


def test_without_the_extra_it_says_how_to_install(cli, small_csv, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    result = cli("evaluate", small_csv, "-t", "y", *FAST)
    assert result.code == 2
    assert result.err.strip().endswith("install it with: pip install 'outrank-cli[evaluate]'")
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, code, fragment",
    [
        (["--folds", "1"], 2, "--folds must be between 2 and 50, got 1"),
        (["--sample-rows", "5"], 2, "--sample-rows must be >= 100, got 5"),
        (["--trees", "0"], 2, "--trees must be between 1 and 10000, got 0"),
        (["--k", "0"], 2, "--k must be >= 1, got 0"),
    ],
)
def test_bad_options(cli, small_csv, args, code, fragment):
    result = cli("evaluate", small_csv, "-t", "y", *args)
    assert result.code == code
    assert fragment in result.err and len(result.err.strip().splitlines()) == 1


def test_unknown_column_in_a_subset(cli, small_csv, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("colour\nsise\n")
    result = cli("evaluate", small_csv, "-t", "y", "--subset", names, *FAST)
    assert result.code == 1
    assert "'sise'" in result.err and "size" in result.err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"ranking": []}))
    result = cli("evaluate", small_csv, "-t", "y", "--subset", bad, *FAST)
    assert result.code == 1 and "not a select report" in result.err


def test_an_unknown_column_is_an_error_before_any_row_is_read(cli, small_csv, tmp_path, monkeypatch):
    """A table of hundreds of gigabytes is scanned for its row sample: a typo in a subset
    must not wait for that."""
    from outrank_cli.evaluate import crossval

    def no_load(*args, **keywords):
        raise AssertionError("rows were read")

    monkeypatch.setattr(crossval, "_load", no_load)
    names = tmp_path / "names.txt"
    names.write_text("colour\nsise\n")
    result = cli("evaluate", small_csv, "-t", "y", "--subset", names, *FAST)
    assert result.code == 1 and "'sise'" in result.err


def list_table(n: int = 900, seed: int = 11) -> pl.DataFrame:
    """``tags`` (a list of 0-4 values out of 12, value 7 drives y; some rows null), the same
    values as text ``"a|b"`` in ``tags_text``, and a noise column."""
    rng = np.random.default_rng(seed)
    tags: list[list[int] | None] = []
    for i in range(n):
        row = sorted({int(v) for v in rng.integers(0, 12, rng.integers(0, 5))})
        tags.append(None if i % 17 == 0 else row)
    has = np.array([row is not None and 7 in row for row in tags])
    y = (rng.random(n) < np.where(has, 0.8, 0.3)).astype(np.int64)
    text = [None if row is None else " | ".join(f"v{v}" for v in row) + "|" for row in tags]
    return pl.DataFrame(
        {
            "tags": pl.Series(tags, dtype=pl.List(pl.Int64)),
            "tags_text": text,
            "noise": rng.integers(0, 5, n),
            "y": y,
        }
    )


def hand_multi_hot(rows: list[list[object] | None], limit: int) -> np.ndarray:
    """Indicators of the ``limit`` values most rows hold (ties by value), then the count."""
    held: dict[object, int] = {}
    for row in rows:
        for value in set(row or []):
            held[value] = held.get(value, 0) + 1
    top = sorted(held, key=lambda v: (-held[v], v))[:limit]
    out = np.zeros((len(rows), len(top) + 1))
    for i, row in enumerate(rows):
        if row is None:
            out[i] = np.nan
            continue
        out[i, : len(top)] = [float(v in row) for v in top]
        out[i, -1] = len(set(row))
    return out


def hand_auc(x: np.ndarray, y: np.ndarray) -> float:
    aucs = []
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(x, y):
        model = HistGradientBoostingClassifier(
            max_iter=10, learning_rate=0.1, early_stopping=False, random_state=0
        ).fit(x[train], y[train])
        aucs.append(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1]))
    return float(np.mean(aucs))


@pytest.mark.parametrize("column, multivalue", [("tags", ()), ("tags_text", ("tags_text:|",))])
def test_multi_valued_columns_become_indicators_of_their_values(tmp_path, column, multivalue):
    table = list_table()
    path = tmp_path / "lists.parquet"
    table.write_parquet(path)
    result = evaluate_subsets(
        [str(path)],
        target="y",
        subsets=[Subset("values", (column,)), Subset("noise", ("noise",))],
        include=(column, "noise"),
        multivalue=multivalue,
        options=EvaluateOptions(folds=3, trees=10, threads=1),
    )
    y = table["y"].to_numpy()
    rows = table["tags"].to_list()
    if column == "tags_text":  # "v7 | v9|": trimmed, the empty value dropped
        rows = [None if r is None else [f"v{v}" for v in r] for r in rows]
    values = result.scores[1]
    assert values.metrics["auc"] == pytest.approx(hand_auc(hand_multi_hot(rows, 64), y), rel=1e-12)
    assert values.metrics["auc"] > 0.6 > result.scores[2].metrics["auc"]


def test_a_multi_valued_column_keeps_its_most_held_values(monkeypatch):
    from outrank_cli.evaluate import matrix

    monkeypatch.setattr(matrix, "VALUE_LIMIT", 3)
    rows = [[5, 1], [1, 2, 2], None, [], [3], [2, 1, None]]
    lists = pl.Series(rows, dtype=pl.List(pl.Int64))
    block = matrix._multi_hot(matrix.value_lists(lists, None))
    held = [[v for v in r if v is not None] if r is not None else None for r in rows]
    np.testing.assert_array_equal(block, hand_multi_hot(held, 3))


def test_a_delimited_csv_column_that_starts_with_single_numbers(cli, tmp_path):
    # the first rows hold one number each (inferred as integers), later ones several
    n = 12_000
    genres = ["12"] * 10_500 + ["12|7", "7|3"] * 750
    y = [0] * 10_500 + [1] * 1_500
    path = tmp_path / "genres.csv"
    pl.DataFrame({"genres": genres, "other": list(range(n)), "y": y}).write_csv(path)
    names = tmp_path / "genres.txt"
    names.write_text("genres\n")
    result = cli(
        "evaluate", path, "-t", "y", "--multivalue", "genres:|", "--subset", names, *FAST, "-f", "csv"
    )
    assert result.code == 0, result.err
    rows = pl.read_csv(result.out.encode())
    assert rows["subset"].to_list() == ["all columns", "genres.txt"]
    assert rows["auc"][1] == pytest.approx(1.0)  # holding 7 is the target


def test_a_subset_without_columns_is_the_training_class_shares(cli, tmp_path):
    """A selection that keeps no column (every feature constant) is a subset of 0 columns:
    its model predicts each fold's training class shares, so AUC 0.5 and the log-loss of those
    shares (by hand), where the fit used to fail on a matrix of 0 columns."""
    rng = np.random.default_rng(2)
    n = 300
    y = (rng.random(n) < 0.3).astype(np.int64)
    path = tmp_path / "constant.parquet"
    pl.DataFrame({"c": np.ones(n), "d": ["k"] * n, "y": y}).write_parquet(path)
    result = cli("evaluate", path, "-t", "y", *FAST, "--automatic", "--k", "1", "-f", "json")
    assert result.code == 0, result.err
    losses = []
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(n), y):
        share = y[train].mean()
        losses.append(
            log_loss(y[test], np.column_stack([np.full(len(test), 1 - share), np.full(len(test), share)]))
        )
    empty = [s for s in result.json()["subsets"] if s["n_columns"] == 0]
    assert len(empty) == 2  # the automatic subset and --k 1
    for subset in empty:
        assert subset["metrics"]["auc"] == 0.5
        assert subset["metrics"]["log_loss"] == pytest.approx(np.mean(losses), rel=1e-12)


def test_a_column_missing_on_every_training_row_is_as_if_left_out(tmp_path):
    """scikit-learn's gradient boosting fails on a column that is missing on all of a fit's
    rows (1.9: "window shape cannot be larger than input array shape"); such a column tells
    the model nothing, so the result equals leaving it out."""
    frame = small_table(n=300)
    missing = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("empty"))
    with_it, without = tmp_path / "with.parquet", tmp_path / "without.parquet"
    missing.write_parquet(with_it)
    frame.write_parquet(without)
    options = EvaluateOptions(folds=3, trees=10, threads=1)
    subsets = [Subset("two", ("colour", "size"))]
    got = evaluate_subsets([str(with_it)], target="y", subsets=subsets, options=options)
    expected = evaluate_subsets([str(without)], target="y", subsets=subsets, options=options)
    assert len(got.scores[0].columns) == len(expected.scores[0].columns) + 1
    for a, b in zip(got.scores, expected.scores, strict=True):
        assert a.metrics == pytest.approx(b.metrics, rel=1e-12)


def test_a_nan_target_is_missing_and_an_infinite_one_an_error(cli, tmp_path):
    """A numeric target's NaN rows are left out, as rank leaves out rows without a target (the
    same numbers as the table without them); an infinite target cannot be fitted: one line,
    exit 1. Both used to end in a scikit-learn traceback."""
    frame = small_table(n=300, numeric_target=True)
    hole = np.arange(frame.height) % 7 == 0
    with_nan = frame.with_columns(
        pl.when(pl.Series(hole)).then(float("nan")).otherwise(pl.col("y")).alias("y")
    )
    nan_path, clean_path, inf_path = (
        tmp_path / "nan.parquet",
        tmp_path / "clean.parquet",
        tmp_path / "inf.parquet",
    )
    with_nan.write_parquet(nan_path)
    frame.filter(~pl.Series(hole)).write_parquet(clean_path)
    options = EvaluateOptions(folds=3, trees=10, threads=1)
    got = evaluate_subsets([str(nan_path)], target="y", subsets=[], options=options)
    expected = evaluate_subsets([str(clean_path)], target="y", subsets=[], options=options)
    assert got.scores[0].metrics == pytest.approx(expected.scores[0].metrics, rel=1e-12)
    frame.with_columns(
        pl.when(pl.Series(hole)).then(float("inf")).otherwise(pl.col("y")).alias("y")
    ).write_parquet(inf_path)
    result = cli("evaluate", inf_path, "-t", "y", *FAST)
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.strip().splitlines() == [
        "outrank-cli: error: target 'y' is infinite in 43 of the 300 rows used; a regression model "
        "needs finite values: leave those rows out or transform the target"
    ]
