"""Robustness of the CLI against awkward real-world input, end to end.

For every case the expectation is what a demanding user would want: either a correct result
(checked against a run on a cleaned, equivalent file or against scikit-learn), or exactly one
line on stderr starting with ``outrank-cli: error: ``, the documented exit code (1 data/input
error, 2 usage error), no traceback and no output file left behind.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

LN2 = np.log(2.0)


# -- helpers -----------------------------------------------------------------------------------


def assert_one_line_error(result, codes: int | tuple[int, ...], *fragments: str) -> str:
    """One line on stderr, starting with the prefix, containing every fragment; return it."""
    codes = (codes,) if isinstance(codes, int) else codes
    assert "Traceback" not in result.err, result.err[-2000:]
    assert result.code in codes, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    line = lines[0]
    assert line.startswith("outrank-cli: error: "), line
    for fragment in fragments:
        assert fragment.lower() in line.lower(), (fragment, line)
    return line


def ok_json(result) -> dict:
    assert "Traceback" not in result.err, result.err[-2000:]
    assert result.code == 0, result.err
    return result.json()


def features(doc: dict) -> dict[str, dict]:
    return {f["name"]: f for f in doc["features"]}


def assert_same_scores(doc: dict, reference: dict, rename: dict[str, str] | None = None) -> None:
    """Same features (after renaming reference names) with the same statistics."""
    rename = rename or {}
    got = features(doc)
    want = {rename.get(name, name): f for name, f in features(reference).items()}
    assert got.keys() == want.keys()
    for name, f in want.items():
        for key in (
            "score",
            "mi",
            "expected_mi",
            "entropy",
            "levels",
            "missing_share",
            "kind",
            "bins",
        ):
            if isinstance(f[key], float):
                assert got[name][key] == pytest.approx(f[key], rel=1e-9, abs=1e-12), (name, key)
            else:
                assert got[name][key] == f[key], (name, key)
    assert doc["input"]["rows"] == reference["input"]["rows"]
    assert doc["input"]["rows_dropped"] == reference["input"]["rows_dropped"]
    assert doc["target"]["kind"] == reference["target"]["kind"]
    assert doc["target"]["levels"] == reference["target"]["levels"]


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A small table with a strong categorical, a numeric signal and a noise column."""
    root = tmp_path_factory.mktemp("robust")
    rng = np.random.default_rng(1)
    n = 2000
    y = rng.integers(0, 2, n)
    a = np.where(rng.random(n) < 0.8, y, 1 - y)
    frame = pl.DataFrame(
        {
            "a": [f"v{v}" for v in a],
            "b": rng.integers(0, 5, n),
            "c": rng.normal(size=n) + y,
            "y": y,
        }
    )
    frame.write_csv(root / "clean.csv")
    frame.write_parquet(root / "clean.parquet")
    return root


