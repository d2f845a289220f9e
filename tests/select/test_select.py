"""`select` and `redundancy`: greedy search against a brute-force reference, duplicates,
noise, stopping, reproducibility, output formats and bad options."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information
from tables import selection_table

from outrank_cli.pipeline import Request
from outrank_cli.select import PassOptions, SearchOptions, select_features

LN2 = math.log(2.0)


@pytest.fixture(scope="module")
def selection_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("select") / "table.csv"
    selection_table().write_csv(path)
    return path


def test_automatic_stop_keeps_one_per_duplicate_group_all_signal_no_noise(cli, selection_csv):
    result = cli("select", selection_csv, "-t", "y", "-f", "json")
    assert result.code == 0, result.err
    doc = result.json()
    chosen = [s["name"] for s in doc["selected"]]
    assert len([c for c in chosen if c in {"s1", "s1_copy", "s1_near"}]) == 1
    assert len([c for c in chosen if c in {"s2", "s2_scaled"}]) == 1
    assert "s3" in chosen
    assert len(chosen) == 3
    assert doc["stopped_by"] == "marginal gain not significant"
    reasons = {d["name"]: d["reason"] for d in doc["dropped"]}
    for noise in ("id", "noise_cat", "noise_num", "noise_hc"):
        assert reasons[noise] == "no signal"
    assert reasons["s1_copy"] == "redundant with s1"
    assert reasons["s2_scaled"] == "redundant with s2"
    assert reasons["s1_near"] == "redundant with s1"
    assert [s["step"] for s in doc["selected"]] == [1, 2, 3]
    assert doc["selected"][0]["most_redundant_with"] is None
    assert doc["selected"][1]["most_redundant_with"] in chosen


def test_exact_duplicates_never_both_selected_even_with_k(cli, selection_csv):
    doc = cli("select", selection_csv, "-t", "y", "-f", "json", "--k", "10").json()
    chosen = [s["name"] for s in doc["selected"]]
    assert not {"s1", "s1_copy"} <= set(chosen)
    assert not {"s2", "s2_scaled"} <= set(chosen)
    assert doc["stopped_by"] in {"k reached", "no candidates left"}
    assert len(chosen) <= 10
    # signals come before noise when noise has to fill k
    assert set(chosen[:3]) == {"s1", "s2", "s3"}


def test_deterministic_function_of_selected_is_dropped(cli, tmp_path):
    frame = selection_table(n=20_000, seed=5).with_columns(
        (pl.col("s1").is_in(["c", "d"])).cast(pl.String).alias("s1_coarse")
    )
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    doc = cli("select", path, "-t", "y", "-f", "json").json()
    reasons = {d["name"]: d["reason"] for d in doc["dropped"]}
    assert "s1" in [s["name"] for s in doc["selected"]]
    assert reasons["s1_coarse"] == "redundant with s1"


def test_reproducible_across_runs_and_formats(cli, tmp_path, selection_csv):
    parquet = tmp_path / "t.parquet"
    pl.read_csv(selection_csv).write_parquet(parquet)
    runs = [cli("select", p, "-t", "y", "-f", "json").json() for p in (selection_csv, selection_csv, parquet)]
    for doc in runs:
        doc.pop("timings")
        doc["input"].pop("paths")
    assert runs[0] == runs[1] == runs[2]


def _reference_conditional(a: np.ndarray, y: np.ndarray, given: np.ndarray) -> float:
    """Sum over strata of (n_s/N) (I_s - E[I_s]) in bits, by scikit-learn."""
    total = 0.0
    n = a.shape[0]
    for value in np.unique(given):
        mask = given == value
        if mask.sum() < 2:
            continue
        table = contingency_matrix(a[mask], y[mask])
        total += (
            mask.sum()
            / n
            * (mutual_info_score(a[mask], y[mask]) - expected_mutual_information(table, int(mask.sum())))
        )
    return total / LN2


@pytest.mark.parametrize("criterion", ["jmi", "cmim", "mrmr", "jmim"])
def test_greedy_matches_brute_force(criterion, tmp_path):
    rng = np.random.default_rng(11)
    n = 4_000
    cols = {f"x{i}": rng.integers(0, 3 + i, n) for i in range(6)}
    cols["x6"] = (cols["x0"] + cols["x1"]) % 3
    logit = (cols["x0"] - 1) + 0.7 * (cols["x2"] % 2) + 0.4 * (cols["x6"] == 1)
    cols["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    frame = pl.DataFrame({k: np.asarray(v).astype(str) if k != "y" else v for k, v in cols.items()})
    path = tmp_path / "t.csv"
    frame.write_csv(path)
    options = PassOptions(target="y")
    search = SearchOptions(k=7, criterion=criterion, sample_rows=n)
    result = select_features(Request([str(path)], options), search)
    got = [s.name for s in result.selected]
    # brute force: recompute every criterion from scratch with scikit-learn at each step
    names = [f"x{i}" for i in range(7)]
    data = {k: frame[k].to_numpy() for k in names}
    y = frame["y"].to_numpy()
    with Request([str(path)], options).scored(sample_rows=n) as (scored, _):
        pass
    relevance = {r.name: r.score for r in scored.ranking}
    chosen: list[str] = []
    for _ in range(len(got)):
        best, best_score = None, -np.inf
        for k in names:
            if k in chosen:
                continue
            if not chosen:
                score = relevance[k]
            else:
                cond = [_reference_conditional(data[k], y, data[j]) for j in chosen]
                red = [
                    (
                        mutual_info_score(data[k], data[j])
                        - expected_mutual_information(contingency_matrix(data[k], data[j]), n)
                    )
                    / LN2
                    for j in chosen
                ]
                joint = [relevance[j] + c for j, c in zip(chosen, cond, strict=False)]
                score = {
                    "jmi": np.mean(cond),
                    "cmim": min(cond),
                    "mrmr": relevance[k] - np.mean(red),
                    "jmim": min(joint),
                }[criterion]
            if score > best_score + 1e-12:
                best, best_score = k, score
        if best in got[len(chosen) : len(chosen) + 1]:
            chosen.append(best)
            continue
        # the library may have skipped a redundant feature; it must still have chosen a best one
        assert got[len(chosen)] not in chosen
        chosen.append(got[len(chosen)])
    assert chosen == got
    assert got[0] == max(names, key=lambda k: relevance[k])


def test_redundancy_command_lists_duplicates_first(cli, selection_csv):
    result = cli("redundancy", selection_csv, "-t", "y", "--top", "3", "-f", "csv")
    assert result.code == 0, result.err
    rows = pl.read_csv(result.out.encode())
    pairs = {frozenset((a, b)) for a, b in zip(rows["a"], rows["b"], strict=False)}
    assert frozenset(("s1", "s1_copy")) in pairs and frozenset(("s2", "s2_scaled")) in pairs
    assert rows["normalized"][0] == pytest.approx(1.0)
    frame = pl.read_csv(selection_csv)
    a, b = frame["s1"].to_numpy(), frame["s1_near"].to_numpy()
    doc = cli("redundancy", selection_csv, "-t", "y", "--top", "10", "-f", "json").json()
    near = next(p for p in doc["pairs"] if {p["a"], p["b"]} == {"s1", "s1_near"})
    assert near["mi"] == pytest.approx(mutual_info_score(a, b) / LN2, rel=1e-9)
    assert near["normalized"] == pytest.approx(adjusted_mutual_info_score(a, b), rel=1e-6)
    assert doc["pairs_evaluated"] <= doc["pairs_total"]


def test_names_output_is_only_names(cli, selection_csv, tmp_path):
    result = cli("select", selection_csv, "-t", "y", "-f", "names")
    assert result.code == 0
    assert result.out.splitlines() == [
        s for s in result.out.splitlines() if s in {"s1", "s2", "s3", "s1_copy", "s2_scaled", "s1_near"}
    ]
    out = tmp_path / "dir"
    out.mkdir()
    assert cli("select", selection_csv, "-t", "y", "-o", out, "-q").code == 0
    assert json.loads((out / "selection.json").read_text())["command"] == "select"
    assert (out / "selection.csv").read_text().startswith("step,name,gain")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--k", "0"], "--k must be >= 1"),
        (["--criterion", "magic"], "unknown --criterion 'magic'"),
        (["--sample-rows", "5"], "--sample-rows"),
        (["--significance", "2"], "--significance"),
    ],
)
def test_bad_options(cli, selection_csv, args, fragment):
    result = cli("select", selection_csv, "-t", "y", *args)
    assert result.code == 2
    assert fragment in result.err and len(result.err.strip().splitlines()) == 1
