"""Multi-valued columns: list columns and delimited text, ranked by their values (issue 11).

The best value's score and p-value are checked against scikit-learn and scipy on the indicator
"row contains v", computed here from the raw lists.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2
from sklearn.metrics import mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

from outrank_cli.select.greedy import MULTIVALUE_REASON

LN2 = math.log(2.0)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(8)
    n = 20_000
    interests = [sorted(rng.choice(60, size=rng.integers(0, 5), replace=False).tolist()) for _ in range(n)]
    tags = [
        "|".join(f"t{v}" for v in rng.choice(30, size=rng.integers(0, 4), replace=False)) for _ in range(n)
    ]
    has_interest = np.array([7 in row for row in interests])
    has_tag = np.array(["t3" in t.split("|") for t in tags])
    noise = rng.integers(0, 50, n)
    logit = 1.5 * has_interest + 1.2 * has_tag - 0.9
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    frame = pl.DataFrame({"interests": interests, "tags": tags, "noise": noise, "y": y})
    path = tmp_path_factory.mktemp("multivalue") / "t.parquet"
    frame.write_parquet(path)
    return path, frame


def _feature(doc: dict, name: str) -> dict:
    return next(f for f in doc["features"] if f["name"] == name)


def _indicator_figures(indicator: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    mi = mutual_info_score(indicator, y)
    expected = expected_mutual_information(contingency_matrix(indicator, y), len(y))
    df = len(np.unique(y)) - 1
    return mi, expected, float(chi2.sf(mi / (expected / df), df))


def test_a_list_column_is_ranked_by_its_best_value(cli, table):
    path, frame = table
    doc = cli("rank", path, "-t", "y", "-f", "json", "--multivalue", "tags:|").json()
    feature = _feature(doc, "interests")
    assert feature["kind"] == "multivalue" and feature["rank"] <= 2
    assert feature["top_values"][0]["value"] == "7"
    lists, y = frame["interests"].to_list(), frame["y"].to_numpy()
    indicator = np.array([7 in row for row in lists])
    mi, expected, p = _indicator_figures(indicator, y)
    assert feature["score"] == pytest.approx((mi - expected) / LN2, rel=1e-9)
    assert feature["mi"] == pytest.approx(mi / LN2, rel=1e-9)
    assert feature["top_values"][0]["rows"] == int(indicator.sum())
    distinct = {v for row in lists for v in row}
    assert feature["levels"] == len(distinct)
    # the p-value pays for every value looked at
    assert feature["p_value"] == pytest.approx(min(1.0, p * len(distinct)), rel=1e-6, abs=1e-300)
    assert feature["missing_share"] == pytest.approx(np.mean([len(row) == 0 for row in lists]))


def test_delimited_text_is_split_trimmed_and_ranked_by_value(cli, table):
    path, frame = table
    doc = cli("rank", path, "-t", "y", "-f", "json", "--multivalue", "tags:|").json()
    feature = _feature(doc, "tags")
    assert feature["kind"] == "multivalue" and feature["top_values"][0]["value"] == "t3"
    texts, y = frame["tags"].to_list(), frame["y"].to_numpy()
    indicator = np.array(["t3" in t.split("|") for t in texts])
    mi, expected, _ = _indicator_figures(indicator, y)
    assert feature["score"] == pytest.approx((mi - expected) / LN2, rel=1e-9)
    assert feature["levels"] == 30  # the empty field of an empty row is no value
    assert feature["missing_share"] == pytest.approx(np.mean([t == "" for t in texts]))
    # without --multivalue, the text is one level per distinct string
    plain = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), "tags")
    assert plain["kind"] == "categorical" and plain["top_values"] == []


def test_select_searches_a_multi_valued_column_as_its_best_value(cli, table):
    path, _ = table
    doc = cli("select", path, "-t", "y", "-f", "json", "--multivalue", "tags:|").json()
    # interests' value 7 and tags' value t3 drive y apart from each other; noise does not
    assert sorted(s["name"] for s in doc["selected"]) == ["interests", "tags"]
    assert {d["name"]: d["reason"] for d in doc["dropped"]} == {"noise": "no signal"}
    pairs = cli("redundancy", path, "-t", "y", "-f", "json", "--multivalue", "tags:|").json()
    assert all("interests" not in (p["a"], p["b"]) for p in pairs["pairs"])


def test_a_column_that_repeats_the_best_value_is_redundant_with_it(cli, tmp_path):
    rng = np.random.default_rng(12)
    n = 8_000
    interests = [sorted(rng.choice(60, size=rng.integers(0, 5), replace=False).tolist()) for _ in range(n)]
    has7 = np.array([7 in row for row in interests])
    y = (rng.random(n) < np.where(has7, 0.7, 0.3)).astype(np.int64)
    path = tmp_path / "repeat.parquet"
    frame = pl.DataFrame({"interests": interests, "has7": has7.astype(np.int64), "y": y})
    frame.write_parquet(path)
    doc = cli("select", path, "-t", "y", "-f", "json").json()
    # the same indicator, the same score: the first column is taken, the other repeats it
    assert [s["name"] for s in doc["selected"]] == ["interests"]
    (dropped,) = doc["dropped"]
    assert dropped["name"] == "has7" and dropped["reason"] == "redundant with interests"
    assert dropped["redundancy_normalized"] == pytest.approx(1.0)
    # check pairs columns as themselves: the list column is no duplicate of has7
    check = cli("check", path, "-t", "y", "-f", "json", "--fail-on", "never").json()
    assert not [f for f in check["findings"] if f["check"] in ("duplicate", "near_duplicate")]
    # past --max-levels the values share buckets: no best value to search it by
    folded = cli("select", path, "-t", "y", "-f", "json", "--max-levels", "16").json()
    reasons = {d["name"]: d["reason"] for d in folded["dropped"]}
    assert reasons["interests"] == MULTIVALUE_REASON
    assert "folded past --max-levels, or over 16 a row" in MULTIVALUE_REASON
    assert [s["name"] for s in folded["selected"]] == ["has7"]


@pytest.mark.parametrize("command", ["rank", "select"])
def test_value_labels_and_counts_are_the_same_through_dask(cli, table, dask_scheduler, command):
    path, _ = table
    args = (command, path, "-t", "y", "-f", "json", "--multivalue", "tags:|")
    local = cli(*args).json()
    remote = cli(*args, "--engine", "dask", "--scheduler", dask_scheduler).json()
    local.pop("timings")
    remote.pop("timings")
    assert local == remote


def test_a_delimited_csv_column_that_starts_with_single_numbers_is_split(cli, tmp_path):
    # the first rows hold one number each (inferred as integers), later ones several
    n = 12_000
    genres = ["12"] * 10_500 + ["12|7"] * (n - 10_500)
    y = [0] * 10_500 + [1] * (n - 10_500)
    path = tmp_path / "genres.csv"
    pl.DataFrame({"genres": genres, "other": list(range(n)), "y": y}).write_csv(path)
    feature = _feature(
        cli("rank", path, "-t", "y", "-f", "json", "--multivalue", "genres:|").json(), "genres"
    )
    assert feature["kind"] == "multivalue" and feature["top_values"][0]["value"] == "7"


def test_a_csv_column_re_typed_mid_file_keeps_the_forced_views(cli, tmp_path):
    rng = np.random.default_rng(2)
    n = 15_000
    x = [str(v) for v in rng.integers(0, 9, n - 1)] + ["1.5"]  # re-typed as float at the end
    frame = pl.DataFrame(
        {"x": x, "code": rng.integers(0, 200, n), "tags": ["a|b"] * n, "y": rng.integers(0, 2, n)}
    )
    path = tmp_path / "late.csv"
    frame.write_csv(path)
    doc = cli("rank", path, "-t", "y", "-f", "json", "--numeric", "code", "--multivalue", "tags:|").json()
    assert (_feature(doc, "code")["kind"], _feature(doc, "code")["forced"]) == ("numeric", True)
    assert _feature(doc, "tags")["kind"] == "multivalue"


def test_array_columns_and_lists_of_nulls(cli, tmp_path):
    lists = [[1], [None], [], None, [1, None], [2, 2]] * 50
    y = [0, 1, 0, 1, 0, 1] * 50
    frame = pl.DataFrame({"lst": lists, "y": y}).with_columns(
        pl.Series("arr", [[1, 2], [2, 3], [1, 1], [3, 3], [1, 2], [2, 2]] * 50, dtype=pl.Array(pl.Int64, 2))
    )
    path = tmp_path / "arr.parquet"
    frame.write_parquet(path)
    doc = cli("rank", path, "-t", "y", "-f", "json")
    assert doc.code == 0, doc.err
    features = {f["name"]: f for f in doc.json()["features"]}
    assert features["arr"]["kind"] == features["lst"]["kind"] == "multivalue"
    # rows without a value: [None], [] and None, half of them in each class
    assert features["lst"]["missing_share"] == pytest.approx(3 / 6)


def test_value_names_survive_merging_past_the_cap(cli, tmp_path, dask_scheduler):
    parts = tmp_path / "parts"
    parts.mkdir()
    pl.DataFrame({"tags": ["a|b", "b", "a"], "y": [0, 1, 0]}).write_csv(parts / "p0.csv")
    pl.DataFrame({"tags": ["a|b", "c", "c|a"], "y": [1, 1, 0]}).write_csv(parts / "p1.csv")
    args = ("rank", parts, "-t", "y", "-f", "json", "--multivalue", "tags:|", "--max-levels", "3")
    local = cli(*args).json()
    remote = cli(*args, "--engine", "dask", "--scheduler", dask_scheduler).json()
    assert [v["value"] for v in local["features"][0]["top_values"]] == [
        v["value"] for v in remote["features"][0]["top_values"]
    ]
    assert all(not v["value"].startswith("#") for v in local["features"][0]["top_values"])


def test_lists_too_long_to_keep_in_the_sample_are_not_searched(cli, tmp_path):
    rng = np.random.default_rng(13)
    n = 3_000
    # 20 values a row on average, past the 16 the sample keeps; value 7 still drives y
    history = [rng.choice(400, size=rng.integers(10, 31), replace=False).tolist() for _ in range(n)]
    has7 = np.array([7 in row for row in history])
    y = (rng.random(n) < np.where(has7, 0.8, 0.3)).astype(np.int64)
    path = tmp_path / "history.parquet"
    pl.DataFrame({"history": history, "y": y}).write_parquet(path)
    ranked = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), "history")
    assert ranked["top_values"][0]["value"] == "7"  # ranked by its values as before
    doc = cli("select", path, "-t", "y", "-f", "json", "--sample-rows", "1000").json()
    assert doc["selected"] == []
    assert {d["name"]: d["reason"] for d in doc["dropped"]} == {"history": MULTIVALUE_REASON}
    # short lists of the same values are kept
    short = tmp_path / "short.parquet"
    pl.DataFrame({"history": [row[:8] + ([7] if 7 in row else []) for row in history], "y": y}).write_parquet(
        short
    )
    doc = cli("select", short, "-t", "y", "-f", "json", "--sample-rows", "1000").json()
    assert [s["name"] for s in doc["selected"]] == ["history"]


def test_whether_a_list_column_is_searched_does_not_depend_on_how_rows_come_in(cli, tmp_path, dask_scheduler):
    # 200 rows of 20 values first, then 20,000 rows of one: the first rows alone pass twice
    # the budget of a 100-row sample (16 values a row), the final sample is far below it
    rng = np.random.default_rng(1)
    heavy = [list(range(100 + 20 * i, 120 + 20 * i)) for i in range(200)]
    light = [[int(v)] for v in rng.integers(0, 5, 20_000)]
    tags = heavy + light
    z = rng.integers(0, 2, len(tags))
    y = [int(zz == 1 or 0 in t) ^ int(rng.random() < 0.05) for t, zz in zip(tags, z, strict=True)]
    frame = pl.DataFrame({"tags": pl.Series(tags, dtype=pl.List(pl.Int64)), "z": z, "y": y})
    whole = tmp_path / "whole.parquet"
    frame.write_parquet(whole)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, frame.height, 2_500)):
        frame.slice(start, 2_500).write_parquet(parts / f"p{i:02d}.parquet")
    args = ("-t", "y", "-f", "json", "--sample-rows", "100")
    reports = [
        cli("select", whole, *args, "--batch-rows", "100").json(),
        cli("select", whole, *args, "--batch-rows", "100000").json(),
        cli("select", parts, *args).json(),
        cli("select", parts, *args, "--engine", "dask", "--scheduler", dask_scheduler).json(),
    ]
    for report in reports:
        report.pop("timings")
        report["input"].pop("paths", None)
        report.get("options", {}).pop("batch_rows", None)
    reasons = [{d["name"]: d["reason"] for d in r["dropped"]} for r in reports]
    assert all(MULTIVALUE_REASON not in r.values() for r in reasons)
    assert all(r["selected"] == reports[0]["selected"] for r in reports)
    assert reasons == [reasons[0]] * 4


def test_a_constant_list_column_is_dropped_as_constant(cli, tmp_path):
    rng = np.random.default_rng(3)
    n = 2_000
    x = rng.integers(0, 3, n)
    path = tmp_path / "constant.parquet"
    frame = pl.DataFrame(
        {
            "same": pl.Series([["a"]] * n, dtype=pl.List(pl.String)),
            "empty": pl.Series([[]] * n, dtype=pl.List(pl.String)),
            "x": x,
            "y": (x == 1).astype(np.int64),
        }
    )
    frame.write_parquet(path)
    doc = cli("select", path, "-t", "y", "-f", "json").json()
    reasons = {d["name"]: d["reason"] for d in doc["dropped"]}
    assert reasons == {"same": "constant", "empty": "constant"}


def test_a_nan_inside_a_list_is_no_value(cli, tmp_path):
    from outrank_cli.encode.multivalue import value_lists

    lists = pl.Series(
        [[1.5, float("nan")], [float("nan")], None, [2.0, 1.5, None]], dtype=pl.List(pl.Float64)
    )
    held = [None if row is None else sorted(row) for row in value_lists(lists, None).to_list()]
    assert held == [[1.5], [], None, [1.5, 2.0]]


def test_check_names_the_value_through_which_a_list_column_leaks(cli, tmp_path):
    rng = np.random.default_rng(0)
    n = 5_000
    y = rng.integers(0, 2, n)
    tags = [(["clicked"] if v else []) + [f"t{k}" for k in rng.choice(20, 2, replace=False)] for v in y]
    path = tmp_path / "leak.parquet"
    empty = pl.Series([[]] * n, dtype=pl.List(pl.String))
    pl.DataFrame({"tags": tags, "empty": empty, "x": rng.integers(0, 5, n), "y": y}).write_parquet(path)
    result = cli("check", path, "-t", "y", "-f", "json")
    assert result.code == 1
    findings = {(f["code"], f["column"]): f for f in result.json()["findings"]}
    assert set(findings) == {("target_leak", "tags"), ("empty", "empty")}
    leak = findings[("target_leak", "tags")]
    assert leak["severity"] == "error"
    assert leak["message"].startswith(
        "column 'tags' (holding 'clicked') explains 100% of the target's entropy"
    )


def test_the_select_table_names_the_value_a_list_column_was_searched_by(cli, table):
    path, _ = table
    result = cli("select", path, "-t", "y", "-f", "table", "--multivalue", "tags:|")
    assert result.code == 0, result.err
    assert "interests ∋ 7" in result.out and "tags ∋ t3" in result.out
    assert "noise ∋" not in result.out


def test_select_json_and_csv_name_each_column_s_view_and_a_list_column_s_value(cli, table):
    path, _ = table
    # --k 3 fills the subset with noise, an integer column: no value; its view is rank's
    args = ("select", path, "-t", "y", "--multivalue", "tags:|", "--k", "3")
    doc = cli(*args, "-f", "json").json()
    noise_kind = _feature(cli("rank", path, "-t", "y", "-f", "json").json(), "noise")["kind"]
    expected = {"interests": ("multivalue", "7"), "tags": ("multivalue", "t3"), "noise": (noise_kind, None)}
    assert {s["name"]: (s["kind"], s["value"]) for s in doc["selected"]} == expected
    rows = list(csv.DictReader(io.StringIO(cli(*args, "-f", "csv").out)))
    assert {r["name"]: (r["kind"], r["value"]) for r in rows} == {
        name: (kind, value or "") for name, (kind, value) in expected.items()
    }


def test_the_select_html_report_names_each_column_s_view_and_value(cli, table, tmp_path):
    pytest.importorskip("vl_convert", reason="the html extra is not installed")
    path, _ = table
    page = tmp_path / "select.html"
    result = cli("select", path, "-t", "y", "--multivalue", "tags:|", "--k", "3", "-f", "html", "-o", page)
    assert result.code == 0, result.err
    text = page.read_text(encoding="utf-8")
    assert '"name":"interests"' in text and '"kind":"multivalue","value":"7"' in text
    assert '"kind":"multivalue","value":"t3"' in text