@pytest.fixture(scope="module")
def clean_doc(data) -> dict:
    from outrank_cli.cli import main  # noqa: F401  (fail early if the package is broken)

    done = subprocess.run(
        ["outrank-cli", "rank", str(data / "clean.csv"), "-t", "y", "-f", "json", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- compressed and mislabelled files ----------------------------------------------------------


def test_truncated_gzip_is_a_clean_error_and_writes_nothing(cli, tmp_path, data):
    packed = gzip.compress((data / "clean.csv").read_bytes())
    path = tmp_path / "t.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    out = tmp_path / "r.json"
    assert_one_line_error(cli("rank", path, "-t", "y", "-o", out), 1, "t.csv.gz")
    assert files_in(tmp_path) == ["t.csv.gz"]
    assert_one_line_error(cli("select", path, "-t", "y"), 1, "t.csv.gz")
    assert_one_line_error(cli("check", path, "-t", "y"), 1, "t.csv.gz")


def test_corrupt_gzip_is_a_clean_error(cli, tmp_path, data):
    packed = bytearray(gzip.compress((data / "clean.csv").read_bytes()))
    packed[20:80] = b"\x00" * 60
    path = tmp_path / "t.csv.gz"
    path.write_bytes(bytes(packed))
    assert_one_line_error(cli("rank", path, "-t", "y"), 1, "t.csv.gz")


def test_gzip_suffix_on_plain_csv_is_a_clean_error(cli, tmp_path, data):
    path = tmp_path / "plain.csv.gz"
    path.write_bytes((data / "clean.csv").read_bytes())
    result = cli("rank", path, "-t", "y", "-f", "json")
    if result.code == 0:  # reading it as plain CSV is fine too, if the answer is right
        assert_same_scores(result.json(), cli("rank", data / "clean.csv", "-t", "y", "-f", "json").json())
    else:
        assert_one_line_error(result, 1, "plain.csv.gz")


def test_parquet_suffix_on_a_csv_file(cli, tmp_path, data, clean_doc):
    path = tmp_path / "fake.parquet"
    path.write_bytes((data / "clean.csv").read_bytes())
    assert_one_line_error(cli("rank", path, "-t", "y"), 1, "fake.parquet", "parquet")
    assert_one_line_error(cli("check", path, "-t", "y"), 1, "fake.parquet")
    # and --input-format csv reads it correctly
    assert_same_scores(
        ok_json(cli("rank", path, "-t", "y", "-f", "json", "--input-format", "csv")), clean_doc
    )


def test_tsv_that_is_comma_separated_says_how_to_fix(cli, tmp_path, data, clean_doc):
    path = tmp_path / "comma.tsv"
    path.write_bytes((data / "clean.csv").read_bytes())
    # the whole header is one column 'a,b,c,y'; the message should point at --separator
    assert_one_line_error(cli("rank", path, "-t", "y"), 1, "'y'", "--separator")
    assert_same_scores(ok_json(cli("rank", path, "-t", "y", "-f", "json", "-s", ",")), clean_doc)


# -- encodings and line endings ----------------------------------------------------------------


def test_utf8_bom_in_header(cli, tmp_path, data, clean_doc):
    # the target is the FIRST column, so a BOM left in the name would make it unknown
    frame = pl.read_csv(data / "clean.csv").select("y", "a", "b", "c")
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode())
    doc = ok_json(cli("rank", path, "-t", "y", "-f", "json"))
    assert_same_scores(doc, clean_doc)
    assert "\ufeff" not in json.dumps(doc["target"]["name"])
    # a BOM only in the second part file of a directory
    parts = tmp_path / "parts"
    parts.mkdir()
    frame.slice(0, 700).write_csv(parts / "p1.csv")
    (parts / "p2.csv").write_bytes(b"\xef\xbb\xbf" + frame.slice(700).write_csv().encode())
    assert_same_scores(ok_json(cli("rank", parts, "-t", "y", "-f", "json")), clean_doc)
    # select sees the same columns
    sel = ok_json(cli("select", path, "-t", "y", "-f", "json"))
    assert {s["name"] for s in sel["selected"]} | {d["name"] for d in sel["dropped"]} == {
        "a",
        "b",
        "c",
    }


def test_latin1_bytes_are_a_clean_error_naming_file_and_encoding(cli, tmp_path, data):
    text = (data / "clean.csv").read_text().replace("v0", "caf\xe9").replace("v1", "na\xefve")
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("latin-1"))
    out = tmp_path / "r.json"
    for command in ("rank", "select", "check"):
        assert_one_line_error(cli(command, path, "-t", "y", "-o", out), 1, "latin1.csv", "utf-8")
        assert not out.exists(), command


def test_latin1_byte_deep_in_a_large_file_writes_no_output(cli, tmp_path):
    rows = "".join(f"k{i % 7},{i % 2}\n" for i in range(60_000))
    path = tmp_path / "late.csv"
    path.write_bytes(b"x,y\n" + rows.encode() + "caf\xe9,1\n".encode("latin-1") + rows.encode())
    out = tmp_path / "r.json"
    assert_one_line_error(cli("rank", path, "-t", "y", "-o", out, "--batch-rows", "5000"), 1, "late.csv")
    assert not out.exists()
    assert files_in(tmp_path) == ["late.csv"]


