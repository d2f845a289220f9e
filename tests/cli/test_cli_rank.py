"""End-to-end tests of `outrank-cli rank`: outputs, files, exit codes and error messages."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

LN2 = np.log(2.0)


def strip_volatile(document: dict) -> dict:
    document = dict(document)
    document.pop("timings", None)
    document["input"] = {k: v for k, v in document["input"].items() if k != "paths"}
    return document


def test_synthetic_ground_truth(cli, synthetic_csv):
    result = cli("rank", synthetic_csv, "--target", "y", "--format", "json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["schema_version"] == 1
    assert doc["tool"]["name"] == "outrank-cli"
    assert doc["input"]["rows"] == 20_000 and doc["input"]["rows_dropped"] == 0
    assert doc["target"] == {**doc["target"], "name": "y", "kind": "binary", "levels": 2}
    names = [f["name"] for f in doc["features"]]
    assert "y" not in names
    assert [f["rank"] for f in doc["features"]] == list(range(1, len(names) + 1))
    signal = {"signal_strong", "copy_of_strong", "signal_numeric", "signal_int", "signal_weak"}
    assert set(names[:5]) == signal
    by_name = {f["name"]: f for f in doc["features"]}
    # ID-like and noise columns of any cardinality score about zero, though their plug-in MI
    # is large (id_like: MI = H(Y) = 1 bit)
    assert by_name["id_like"]["mi"] > 0.99
    for noise in ("id_like", "noise_cat", "noise_high_card", "noise_numeric", "constant", "mostly_missing"):
        assert abs(by_name[noise]["score"]) < 1e-3, noise
        assert by_name[noise]["p_value"] > 0.01, noise
    assert by_name["id_like"]["levels"] == 20_000 and by_name["id_like"]["levels_exact"] is True
    assert by_name["mostly_missing"]["missing_share"] == pytest.approx(0.95)
    assert by_name["signal_numeric"]["kind"] == "numeric"
    assert by_name["signal_strong"]["kind"] == "categorical"


def test_categorical_scores_match_sklearn(cli, synthetic_csv):
    doc = cli("rank", synthetic_csv, "-t", "y", "-f", "json").json()
    frame = pl.read_csv(synthetic_csv)
    y = frame["y"].to_numpy()
    by_name = {f["name"]: f for f in doc["features"]}
    for column in ("signal_strong", "signal_weak", "noise_cat", "id_like", "copy_of_strong"):
        x = frame[column].fill_null("<missing>").to_numpy()
        assert by_name[column]["mi"] == pytest.approx(mutual_info_score(x, y) / LN2, rel=1e-6, abs=1e-9)
        assert by_name[column]["ami_normalized"] == pytest.approx(
            adjusted_mutual_info_score(x, y), rel=1e-6, abs=1e-9
        )


def test_csv_and_parquet_agree(cli, tmp_path, synthetic_csv):
    parquet = tmp_path / "t.parquet"
    pl.read_csv(synthetic_csv).write_parquet(parquet)
    a = cli("rank", synthetic_csv, "-t", "y", "-f", "json").json()
    b = cli("rank", parquet, "-t", "y", "-f", "json").json()
    assert strip_volatile(a) == strip_volatile(b)


def test_row_order_and_batching_do_not_change_scores(cli, tmp_path, synthetic_csv):
    frame = pl.read_csv(synthetic_csv)
    shuffled = tmp_path / "shuffled.csv"
    frame.sample(fraction=1.0, shuffle=True, seed=7).write_csv(shuffled)
    a = cli("rank", synthetic_csv, "-t", "y", "-f", "json").json()
    b = cli("rank", shuffled, "-t", "y", "-f", "json", "--batch-rows", "999").json()
    scores_a = {f["name"]: f["score"] for f in a["features"]}
    scores_b = {f["name"]: f["score"] for f in b["features"]}
    assert scores_a.keys() == scores_b.keys()
    for name in scores_a:
        assert scores_b[name] == pytest.approx(scores_a[name], abs=1e-9), name


def test_parts_glob_directory_and_compression_agree(cli, tmp_path, synthetic_csv):
    frame = pl.read_csv(synthetic_csv)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, frame.height, 6000)):
        frame.slice(start, 6000).write_csv(parts / f"part-{i:03d}.csv")
    (parts / "_SUCCESS").write_text("")
    gz = tmp_path / "t.csv.gz"
    with open(synthetic_csv, "rb") as raw, gzip.open(gz, "wb") as packed:
        shutil.copyfileobj(raw, packed)
    tsv = tmp_path / "t.tsv"
    frame.write_csv(tsv, separator="\t")
    reference = strip_volatile(cli("rank", synthetic_csv, "-t", "y", "-f", "json").json())
    for args in ([parts], [str(parts / "part-*.csv")], [gz], [tsv], sorted(parts.glob("part-*.csv"))):
        result = cli("rank", *args, "-t", "y", "-f", "json")
        assert result.code == 0, (args, result.err)
        assert strip_volatile(result.json()) == reference, args


def test_zstd_compressed_csv(cli, tmp_path, synthetic_csv):
    zstandard = pytest.importorskip("zstandard")
    path = tmp_path / "t.csv.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(synthetic_csv.read_bytes()))
    a = strip_volatile(cli("rank", synthetic_csv, "-t", "y", "-f", "json").json())
    b = cli("rank", path, "-t", "y", "-f", "json")
    assert b.code == 0, b.err
    assert strip_volatile(b.json()) == a


def test_output_directory_writes_json_and_csv(cli, tmp_path, synthetic_csv):
    out = tmp_path / "out"
    out.mkdir()
    result = cli("rank", synthetic_csv, "-t", "y", "--output", out, "--quiet")
    assert result.code == 0, result.err
    assert result.out == ""
    doc = json.loads((out / "ranking.json").read_text())
    table = pl.read_csv(out / "ranking.csv")
    assert table["name"].to_list() == [f["name"] for f in doc["features"]]
    assert table["rank"].to_list() == list(range(1, table.height + 1))
    assert sorted(p.name for p in out.iterdir()) == ["ranking.csv", "ranking.json"]


def test_output_file_format_from_suffix(cli, tmp_path, synthetic_csv):
    target = tmp_path / "r.csv"
    assert cli("rank", synthetic_csv, "-t", "y", "-o", target).code == 0
    assert target.read_text().startswith("rank,name,score,")


def test_names_format_and_top(cli, synthetic_csv):
    result = cli("rank", synthetic_csv, "-t", "y", "-f", "names", "--top", "3")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == 3
    assert set(lines) <= {"signal_strong", "copy_of_strong", "signal_numeric"}


def test_table_format(cli, synthetic_csv):
    result = cli("rank", synthetic_csv, "-t", "y", "-f", "table")
    assert result.code == 0
    assert "signal_strong" in result.out and "Relevance to" in result.out


def test_include_exclude(cli, synthetic_csv):
    doc = cli(
        "rank",
        synthetic_csv,
        "-t",
        "y",
        "-f",
        "json",
        "--include",
        "signal_*,noise_cat",
        "--exclude",
        "signal_int",
    ).json()
    assert sorted(f["name"] for f in doc["features"]) == [
        "noise_cat",
        "signal_numeric",
        "signal_strong",
        "signal_weak",
    ]


def test_numeric_and_multiclass_targets(cli, tmp_path):
    rng = np.random.default_rng(3)
    n = 6000
    x = rng.normal(size=n)
    frame = pl.DataFrame(
        {
            "x": x,
            "noise": rng.normal(size=n),
            "cls": rng.choice(["a", "b", "c"], size=n),
            "y_num": x * 2 + rng.normal(size=n) * 0.5,
            "y_int": rng.integers(0, 1000, size=n),
        }
    )
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    doc = cli("rank", path, "-t", "y_num", "-f", "json", "--exclude", "y_int").json()
    assert doc["target"]["kind"] == "numeric"
    assert doc["target"]["levels"] == 16
    assert len(doc["target"]["bin_edges"]) == 15
    assert doc["features"][0]["name"] == "x"
    doc = cli("rank", path, "-t", "cls", "-f", "json").json()
    assert doc["target"]["kind"] == "multiclass" and doc["target"]["levels"] == 3
    assert sorted(doc["target"]["labels"]) == ["a", "b", "c"]
    # an integer target with many values is binned like a number (after a restart)
    doc = cli("rank", path, "-t", "y_int", "-f", "json", "--bins", "8").json()
    assert doc["target"]["kind"] == "numeric" and doc["target"]["levels"] == 8


def test_missing_target_rows_are_dropped_and_counted(cli, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "a,1\nb,0\nc,\n" * 100)
    doc = cli("rank", path, "-t", "y", "-f", "json").json()
    assert doc["input"]["rows"] == 300
    assert doc["input"]["rows_dropped"] == 100


def test_late_type_change_in_csv_is_handled(cli, tmp_path):
    rows = [f"{i % 7},{i % 2}" for i in range(20_000)] + ["2.5,1", "abc,0"]
    path = tmp_path / "late.csv"
    path.write_text("x,y\n" + "\n".join(rows) + "\n")
    result = cli("rank", path, "-t", "y", "-f", "json")
    assert result.code == 0, result.err
    assert result.json()["input"]["rows"] == 20_002


# -- bad input: one line on stderr, documented exit code, no traceback, no file ---------------


def assert_one_line_error(result, code: int, *fragments: str) -> None:
    assert result.code == code, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("outrank-cli: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in result.err


def test_missing_file(cli, tmp_path):
    assert_one_line_error(cli("rank", tmp_path / "nope.csv", "-t", "y"), 1, "does not exist")


def test_glob_without_match(cli, tmp_path):
    assert_one_line_error(cli("rank", str(tmp_path / "*.parquet"), "-t", "y"), 1, "no file matches")


def test_unknown_target_suggests_names(cli, synthetic_csv):
    assert_one_line_error(
        cli("rank", synthetic_csv, "-t", "signal_strng"),
        1,
        "'signal_strng'",
        "did you mean",
        "'signal_strong'",
    )


def test_unknown_include_column(cli, synthetic_csv):
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "--include", "nosuch"), 1, "'nosuch'")


def test_corrupt_parquet(cli, tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not a parquet file" * 10)
    assert_one_line_error(cli("rank", path, "-t", "y"), 1, "bad.parquet", "Parquet")


def test_empty_file_and_header_only(cli, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert_one_line_error(cli("rank", empty, "-t", "y"), 1, "empty")
    header = tmp_path / "header.csv"
    header.write_text("x,y\n")
    assert_one_line_error(cli("rank", header, "-t", "y"), 1, "no data rows")


def test_constant_target(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("x,y\n" + "a,1\nb,1\n" * 10)
    assert_one_line_error(cli("rank", path, "-t", "y"), 1, "single value")


def test_all_missing_target(cli, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("x,y\n" + "a,\nb,\n" * 10)
    assert_one_line_error(cli("rank", path, "-t", "y"), 1, "missing in every")


def test_ragged_row_names_the_line(cli, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,7,1\n8,9,0\n")
    assert_one_line_error(cli("rank", path, "-t", "y"), 1, "line 4", "4 fields", "header has 3")


def test_unknown_option_values_are_usage_errors(cli, synthetic_csv):
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "--format", "xml"), 2, "xml")
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "--correction", "magic"), 2, "magic")
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "--bins", "1"), 2, "--bins", "got 1")
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "--max-levels", "0"), 2, "--max-levels")
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "--top", "-1"), 2, "--top")
    assert_one_line_error(cli("rank", synthetic_csv), 2, "--target")
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "--no-such-option"), 2, "--no-such-option")


def test_output_into_missing_directory_writes_nothing(cli, tmp_path, synthetic_csv):
    target = tmp_path / "missing" / "r.json"
    assert_one_line_error(cli("rank", synthetic_csv, "-t", "y", "-o", target), 2, "does not exist")
    assert not target.parent.exists()


def test_failed_run_leaves_no_output_file(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("x,y\n" + "a,1\n" * 10)
    target = tmp_path / "r.json"
    assert cli("rank", path, "-t", "y", "-o", target).code == 1
    assert list(tmp_path.iterdir()) == [path]


def test_console_script_and_module_entry_points(synthetic_csv):
    for command in (["outrank-cli"], [sys.executable, "-m", "outrank_cli"]):
        done = subprocess.run(
            [*command, "rank", str(synthetic_csv), "-t", "y", "-f", "names", "--top", "2"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.splitlines()) == 2
    done = subprocess.run(["outrank-cli", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("outrank-cli ")


def test_real_table_adult(cli, adult_csv):
    doc = cli("rank", adult_csv, "-t", "income", "-f", "json").json()
    assert doc["input"]["rows"] == 32_561
    top = [f["name"] for f in doc["features"][:5]]
    # relationship and marital status are the classic strongest single predictors of income
    assert set(top[:2]) == {"relationship", "marital_status"}
    by_name = {f["name"]: f for f in doc["features"]}
    # education and education_num are the same information spelled twice
    assert by_name["education"]["mi"] == pytest.approx(by_name["education_num"]["mi"], rel=1e-9)


def test_common_missing_spellings_are_missing(cli, tmp_path):
    rows = ["x,y"] + [f"{i % 5 + 0.5},{i % 2}" for i in range(40)] + ["NA,1", "null,0", "N/A,1", ",0"]
    path = tmp_path / "na.csv"
    path.write_text("\n".join(rows) + "\n")
    feature = cli("rank", path, "-t", "y", "-f", "json").json()["features"][0]
    assert feature["kind"] == "numeric" and feature["missing_share"] == pytest.approx(4 / 44)
    feature = cli("rank", path, "-t", "y", "-f", "json", "--null-values", "").json()["features"][0]
    # with no spellings but the empty field, the column is text with three extra levels
    assert feature["kind"] == "categorical" and feature["missing_share"] == pytest.approx(1 / 44)


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_the_command_starts_openblas_single_threaded_unless_told(given, expected):
    # OpenBLAS' idle threads compete with the reader on small machines; the user's choice wins
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = (
        "import os, sys\n"
        "from outrank_cli.cli.app import single_threaded_blas\n"
        "single_threaded_blas()\n"
        "import numpy\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
