"""Integer columns in two views, float columns with few values, and forced views (issue 11).

Every figure is checked against scikit-learn on the raw codes or against scipy's chi-square,
never against the library's own other numbers.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2, kruskal
from sklearn.metrics import mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

from tests import reference

LN2 = math.log(2.0)


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@pytest.fixture(scope="module")
def ids(tmp_path_factory):
    """A 1,000-level integer ID whose signal has no order, one whose signal is a threshold,
    and a float with five values."""
    rng = np.random.default_rng(11)
    n = 30_000
    campaign = rng.integers(0, 1_000, n)
    amount = rng.integers(0, 1_000, n)
    rating = rng.integers(1, 6, n) / 2.0
    y = (rng.random(n) < _logistic(1.2 * (campaign % 3 == 0) + 1.0 * (amount > 700) - 0.8)).astype(np.int64)
    frame = pl.DataFrame({"campaign": campaign, "amount": amount, "rating": rating, "y": y})
    path = tmp_path_factory.mktemp("views") / "ids.parquet"
    frame.write_parquet(path)
    return path, frame


def _feature(doc: dict, name: str) -> dict:
    return next(f for f in doc["features"] if f["name"] == name)


def _calibrated_p(mi: float, expected: float, df: int) -> float:
    return float(chi2.sf(mi / (expected / df), df))


def test_an_orderless_id_is_ranked_by_its_categories_as_sklearn_counts_them(cli, ids):
    path, frame = ids
    feature = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), "campaign")
    assert feature["kind"] == "categorical" and feature["other_view"]["kind"] == "numeric"
    codes, y = frame["campaign"].to_numpy(), frame["y"].to_numpy()
    mi = mutual_info_score(codes, y)
    expected = expected_mutual_information(contingency_matrix(codes, y), len(y))
    assert feature["mi"] == pytest.approx(mi / LN2, rel=1e-9)
    assert feature["expected_mi"] == pytest.approx(expected / LN2, rel=1e-9)
    assert feature["score"] == pytest.approx((mi - expected) / LN2, rel=1e-9)
    # binned, the signal is gone: the categories win by far
    assert feature["other_view"]["score"] < feature["score"] / 20
    # three tests looked at (the categories' chi-square, the bins' chi-square and their trend
    # test): the p-value is tripled; categories have no trend test
    df = (len(np.unique(codes)) - 1) * (len(np.unique(y)) - 1)
    assert feature["p_value"] == pytest.approx(
        min(1.0, 3 * _calibrated_p(mi, expected, df)), rel=1e-6, abs=1e-300
    )
    assert feature["trend_p_value"] is None
    assert feature["forced"] is False and feature["significant"] is True


def test_a_threshold_in_a_number_is_ranked_by_its_bins(cli, ids):
    path, frame = ids
    feature = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), "amount")
    assert feature["kind"] == "numeric" and feature["bins"] == 16
    assert feature["other_view"]["kind"] == "categorical"
    codes, y = frame["amount"].to_numpy(), frame["y"].to_numpy()
    mi = mutual_info_score(codes, y)  # the categorical view, on the raw values
    expected = expected_mutual_information(contingency_matrix(codes, y), len(y))
    assert feature["other_view"]["mi"] == pytest.approx(mi / LN2, rel=1e-9)
    assert feature["other_view"]["score"] == pytest.approx((mi - expected) / LN2, rel=1e-9)


def test_a_float_with_few_values_is_tried_as_categories_too(cli, ids):
    path, _ = ids
    feature = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), "rating")
    assert {feature["kind"], feature["other_view"]["kind"]} == {"numeric", "categorical"}


def test_forced_views_score_one_view_without_the_doubling(cli, ids, tmp_path):
    path, frame = ids
    doc = cli("rank", path, "-t", "y", "-f", "json", "--numeric", "campaign", "--categorical", "am*").json()
    campaign, amount = _feature(doc, "campaign"), _feature(doc, "amount")
    assert (campaign["kind"], campaign["forced"], campaign["other_view"]) == ("numeric", True, None)
    assert (amount["kind"], amount["forced"], amount["other_view"]) == ("categorical", True, None)
    codes, y = frame["amount"].to_numpy(), frame["y"].to_numpy()
    mi = mutual_info_score(codes, y)
    expected = expected_mutual_information(contingency_matrix(codes, y), len(y))
    df = (len(np.unique(codes)) - 1) * (len(np.unique(y)) - 1)
    assert amount["p_value"] == pytest.approx(_calibrated_p(mi, expected, df), rel=1e-6, abs=1e-300)
    assert doc["options"]["numeric"] == ["campaign"] and doc["options"]["categorical"] == ["am*"]
    # the same from pyproject.toml
    (tmp_path / "pyproject.toml").write_text('[tool.outrank-cli]\nnumeric = ["campaign"]\n')
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        doc = cli("rank", path, "-t", "y", "-f", "json").json()
    finally:
        os.chdir(here)
    assert _feature(doc, "campaign")["kind"] == "numeric" and _feature(doc, "campaign")["forced"] is True


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["--numeric", "text"], 2, "--numeric 'text': column 'text' is string"),
        (["--numeric", "campaign", "--categorical", "campaign"], 2, "both --categorical and --numeric"),
        (["--categorical", "nope"], 1, "--categorical column 'nope' is not in the table"),
        (["--multivalue", "text"], 2, "--multivalue needs a column and a separator"),
    ],
)
def test_bad_overrides_are_one_line(cli, tmp_path, args, code, fragment):
    path = tmp_path / "t.csv"
    pl.DataFrame({"campaign": [1, 2, 3, 4] * 10, "text": ["a", "b"] * 20, "y": [0, 1] * 20}).write_csv(path)
    result = cli("rank", path, "-t", "y", *args)
    assert result.code == code, result.err
    assert fragment in result.err and len(result.err.strip().splitlines()) == 1


def test_multivalue_on_a_parquet_number_column_is_a_usage_error(cli, tmp_path):
    # a CSV column named by --multivalue is read as text; a Parquet column has its type
    path = tmp_path / "t.parquet"
    pl.DataFrame({"campaign": [1, 2, 3, 4] * 10, "y": [0, 1] * 20}).write_parquet(path)
    result = cli("rank", path, "-t", "y", "--multivalue", "campaign:|")
    assert result.code == 2 and "column 'campaign' is not text" in result.err


def test_a_bad_project_setting_is_a_usage_error(cli, tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    pl.DataFrame({"x": [1, 2] * 10, "y": [0, 1] * 10}).write_csv(path)
    (tmp_path / "pyproject.toml").write_text("[tool.outrank-cli]\nnumeric = 3\n")
    monkeypatch.chdir(tmp_path)
    result = cli("rank", path, "-t", "y")
    assert result.code == 2 and "numeric in [tool.outrank-cli]" in result.err
    (tmp_path / "pyproject.toml").write_text('[tool.outrank-cli]\nnumerc = ["x"]\n')
    result = cli("rank", path, "-t", "y")
    assert result.code == 2 and "unknown key 'numerc'" in result.err


def test_every_informative_id_ranks_above_every_noise_id(cli, tmp_path):
    """Recommender-shaped: integer IDs of 2 to 20,000 levels, an orderless signal in some."""
    rng = np.random.default_rng(5)
    n, columns = 60_000, 36
    levels = np.round(np.geomspace(2, 20_000, columns)).astype(np.int64)
    informative = set(range(0, columns, 4))
    data, logit = {}, np.full(n, -len(informative) / 3.0)
    for k, count in enumerate(levels):
        codes = rng.integers(0, count, n)
        if k in informative:
            logit += 1.0 * (codes % 3 == 0)
        data[f"c{k}_{count}"] = codes
    data["y"] = (rng.random(n) < _logistic(logit)).astype(np.int64)
    path = tmp_path / "ids.parquet"
    pl.DataFrame(data).write_parquet(path)
    doc = cli("rank", path, "-t", "y", "-f", "json").json()
    rank = {f["name"]: f["rank"] for f in doc["features"]}
    signal = [rank[f"c{k}_{levels[k]}"] for k in informative]
    noise = [rank[f"c{k}_{levels[k]}"] for k in range(columns) if k not in informative]
    assert max(signal) < min(noise), (sorted(signal), sorted(noise)[:5])


@pytest.fixture(scope="module")
def monotone(tmp_path_factory):
    """600 rows, a small monotone effect of an integer and of a float column."""
    rng = np.random.default_rng(3)
    n = 600
    count = rng.integers(0, 1_000, n)
    income = rng.gamma(2.0, 1.5, n)
    y = (rng.random(n) < _logistic(0.001 * count + 0.15 * income - 1.2)).astype(np.int64)
    frame = pl.DataFrame({"count": count, "income": income, "y": y})
    path = tmp_path_factory.mktemp("monotone") / "monotone.parquet"
    frame.write_parquet(path)
    return path, frame


def _bins(values: np.ndarray) -> np.ndarray:
    """The 16 equal-frequency bins of the reference (``tests/reference.py``)."""
    keys, counts = np.unique(values, return_counts=True)  # sorted: their positions keep the order
    bins = reference.equal_frequency_bins(list(range(len(keys))), counts.tolist(), n_bins=16)
    return np.array(bins)[np.searchsorted(keys, values)]


@pytest.mark.parametrize(("name", "tests"), [("count", 3), ("income", 2)])
def test_a_monotone_effect_is_found_by_the_trend_of_the_bins(cli, monotone, name, tests):
    # the bins' trend test (Kruskal-Wallis H of their midranks, scipy) against the bins'
    # calibrated chi-square (scikit-learn): the smaller, times the tests looked at (an integer
    # column: both views' chi-squares and the trend; a float: the bins' two)
    path, frame = monotone
    feature = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), name)
    assert feature["kind"] == "numeric" and feature["bins"] == 16
    bins, y = _bins(frame[name].to_numpy()), frame["y"].to_numpy()
    trend = float(kruskal(bins[y == 0], bins[y == 1]).pvalue)
    mi = mutual_info_score(bins, y)
    expected = expected_mutual_information(contingency_matrix(bins, y), len(y))
    by_chi_square = _calibrated_p(mi, expected, 15)
    assert feature["trend_p_value"] == pytest.approx(trend, rel=1e-7)
    assert feature["p_value"] == pytest.approx(min(1.0, tests * min(trend, by_chi_square)), rel=1e-7)
    # on 600 rows the trend test is what shows the effect
    assert trend * tests < 0.01 < by_chi_square
    assert feature["significant"] is True


def test_a_forced_numeric_view_is_tested_twice(cli, monotone):
    path, _ = monotone
    forced = _feature(cli("rank", path, "-t", "y", "-f", "json", "--numeric", "count").json(), "count")
    free = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), "count")
    assert forced["forced"] is True and forced["trend_p_value"] == free["trend_p_value"]
    assert forced["p_value"] == pytest.approx(free["p_value"] * 2 / 3, rel=1e-12)