def test_crlf_line_endings(cli, tmp_path, data, clean_doc):
    path = tmp_path / "crlf.csv"
    path.write_bytes((data / "clean.csv").read_bytes().replace(b"\n", b"\r\n"))
    doc = ok_json(cli("rank", path, "-t", "y", "-f", "json"))
    assert_same_scores(doc, clean_doc)
    assert doc["target"]["labels"] == ["0", "1"]  # no '1\r'
    assert_same_scores(ok_json(cli("rank", path, "-t", "y", "-f", "json", "--batch-rows", "7")), clean_doc)


def test_quoted_fields_with_newlines(cli, tmp_path):
    rng = np.random.default_rng(5)
    n = 300
    y = rng.integers(0, 2, n)
    frame = pl.DataFrame(
        {
            "t": np.where(y == 1, "line one\nline two", "plain"),
            "noise": rng.integers(0, 3, n),
            "y": y,
        }
    )
    path, clean = tmp_path / "nl.csv", tmp_path / "clean.csv"
    frame.write_csv(path)
    frame.with_columns(pl.col("t").str.replace_all("\n", " ")).write_csv(clean)
    reference = ok_json(cli("rank", clean, "-t", "y", "-f", "json"))
    for batch in ("7", "50", "100000"):
        doc = ok_json(cli("rank", path, "-t", "y", "-f", "json", "--batch-rows", batch))
        assert doc["input"]["rows"] == n
        assert_same_scores(doc, reference)


# -- header oddities ---------------------------------------------------------------------------


def test_duplicate_column_names_are_renamed_with_a_note(cli, tmp_path):
    # polars would silently rename the second 'a' to 'a_duplicated_0'; ours is 'a__2', and
    # the user is told (issue 15: real public files repeat names, so refusing them helps no one)
    path = tmp_path / "dup.csv"
    path.write_text("a,a,y\n" + "".join(f"{i % 3},{i % 2},{i % 2}\n" for i in range(100)))
    result = cli("rank", path, "-t", "y", "-f", "json")
    assert result.code == 0, result.err
    scores = {f["name"]: f["score"] for f in result.json()["features"]}
    assert set(scores) == {"a", "a__2"}
    assert scores["a__2"] > scores["a"]  # the copy is the column that equals the target
    assert "note:" in result.err and "'a__2'" in result.err and "dup.csv" in result.err
    assert cli("rank", path, "-t", "y", "-f", "json", "-q").err == ""


def test_column_names_with_spaces_commas_and_unicode(cli, tmp_path, data, clean_doc):
    rename = {"a": "my col", "b": "x,y", "c": "température 🌡", "y": "ziel 目标"}
    path = tmp_path / "names.csv"
    pl.read_csv(data / "clean.csv").rename(rename).write_csv(path)
    doc = ok_json(cli("rank", path, "-t", "ziel 目标", "-f", "json"))
    assert doc["target"]["name"] == "ziel 目标"
    assert_same_scores(doc, clean_doc, rename)
    names = cli("rank", path, "-t", "ziel 目标", "-f", "names")
    assert names.out.splitlines() == ["my col", "température 🌡", "x,y"]
    table = pl.read_csv(cli("rank", path, "-t", "ziel 目标", "-f", "csv").out.encode())
    assert table["name"].to_list() == ["my col", "température 🌡", "x,y"]
    # a target whose name contains a comma
    doc = ok_json(cli("rank", path, "-t", "x,y", "-f", "json", "--exclude", "ziel*"))
    assert doc["target"]["name"] == "x,y" and doc["target"]["levels"] == 5
    # include by a glob that matches the name with a space
    doc = ok_json(cli("rank", path, "-t", "ziel 目标", "-f", "json", "--include", "my*"))
    assert [f["name"] for f in doc["features"]] == ["my col"]


def test_target_differing_only_in_case_is_suggested(cli, data):
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "Y"), 1, "'Y'", "did you mean", "'y'")
    assert_one_line_error(cli("select", data / "clean.csv", "-t", "Y"), 1, "'Y'", "'y'")
    assert_one_line_error(cli("check", data / "clean.parquet", "-t", "Y"), 1, "'Y'", "'y'")


