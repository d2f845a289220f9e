"""`check`: every planted problem found once with the right code and column, the clean twin
passes, drift against a saved baseline, threshold precedence, and the output formats."""

from __future__ import annotations

import json

import polars as pl
import pytest
from tables import check_table_pair

PLANTED = {
    ("target_leak", "leak", None),
    ("constant", "const", None),
    ("empty", "empty", None),
    ("high_missing", "mostly_missing", None),
    ("id_like", "user_id", None),
    ("duplicate", "f_cat", "dup"),
    ("near_duplicate", "noise_cat", "near_dup"),
    ("rare_levels", "rare", None),
    ("class_imbalance", "y", None),
    ("target_missing", "y", None),
}


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("check")
    problems, clean = check_table_pair()
    problems.write_parquet(root / "problems.parquet")
    clean.write_csv(root / "clean.csv")
    return root / "problems.parquet", root / "clean.csv"


def found(doc: dict) -> set[tuple[str, str | None, str | None]]:
    return {(f["code"], f["column"], f["other"]) for f in doc["findings"]}


def test_planted_problems_found_exactly(cli, tables):
    problems, _ = tables
    result = cli("check", problems, "-t", "y", "-f", "json")
    assert result.code == 1, result.err  # the target leak is an error
    doc = result.json()
    assert found(doc) == PLANTED
    severities = {f["code"]: f["severity"] for f in doc["findings"]}
    assert severities["target_leak"] == "error" and severities["empty"] == "error"
    assert severities["id_like"] == "warning" and severities["near_duplicate"] == "info"
    assert doc["summary"]["failed"] is True and doc["summary"]["error"] == 2
    leak = next(f for f in doc["findings"] if f["code"] == "target_leak")
    assert leak["values"]["share"] > 0.99


def test_clean_twin_passes_without_findings(cli, tables):
    _, clean = tables
    result = cli("check", clean, "-t", "y", "-f", "json", "--fail-on", "info")
    assert result.code == 0, result.out
    assert result.json()["findings"] == []


def test_gate_levels_and_ignore(cli, tables):
    problems, _ = tables
    assert cli("check", problems, "-t", "y", "-f", "json", "--ignore", "target_leak,empty").code == 0
    assert (
        cli(
            "check",
            problems,
            "-t",
            "y",
            "-f",
            "json",
            "--ignore",
            "target_leak",
            "--ignore",
            "empty",
            "--fail-on",
            "warning",
        ).code
        == 1
    )
    doc = cli(
        "check", problems, "-t", "y", "-f", "json", "--ignore", "id_like:user_id", "--fail-on", "never"
    ).json()
    assert ("id_like", "user_id", None) not in found(doc) and doc["summary"]["ignored"] == 1
    # ignoring a code for another column keeps the finding
    doc = cli(
        "check", problems, "-t", "y", "-f", "json", "--ignore", "id_like:other", "--fail-on", "never"
    ).json()
    assert ("id_like", "user_id", None) in found(doc)


def test_drift_against_a_saved_baseline(cli, tables, tmp_path):
    _, clean = tables
    baseline = tmp_path / "baseline.json"
    assert cli("check", clean, "-t", "y", "-o", baseline).code == 0
    frame = pl.read_csv(clean)
    drifted = frame.drop("noise_text").with_columns(
        pl.when(pl.int_range(pl.len()) % 4 == 0).then(None).otherwise(pl.col("noise_cat")).alias("noise_cat"),
        pl.col("y").cast(pl.String).alias("new_leakish"),
        pl.col("f_num").cast(pl.String).alias("f_num_text"),
    )
    path = tmp_path / "drifted.csv"
    drifted.write_csv(path)
    result = cli("check", path, "-t", "y", "-f", "json", "--baseline", baseline, "--ignore", "target_leak")
    doc = result.json()
    codes = found(doc)
    assert ("column_removed", "noise_text", None) in codes
    assert ("column_added", "new_leakish", None) in codes
    assert ("missing_share_drift", "noise_cat", None) in codes
    assert result.code == 1  # a removed column is an error
    # a rank report works as a baseline too
    rank_baseline = tmp_path / "rank.json"
    assert cli("rank", clean, "-t", "y", "-o", rank_baseline).code == 0
    doc = cli("check", clean, "-t", "y", "-f", "json", "--baseline", rank_baseline).json()
    assert [f for f in doc["findings"] if f["code"].endswith("drift")] == []


