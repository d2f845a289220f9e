"""`--engine dask`: identical results to the local engine, exact merges, clear failures."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables import check_table_pair, selection_table

from outrank_cli.count.job import CountJob
from outrank_cli.count.local import count_local
from outrank_cli.count.result import finish_pass
from outrank_cli.count.state import PassState
from outrank_cli.encode.columns import plan_columns
from outrank_cli.options import EncodeOptions, ReadOptions
from outrank_cli.source import resolve as resolve_paths


def resolve(paths: list[str]):
    return resolve_paths(paths, ReadOptions())


pytest.importorskip("distributed")


def without_volatile(document: dict) -> dict:
    document = dict(document)
    document.pop("timings", None)
    return document


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> Path:
    """A multi-file CSV table (selection table with planted problems' columns mixed in)."""
    root = tmp_path_factory.mktemp("parts")
    frame = selection_table(n=24_000, seed=3)
    for i, start in enumerate(range(0, frame.height, 5_000)):
        frame.slice(start, 5_000).write_csv(root / f"part-{i:02d}.csv")
    return root


@pytest.mark.parametrize(
    "command",
    [
        ["rank"],
        ["select", "--sample-rows", "7000"],
        ["select", "--k", "5", "--criterion", "cmim"],
        ["redundancy", "--top", "5"],
        ["check", "--fail-on", "never"],
    ],
)
def test_dask_gives_identical_json(cli, parts, dask_scheduler, command):
    local = cli(command[0], parts, "-t", "y", "-f", "json", *command[1:])
    remote = cli(
        command[0],
        parts,
        "-t",
        "y",
        "-f",
        "json",
        *command[1:],
        "--engine",
        "dask",
        "--scheduler",
        dask_scheduler,
    )
    assert local.code == remote.code == 0, (local.err, remote.err)
    assert without_volatile(local.json()) == without_volatile(remote.json())


def test_parquet_row_group_partitions_give_identical_json(cli, tmp_path, dask_scheduler, monkeypatch):
    problems, _ = check_table_pair()
    path = tmp_path / "t.parquet"
    problems.write_parquet(path, row_group_size=3_000)
    import outrank_cli.count.dask as dist

    monkeypatch.setattr(dist, "PARTITION_ROWS", 4_000)
    assert len(dist.split_partitions(resolve([str(path)]), partition_rows=4_000)) == 4
    for command in (["rank"], ["check", "--fail-on", "never"], ["select", "--k", "4"]):
        local = cli(command[0], path, "-t", "y", "-f", "json", *command[1:])
        remote = cli(
            command[0],
            path,
            "-t",
            "y",
            "-f",
            "json",
            *command[1:],
            "--engine",
            "dask",
            "--scheduler",
            dask_scheduler,
        )
        assert without_volatile(local.json()) == without_volatile(remote.json()), command


def test_numeric_target_and_file_url(cli, tmp_path, dask_scheduler):
    rng = np.random.default_rng(4)
    frame = pl.DataFrame({"x": rng.normal(size=9_000), "z": rng.integers(0, 9, 9_000)}).with_columns(
        (pl.col("x") * 2 + pl.col("z")).alias("y")
    )
    for i in range(3):
        frame.slice(i * 3_000, 3_000).write_parquet(tmp_path / f"p{i}.parquet")
    url = f"file://{tmp_path}/p*.parquet"
    local = cli("rank", url, "-t", "y", "-f", "json")
    remote = cli("rank", url, "-t", "y", "-f", "json", "--engine", "dask", "--scheduler", dask_scheduler)
    assert local.code == 0, local.err
    assert local.json()["target"]["kind"] == "numeric"
    assert without_volatile(local.json()) == without_volatile(remote.json())


def test_corrupt_partition_is_named(cli, parts, tmp_path, dask_scheduler):
    broken = tmp_path / "broken"
    broken.mkdir()
    for part in sorted(parts.iterdir())[:2]:
        (broken / part.name).write_bytes(part.read_bytes())
    (broken / "part-99.csv").write_text("s1,y\nonly,1,too,many\n")
    result = cli("rank", broken, "-t", "y", "--engine", "dask", "--scheduler", dask_scheduler)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "part-99.csv" in lines[0], result.err


def test_missing_extra_says_how_to_install(cli, synthetic_csv, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    result = cli("rank", synthetic_csv, "-t", "y", "--engine", "dask")
    assert result.code == 2
    assert "pip install 'outrank-cli[dask]'" in result.err


def test_engine_options_are_validated(cli, synthetic_csv):
    result = cli("rank", synthetic_csv, "-t", "y", "--engine", "spark")
    assert result.code == 2 and "--engine" in result.err
    result = cli("rank", synthetic_csv, "-t", "y", "--workers", "2")
    assert result.code == 2 and "--engine dask" in result.err


# -- merge associativity: any grouping of partitions gives the same finished counts ----------


def _states(frame: pl.DataFrame, cuts: list[int], tmp: Path) -> tuple[list[PassState], object, object]:
    bounds = [0, *sorted(set(cuts)), frame.height]
    paths = []
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        path = tmp / f"f{i:02d}.parquet"
        frame.slice(a, b - a).write_parquet(path)
        paths.append(str(path))
    source = resolve(paths)
    plan = plan_columns(source.schema(), target="y")
    states = []
    columns = [plan.target, *(n for n, _ in plan.features)]
    schema = source.schema()
    with ThreadPoolExecutor(1) as pool:
        for partition in source.partitions():
            state = PassState.start(plan, None, max_levels=6, sample_rows=50, seed=1)
            for first, batch in source.partition_batches(partition, columns, schema, batch_rows=37):
                state.count(partition.file_index, first, batch, plan, pool)
            for counter in state.counters:
                counter.pending_remaps.clear()
            states.append(state)
    return states, source, plan


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(1, 299), max_size=4), grouping=st.randoms(use_true_random=False))
def test_merge_in_any_grouping_equals_one_pass(tmp_path_factory, cuts, grouping):
    rng = np.random.default_rng(7)
    n = 300
    frame = pl.DataFrame(
        {
            "s": rng.choice(list("abcdefghij"), n),
            "x": rng.normal(size=n).round(2),
            "k": rng.integers(0, 40, n),
            "y": rng.choice(["p", "q", "r"], n),
        }
    )
    tmp = tmp_path_factory.mktemp("merge")
    states, source, plan = _states(frame, cuts, tmp)
    while len(states) > 1:  # merge random neighbours until one is left
        i = grouping.randrange(len(states) - 1)
        states[i].merge(states.pop(i + 1))
    merged = finish_pass(states[0], source, plan, seconds=0.0)
    job = CountJob(
        source=source, plan=plan, encode=EncodeOptions(max_levels=6), batch_rows=37, sample_rows=50, seed=1
    )
    with ThreadPoolExecutor(1) as pool:
        whole = count_local(job, pool=pool)
    assert merged.rows == whole.rows
    assert merged.target.labels == whole.target.labels
    for a, b in zip(merged.columns, whole.columns, strict=True):
        np.testing.assert_array_equal(a.table, b.table)
        assert (a.distinct, a.distinct_exact, a.key_shift, a.folded) == (
            b.distinct,
            b.distinct_exact,
            b.key_shift,
            b.folded,
        )
    assert merged.sample is not None and whole.sample is not None
    np.testing.assert_array_equal(
        [merged.sample.column(i) for i in range(merged.sample.n_columns)],
        [whole.sample.column(i) for i in range(whole.sample.n_columns)],
    )
    np.testing.assert_array_equal(merged.sample.target_codes(), whole.sample.target_codes())