# -- target types ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def date_tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("dates")
    rng = np.random.default_rng(2)
    n = 2000
    days = [date(2020, 1, 1) + timedelta(days=int(v)) for v in rng.integers(0, 3, n)]
    frame = pl.DataFrame({"x": [str(d) for d in days], "noise": rng.integers(0, 4, n), "d": days})
    frame.write_csv(root / "dates.csv")
    frame.write_parquet(root / "dates.parquet")
    frame.sample(fraction=1.0, shuffle=True, seed=1).write_csv(root / "dates_shuffled.csv")
    stamps = [datetime(2020, 1, 1) + timedelta(seconds=int(v)) for v in rng.integers(0, 100_000, n)]
    signal = np.array([(s - datetime(2020, 1, 1)).total_seconds() for s in stamps]) > 50_000
    frame = pl.DataFrame({"late": signal, "noise": rng.integers(0, 4, n), "dt": stamps})
    frame.write_csv(root / "stamps.csv")
    frame.write_parquet(root / "stamps.parquet")
    return root


def test_date_target_is_classes(cli, date_tables):
    frame = pl.read_csv(date_tables / "dates.csv")
    expected = dict(frame["d"].value_counts().iter_rows())
    docs = [
        ok_json(cli("rank", date_tables / name, "-t", "d", "-f", "json"))
        for name in ("dates.csv", "dates.parquet", "dates_shuffled.csv")
    ]
    for doc in docs:
        target = doc["target"]
        assert target["kind"] == "multiclass" and target["levels"] == 3
        assert dict(zip(target["labels"], target["counts"], strict=True)) == expected
        assert doc["features"][0]["name"] == "x"
        assert doc["features"][0]["ami_normalized"] == pytest.approx(1.0)
    assert_same_scores(docs[1], docs[0])
    a, b = (dict(d) for d in docs[::2])
    for d in (a, b):
        d.pop("timings")
        d["input"] = {k: v for k, v in d["input"].items() if k != "paths"}
    assert a == b  # row order does not matter, not even for label order


def test_datetime_target_csv_agrees_with_parquet(cli, date_tables):
    # Parquet: a datetime target is binned like a number. The same table as CSV (ISO stamps)
    # should give the same ranking, not "more than 1000 distinct text values".
    parquet = ok_json(cli("rank", date_tables / "stamps.parquet", "-t", "dt", "-f", "json"))
    assert parquet["target"]["kind"] == "numeric"
    assert parquet["features"][0]["name"] == "late"
    csv = ok_json(cli("rank", date_tables / "stamps.csv", "-t", "dt", "-f", "json"))
    assert_same_scores(csv, parquet)


def test_boolean_target(cli, tmp_path):
    rng = np.random.default_rng(3)
    n = 1000
    y = rng.random(n) < 0.4
    x = np.where(rng.random(n) < 0.9, y, ~y).astype(int)
    noise = rng.integers(0, 3, n)
    frame = pl.DataFrame({"x": x, "n": noise, "y": y})
    frame.write_csv(tmp_path / "b.csv")
    frame.write_parquet(tmp_path / "b.parquet")
    frame.with_columns(pl.col("y").cast(pl.Int64)).write_csv(tmp_path / "int.csv")
    reference = ok_json(cli("rank", tmp_path / "int.csv", "-t", "y", "-f", "json"))
    for name in ("b.csv", "b.parquet"):
        doc = ok_json(cli("rank", tmp_path / name, "-t", "y", "-f", "json"))
        target = doc["target"]
        assert target["kind"] == "binary" and target["levels"] == 2
        counts = {
            label.lower(): count for label, count in zip(target["labels"], target["counts"], strict=True)
        }
        assert counts == {"true": int(y.sum()), "false": int((~y).sum())}
        assert_same_scores(doc, reference)


def test_target_with_one_value_and_missing(cli, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "a,\nb,1\nc,\n" * 10)
    out = tmp_path / "r.json"
    for command in ("rank", "select", "check"):
        assert_one_line_error(cli(command, path, "-t", "y", "-o", out), 1, "'y'", "single value")
        assert not out.exists(), command