def test_target_distribution_drift(cli, tmp_path):
    x = ["a", "b", "c"] * 333 + ["a"]
    base = pl.DataFrame({"x": x, "y": [0, 1] * 500})
    shifted = pl.DataFrame({"x": x, "y": [0, 0, 0, 1] * 250})
    base.write_csv(tmp_path / "base.csv")
    shifted.write_csv(tmp_path / "shifted.csv")
    assert cli("check", tmp_path / "base.csv", "-t", "y", "-o", tmp_path / "b.json").code == 0
    doc = cli(
        "check", tmp_path / "shifted.csv", "-t", "y", "-f", "json", "--baseline", tmp_path / "b.json"
    ).json()
    drift = next(f for f in doc["findings"] if f["code"] == "target_drift")
    assert drift["values"]["total_variation"] == pytest.approx(0.25)


def test_threshold_precedence(cli, tables, tmp_path, monkeypatch):
    problems, _ = tables
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[tool.outrank-cli.check]\nhigh_missing = 0.9\nrare-share = 0.5\n"
    )
    monkeypatch.chdir(project)
    doc = cli("check", problems, "-t", "y", "-f", "json", "--fail-on", "never").json()
    codes = {c for c, _, _ in found(doc)}
    assert "high_missing" not in codes and "rare_levels" not in codes
    assert doc["options"]["thresholds"]["high_missing"] == 0.9
    doc = cli(
        "check", problems, "-t", "y", "-f", "json", "--fail-on", "never", "--high-missing", "0.6"
    ).json()
    assert ("high_missing", "mostly_missing", None) in found(doc)
    (project / "pyproject.toml").write_text("[tool.outrank-cli.check]\nno_such = 1\n")
    result = cli("check", problems, "-t", "y")
    assert result.code == 2 and "no_such" in result.err


def test_github_format(cli, tables):
    problems, _ = tables
    result = cli("check", problems, "-t", "y", "-f", "github")
    assert result.code == 1
    lines = result.out.splitlines()
    assert len(lines) == len(PLANTED)
    assert any(line.startswith("::error file=") and "title=target_leak (leak)::" in line for line in lines)
    assert any(line.startswith("::warning file=") and "title=id_like (user_id)::" in line for line in lines)
    assert any(line.startswith("::notice file=") for line in lines)
    assert all("\n" not in line for line in lines)


def test_table_format_groups_by_severity(cli, tables):
    problems, _ = tables
    result = cli("check", problems, "-t", "y", "-f", "table")
    assert result.code == 1
    assert result.out.index("errors (2)") < result.out.index("warnings (6)") < result.out.index("notes (2)")
    assert "FAIL" in result.out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--fail-on", "sometimes"], "--fail-on"),
        (["--ignore", "no_such_code"], "no_such_code"),
        (["--high-missing", "1.5"], "high_missing"),
        (["--baseline", "/nonexistent/b.json"], "does not exist"),
    ],
)
def test_bad_options(cli, tables, args, fragment):
    problems, _ = tables
    result = cli("check", problems, "-t", "y", *args)
    assert result.code == 2, result.err
    assert fragment in result.err and len(result.err.strip().splitlines()) == 1


def test_json_is_a_valid_baseline_document(cli, tables, tmp_path):
    problems, _ = tables
    out = tmp_path / "out"
    out.mkdir()
    cli("check", problems, "-t", "y", "-o", out)
    doc = json.loads((out / "check.json").read_text())
    assert doc["schema_version"] == 1 and doc["command"] == "check"
    assert {c["name"] for c in doc["columns"]} >= {"leak", "user_id"}


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_a_timestamp_with_a_value_per_row_is_not_an_identifier(cli, tmp_path, suffix):
    # CSV: ISO date-times are read as datetimes (README "Input"); both columns have a value per row
    import datetime

    rows = 2_000
    start = datetime.datetime(2024, 1, 1)
    frame = pl.DataFrame(
        {
            "event_time": [start + datetime.timedelta(seconds=37 * i) for i in range(rows)],
            "user_id": list(range(10_000, 10_000 + rows)),
            "y": [i % 2 for i in range(rows)],
        }
    )
    path = tmp_path / f"t.{suffix}"
    frame.write_parquet(path) if suffix == "parquet" else frame.write_csv(path)
    doc = cli("check", path, "-t", "y", "-f", "json", "--fail-on", "never").json()
    assert {(f["code"], f["column"]) for f in doc["findings"] if f["code"] == "id_like"} == {
        ("id_like", "user_id")
    }