# -- several files -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def null_then_numbers(tmp_path_factory):
    """Feature f is all missing in the first 1000 rows (one part file) and numeric after."""
    root = tmp_path_factory.mktemp("nulls")
    rng = np.random.default_rng(4)
    n = 3000
    y = rng.integers(0, 2, n)
    full = pl.DataFrame({"f": y * 2.0 + rng.normal(size=n), "g": rng.integers(0, 3, n), "y": y})
    first = full.slice(0, 1000).with_columns(pl.lit(None, dtype=pl.Float64).alias("f"))
    rest = full.slice(1000)
    whole = pl.concat([first, rest])
    whole.write_parquet(root / "whole.parquet")
    (root / "csv").mkdir()
    first.write_csv(root / "csv" / "part-0.csv")
    rest.write_csv(root / "csv" / "part-1.csv")
    (root / "pq").mkdir()
    first.with_columns(pl.col("f").cast(pl.Null)).write_parquet(root / "pq" / "part-0.parquet")
    rest.write_parquet(root / "pq" / "part-1.parquet")
    return root


def test_feature_all_null_in_one_csv_file_numeric_in_another(cli, null_then_numbers):
    reference = ok_json(cli("rank", null_then_numbers / "whole.parquet", "-t", "y", "-f", "json"))
    assert features(reference)["f"]["kind"] == "numeric"
    assert features(reference)["f"]["score"] > 0.3
    doc = ok_json(cli("rank", null_then_numbers / "csv", "-t", "y", "-f", "json"))
    # the strong numeric signal must not turn into a 2000-level text column scoring ~0
    assert_same_scores(doc, reference)


def test_feature_null_typed_in_one_parquet_file_float_in_another(cli, null_then_numbers):
    reference = ok_json(cli("rank", null_then_numbers / "whole.parquet", "-t", "y", "-f", "json"))
    doc = ok_json(cli("rank", null_then_numbers / "pq", "-t", "y", "-f", "json"))
    assert_same_scores(doc, reference)


def test_csv_column_empty_for_first_12000_rows_then_numeric(cli, tmp_path):
    # README: a type inferred from the first 10,000 rows that fails later restarts the run.
    # An all-empty prefix is inferred as text, which never "fails", so the numbers are ranked
    # as 18,000 text levels with score ~0 -- a silently wrong answer.
    rng = np.random.default_rng(6)
    m = 30_000
    y = rng.integers(0, 2, m)
    f = y * 2.0 + rng.normal(size=m)
    f[:12_000] = np.nan
    frame = pl.DataFrame({"f": f, "y": y}).with_columns(pl.col("f").fill_nan(None))
    frame.write_csv(tmp_path / "t.csv")
    frame.write_parquet(tmp_path / "t.parquet")
    reference = ok_json(cli("rank", tmp_path / "t.parquet", "-t", "y", "-f", "json"))
    assert features(reference)["f"]["kind"] == "numeric"
    assert_same_scores(ok_json(cli("rank", tmp_path / "t.csv", "-t", "y", "-f", "json")), reference)


def test_csv_parts_with_different_columns_name_the_file_and_column(cli, tmp_path, data):
    frame = pl.read_csv(data / "clean.csv")
    parts = tmp_path / "parts"
    parts.mkdir()
    frame.slice(0, 1000).write_csv(parts / "p1.csv")
    frame.slice(1000).drop("b").write_csv(parts / "p2.csv")
    out = tmp_path / "r.json"
    # "2 files: cannot read the input (schema lengths differ)" does not say which file or column
    assert_one_line_error(cli("rank", parts, "-t", "y", "-o", out), 1, "p2.csv", "'b'")
    assert not out.exists()


def test_csv_parts_with_same_columns_in_different_order(cli, tmp_path, data, clean_doc):
    # README: inputs must have "the same columns" -- these do, only in another order
    frame = pl.read_csv(data / "clean.csv")
    parts = tmp_path / "parts"
    parts.mkdir()
    frame.slice(0, 1000).write_csv(parts / "p1.csv")
    frame.slice(1000).select("y", "c", "b", "a").write_csv(parts / "p2.csv")
    result = cli("rank", parts, "-t", "y", "-f", "json")
    assert_same_scores(ok_json(result), clean_doc)


def test_directory_mixing_csv_and_parquet(cli, tmp_path, data):
    frame = pl.read_csv(data / "clean.csv")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    frame.slice(0, 1000).write_csv(mixed / "p1.csv")
    frame.slice(1000).write_parquet(mixed / "p2.parquet")
    assert_one_line_error(cli("rank", mixed, "-t", "y"), 1, "csv", "parquet")


def test_empty_directory(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(cli("rank", empty, "-t", "y"), 1, "empty", ".csv")


def test_glob_matching_only_a_directory(cli, tmp_path):
    (tmp_path / "sub.csv").mkdir()
    assert_one_line_error(cli("rank", str(tmp_path / "*.csv"), "-t", "y"), 1, "*.csv")


def test_unreadable_file(tmp_path, data):
    path = tmp_path / "secret.csv"
    path.write_bytes((data / "clean.csv").read_bytes())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: the file stays readable")
        done = subprocess.run(
            ["outrank-cli", "rank", str(path), "-t", "y"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("outrank-cli: error: ")
        assert "secret.csv" in lines[0] and "permission" in lines[0].lower()
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


# -- output ------------------------------------------------------------------------------------


def test_output_into_existing_directory_and_over_existing_file(cli, tmp_path, data, clean_doc):
    out = tmp_path / "out"
    out.mkdir()
    assert cli("rank", data / "clean.csv", "-t", "y", "-o", out, "-q").code == 0
    assert files_in(out) == ["ranking.csv", "ranking.json"]
    assert_same_scores(json.loads((out / "ranking.json").read_text()), clean_doc)
    existing = tmp_path / "r.json"
    existing.write_text("old contents that are longer than nothing " * 100)
    assert cli("rank", data / "clean.csv", "-t", "y", "-o", existing, "-q").code == 0
    assert_same_scores(json.loads(existing.read_text()), clean_doc)
    assert files_in(tmp_path) == ["out", "r.json"]  # no temp file left behind


def test_output_under_a_regular_file_is_described_correctly(cli, tmp_path, data):
    blocker = tmp_path / "file.json"
    blocker.write_text("x")
    line = assert_one_line_error(
        cli("rank", data / "clean.csv", "-t", "y", "-o", blocker / "r.json"), 2, "file.json"
    )
    # it exists; it is just not a directory
    assert "not a directory" in line.lower(), line
    assert blocker.read_text() == "x"


def test_output_must_not_overwrite_the_input(cli, tmp_path, data):
    path = tmp_path / "data.csv"
    original = (data / "clean.csv").read_bytes()
    path.write_bytes(original)
    result = cli("rank", path, "-t", "y", "-o", path)
    assert path.read_bytes() == original, "the input table was overwritten by the report"
    assert_one_line_error(result, 2, "data.csv")


def test_output_into_read_only_directory(tmp_path, data):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: the directory stays writable")
        done = subprocess.run(
            [
                "outrank-cli",
                "rank",
                str(data / "clean.csv"),
                "-t",
                "y",
                "-o",
                str(locked / "r.json"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (1, 2)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("outrank-cli: error: ")
        assert "locked" in lines[0]
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(stat.S_IRWXU)


def test_unknown_report_suffix(cli, tmp_path, data):
    out = tmp_path / "r.parquet"
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "-o", out), 2, "r.parquet", "--format")
    assert not out.exists()


# -- options -----------------------------------------------------------------------------------


def test_two_character_separator(cli, data):
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "-s", ";;"), 2, "--separator", "';;'")
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "-s", ""), 2, "--separator")


def test_tab_separator_spellings(cli, tmp_path, data, clean_doc):
    path = tmp_path / "t.txt"
    pl.read_csv(data / "clean.csv").write_csv(path, separator="\t")
    for sep in ("\\t", "tab", "\t"):
        assert_same_scores(ok_json(cli("rank", path, "-t", "y", "-f", "json", "-s", sep)), clean_doc)


def test_threads_zero_and_negative(cli, data):
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "--threads", "0"), 2, "--threads", "0")
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "--threads", "-3"), 2, "--threads", "-3")
    assert_one_line_error(cli("select", data / "clean.csv", "-t", "y", "--threads", "0"), 2, "--threads")


def test_include_pattern_matching_nothing_names_the_pattern(cli, data):
    # a plain unknown name gets "'nosuch' is not in the table" (exit 1); a glob that matches
    # nothing should be just as explicit about which pattern was at fault
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "--include", "zz*"), (1, 2), "'zz*'")


def test_exclude_everything(cli, data):
    out_line = assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "--exclude", "*"), (1, 2))
    assert "--exclude" in out_line
    assert_one_line_error(cli("select", data / "clean.csv", "-t", "y", "--exclude", "*"), (1, 2))


def test_huge_bins(cli, data, clean_doc):
    doc = ok_json(cli("rank", data / "clean.csv", "-t", "y", "-f", "json", "--bins", "4096"))
    c = features(doc)["c"]
    # more bins than rows: every distinct value is its own bin, i.e. ID-like, corrected to ~0
    assert c["bins"] <= 2000
    assert abs(c["score"]) < 0.05
    assert features(doc)["a"]["score"] == pytest.approx(features(clean_doc)["a"]["score"])
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "--bins", "4097"), 2, "--bins", "4097")
    assert_one_line_error(cli("rank", data / "clean.csv", "-t", "y", "--bins", "1" + "0" * 30), 2, "--bins")
    # a numeric target with huge bins
    doc = ok_json(cli("rank", data / "clean.csv", "-t", "c", "-f", "json", "--bins", "4096"))
    assert doc["target"]["kind"] == "numeric" and doc["target"]["levels"] <= 2000


# -- degenerate tables -------------------------------------------------------------------------


def test_one_row_table(cli, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("x,y\n1,0\n")
    out = tmp_path / "r.json"
    for command in ("rank", "select", "check", "redundancy"):
        assert_one_line_error(cli(command, path, "-t", "y", "-o", out), 1, "'y'")
        assert not out.exists(), command


# 22 and 26 rows: the entropy of one level, log N - N log N / N, rounds below 0 there, which
# check's pair screen took for a negative code and crashed on (so did 100,000 rows)
@pytest.mark.parametrize("rows", [100, 22, 26])
def test_every_feature_constant(cli, tmp_path, rows):
    path = tmp_path / "const.csv"
    path.write_text("a,b,y\n" + "".join(f"k,5,{i % 2}\n" for i in range(rows)))
    doc = ok_json(cli("rank", path, "-t", "y", "-f", "json"))
    for f in doc["features"]:
        assert f["score"] == 0 and f["mi"] == 0 and f["p_value"] == pytest.approx(1.0)
        assert f["levels"] == 1
    sel = ok_json(cli("select", path, "-t", "y", "-f", "json"))
    assert sel["selected"] == []
    assert {d["name"]: d["reason"] for d in sel["dropped"]} == {"a": "constant", "b": "constant"}
    check = cli("check", path, "-t", "y", "-f", "json")
    assert check.code == 0 and "Traceback" not in check.err
    assert {(f["code"], f["column"]) for f in check.json()["findings"]} == {
        ("constant", "a"),
        ("constant", "b"),
    }


def test_very_wide_table(cli, tmp_path):
    rng = np.random.default_rng(7)
    n, width = 50, 2000
    y = rng.integers(0, 2, n)
    columns = {f"f{j}": rng.integers(0, 3, n) for j in range(width)}
    columns["f1234"] = y.copy()
    columns["y"] = y
    frame = pl.DataFrame(columns)
    path = tmp_path / "wide.csv"
    frame.write_csv(path)
    doc = ok_json(cli("rank", path, "-t", "y", "-f", "json"))
    assert doc["input"]["rows"] == n
    assert len(doc["features"]) == width
    assert doc["features"][0]["name"] == "f1234"
    assert doc["features"][0]["ami_normalized"] == pytest.approx(1.0)
    for f in doc["features"]:
        x = frame[f["name"]].to_numpy()
        assert f["mi"] == pytest.approx(mutual_info_score(x, y) / LN2, rel=1e-6, abs=1e-9), f["name"]
        assert f["ami_normalized"] == pytest.approx(adjusted_mutual_info_score(x, y), rel=1e-6, abs=1e-9), f[
            "name"
        ]
    sel = ok_json(cli("select", path, "-t", "y", "-f", "json"))
    assert sel["selected"][0]["name"] == "f1234"
