"""Issue 15: outputs, thresholds, baselines, stdin, and results that ignore row order.

Each test pins the behaviour a gap of the issue lacked (exit code, the one-line message, what
is on disk afterwards); the numbers in comments are the issue's items.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.cli.test_robustness import assert_one_line_error


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    """A small table: a leak of the target, a categorical signal, numbers and noise."""
    root = tmp_path_factory.mktemp("hardening")
    rng = np.random.default_rng(15)
    n = 3000
    y = rng.integers(0, 3, n)
    frame = pl.DataFrame(
        {
            "leak": [f"L{v}" for v in y],
            "a": [f"v{v}" for v in np.where(rng.random(n) < 0.7, y, rng.integers(0, 3, n))],
            "b": rng.integers(0, 5, n),
            "c": rng.normal(size=n) + y,
            "y": y,
        }
    )
    frame.write_csv(root / "t.csv")
    frame.write_parquet(root / "t.parquet")
    return root / "t.csv"


# -- 6. NaN and infinities in numeric options and thresholds -----------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--leak-error", "nan"),
        ("check", "--leak-warning", "inf"),
        ("check", "--high-missing", "-inf"),
        ("select", "--redundancy-weight", "nan"),
        ("select", "--relation-weight", "inf"),
        ("select", "--significance", "nan"),
    ],
)
def test_nan_and_infinite_options_are_usage_errors(cli, table, args):
    command, *option = args
    result = cli(command, table, "-t", "y", *option, "-f", "json")
    assert_one_line_error(result, 2, option[0].lstrip("-").replace("-", "_")[:4], "finite")


def test_nan_threshold_in_pyproject_is_a_usage_error(cli, table, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.outrank-cli.check]\nleak_error = nan\n")
    monkeypatch.chdir(tmp_path)
    result = cli("check", table, "-t", "y", "-f", "json")
    assert_one_line_error(result, 2, "leak_error", "finite")


def test_leak_gate_still_fails_on_a_perfect_leak(cli, table):
    assert cli("check", table, "-t", "y", "-f", "json").code == 1


# -- 7. a baseline made for another target -------------------------------------------------------


def test_baseline_for_another_target_is_refused_naming_both(cli, table, tmp_path):
    baseline = tmp_path / "base.json"
    assert cli("rank", table, "-t", "b", "-o", baseline, "-q").code == 0
    result = cli("check", table, "-t", "y", "--baseline", baseline, "-f", "json")
    line = assert_one_line_error(result, 2, "'b'", "'y'", "target")
    assert "base.json" in line


def test_baseline_for_the_same_target_still_works(cli, table, tmp_path):
    baseline = tmp_path / "base.json"
    assert cli("rank", table, "-t", "y", "-o", baseline, "-q").code == 0
    doc = json.loads(cli("check", table, "-t", "y", "--baseline", baseline, "-f", "json").out)
    assert not [f for f in doc["findings"] if f["code"] in ("column_removed", "target_drift")]


# -- 14. a target of an unusable type is a data error (exit 1), as the README says ---------------


def test_list_typed_target_is_a_data_error(cli, tmp_path):
    path = tmp_path / "lists.parquet"
    pl.DataFrame({"x": [1, 2, 3, 4], "tags": [[1], [2, 3], [], [4]]}).write_parquet(path)
    assert_one_line_error(cli("rank", path, "-t", "tags", "-f", "json"), 1, "tags", "cannot be a target")


# -- 15. options are checked before the input is read --------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("rank", "--bins", "1"),
        ("rank", "--permutations", "0"),
        ("rank", "--threads", "0"),
        ("select", "--k", "0"),
        ("select", "--sample-rows", "5"),
        ("redundancy", "--top", "0"),
        ("check", "--sample-rows", "5"),
        ("check", "--fail-on", "sometimes"),
    ],
)
def test_option_ranges_are_checked_before_reading(cli, table, monkeypatch, args):
    import outrank_cli.source.early as early

    def never(*_args, **_kwargs):
        raise AssertionError("the input was opened before the options were checked")

    monkeypatch.setattr(early, "EarlyStart", never)
    command, *option = args
    assert_one_line_error(cli(command, table, "-t", "y", *option), 2, option[0])


def test_a_bad_option_fails_without_importing_polars(table):
    code = (
        "import sys\n"
        "from outrank_cli.cli import main\n"
        "try:\n"
        f"    main(['rank', {str(table)!r}, '-t', 'y', '--bins', '1'])\n"
        "except SystemExit as done:\n"
        "    print(done.code, 'polars' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["2", "False"], done.stderr


# -- 16. help text and wording -------------------------------------------------------------------


def test_select_k_has_a_short_alias_and_says_what_it_returns(cli, table):
    doc = json.loads(cli("select", table, "-t", "y", "-k", "2", "-f", "json").out)
    assert len(doc["selected"]) == 2  # issue 12: --k returns k columns when k non-constant exist
    help_text = " ".join(cli("select", "--help").out.split())
    assert "-k, --k N" in help_text
    assert "fewer only when fewer non-constant columns exist" in help_text
    assert "exactly" not in help_text


def test_redundancy_help_says_why_it_needs_a_target(cli):
    help_text = " ".join(cli("redundancy", "--help").out.split())
    assert "--target is required" in help_text


def test_check_summary_counts_are_pluralised(tmp_path):
    from rich.console import Console

    from outrank_cli.report.check import render_check

    class Summary:
        failed = False
        ignored = 0
        findings = ()
        run = type("R", (), {"rows": 10, "target": type("T", (), {"name": "y"})()})()
        gate = type("G", (), {"fail_on": "error"})()

        def summary(self):
            return {"error": 1, "warning": 1, "info": 2}

    console = Console(record=True, width=200)
    render_check(Summary(), console)  # type: ignore[arg-type]
    text = console.export_text()
    assert "1 error, 1 warning, 2 notes" in text, text


# -- 1-5. outputs --------------------------------------------------------------------------------


def test_output_through_a_symlink_writes_its_target(cli, table, tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert cli("rank", table, "-t", "y", "-o", link, "-q").code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["command"] == "rank"


def test_output_into_a_fifo_writes_through_it(table, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    done = subprocess.run(
        ["outrank-cli", "rank", str(table), "-t", "y", "-f", "names", "-o", str(fifo)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    out, _ = reader.communicate(timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.split()[0] == "leak"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_to_dev_stdout_writes_through_it(table, tmp_path):
    # a link of our own, like /dev/stdout -> /proc/self/fd/1: a tool that replaced it (as the
    # old one did, as root) must not break the machine's /dev/stdout while the test fails
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    done = subprocess.run(
        ["outrank-cli", "rank", str(table), "-t", "y", "-f", "names", "-o", str(stdout)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "leak"
    assert stdout.is_symlink()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_device_is_one_line_and_keeps_the_device(table, tmp_path):
    full = tmp_path / "full"  # through a link of our own, so /dev/full is safe if this fails
    full.symlink_to("/dev/full")
    done = subprocess.run(
        ["outrank-cli", "rank", str(table), "-t", "y", "-f", "json", "-o", str(full)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("outrank-cli: error: ") and len(done.stderr.splitlines()) == 1
    assert full.is_symlink() and stat.S_ISCHR(os.stat(full).st_mode)


def test_output_onto_a_socket_is_refused(cli, table, tmp_path):
    import socket

    path = tmp_path / "s.json"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert_one_line_error(cli("rank", table, "-t", "y", "-o", path), 2, "s.json", "regular file")
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        server.close()


def test_reports_get_the_umask_permissions(cli, table, tmp_path):
    old = os.umask(0o022)
    try:
        assert cli("rank", table, "-t", "y", "-o", tmp_path / "r.json", "-q").code == 0
        (tmp_path / "d").mkdir()
        assert cli("rank", table, "-t", "y", "-o", tmp_path / "d", "-q").code == 0
        os.umask(0o027)
        assert cli("rank", table, "-t", "y", "-o", tmp_path / "r2.csv", "-q").code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "r.json").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tmp_path / "d" / "ranking.csv").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tmp_path / "r2.csv").st_mode) == 0o640


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["json", "table", "csv"])
def test_stdout_on_a_full_disk_is_one_line_and_exit_1(table, fmt):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            ["outrank-cli", "rank", str(table), "-t", "y", "-f", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("outrank-cli: error: "), done.stderr
    assert "stdout" in lines[0]


def test_closed_pipe_stays_quiet(table):
    done = subprocess.run(
        f"outrank-cli rank {table} -t y -f csv | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.stdout.startswith("rank,name") and done.stderr == ""


@pytest.mark.parametrize("command", ["rank", "select", "redundancy", "check"])
def test_output_directory_inside_the_input_directory_is_refused(cli, table, tmp_path, command):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.csv").write_bytes(table.read_bytes())
    args = (command, folder, "-t", "y", "-q")
    result = cli(*args, "-o", folder)
    if command == "check":  # check writes check.json, which a listing never reads
        assert result.code == 1
    else:
        assert_one_line_error(result, 2, "inside the input", str(folder))
    assert cli(*args, "-o", folder / "nested.csv").code == 2
    assert cli(*args, "-o", tmp_path / "elsewhere.csv").code in (0, 1)
    assert sorted(p.name for p in folder.iterdir()) == (
        ["a.csv", "check.json"] if command == "check" else ["a.csv"]
    )
    assert cli("rank", folder, "-t", "y", "-q", "-f", "json").code == 0


def test_output_matching_the_input_glob_is_refused(cli, table, tmp_path):
    (tmp_path / "a.csv").write_bytes(table.read_bytes())
    result = cli("rank", str(tmp_path / "*.csv"), "-t", "y", "-o", tmp_path / "ranking.csv")
    assert_one_line_error(result, 2, "inside the input")


def test_missing_output_directory_with_a_slash_says_so(cli, table, tmp_path):
    missing = str(tmp_path / "nodir") + "/"
    line = assert_one_line_error(cli("rank", table, "-t", "y", "-o", missing), 2, "does not exist")
    assert "nodir" in line and "format" not in line
    assert not (tmp_path / "nodir").exists()


# -- 8. the row sample depends on the rows, not on their order or files -------------------------


def _comparable(doc: dict) -> dict:
    doc = dict(doc)
    doc.pop("timings", None)
    doc["input"] = {k: v for k, v in doc["input"].items() if k != "paths"}
    return doc


@pytest.fixture(scope="module")
def sampled_tables(tmp_path_factory):
    """One table with more rows than the sample, shuffled and split into files four ways."""
    from tests.tables import selection_table

    root = tmp_path_factory.mktemp("order")
    frame = selection_table(n=4000, seed=3).drop("id")
    # digits would be read from CSV as integers and from Parquet as text: other keys, another
    # sample (the same rows must have the same types for CSV and Parquet to agree)
    frame = frame.with_columns(("n" + pl.col("noise_cat")).alias("noise_cat"))
    frame = pl.concat([frame, frame.head(500)])  # repeated rows are interchangeable
    layouts = {}
    for name, seed, parts in [("plain", None, 1), ("shuffled", 1, 1), ("split", 2, 3), ("split4", 3, 4)]:
        shuffled = frame if seed is None else frame.sample(fraction=1.0, shuffle=True, seed=seed)
        folder = root / name
        folder.mkdir()
        bounds = np.linspace(0, shuffled.height, parts + 1).astype(int)
        for part in range(parts):
            chunk = shuffled.slice(int(bounds[part]), int(bounds[part + 1] - bounds[part]))
            chunk.write_csv(folder / f"part{part}.csv")
            chunk.write_parquet(folder / f"part{part}.parquet")
        layouts[name] = folder
    return layouts


@pytest.mark.parametrize(
    "command",
    [
        ("select", "--k", "6"),
        ("select",),
        ("redundancy", "--top", "10"),
        ("check",),
    ],
)
def test_results_do_not_depend_on_row_order_or_files(cli, sampled_tables, command):
    docs = []
    for folder in sampled_tables.values():
        for pattern in ("*.csv", "*.parquet"):
            result = cli(*command, str(folder / pattern), "-t", "y", "--sample-rows", "300", "-f", "json")
            assert result.code in (0, 1), result.err
            docs.append(_comparable(result.json()))
    assert all(doc == docs[0] for doc in docs[1:])


def test_content_priorities_ignore_order_and_treat_missing_alike():
    from outrank_cli.count.sample import content_priorities
    from outrank_cli.encode.keys import Family, keys_of

    frame = pl.DataFrame(
        {"s": ["a", None, "b", "a"], "f": [1.0, None, float("nan"), 1.0], "b": [True, None, False, True]}
    )
    families = {"s": Family.STRING, "f": Family.FLOAT, "b": Family.BOOLEAN}

    def prio(table: pl.DataFrame) -> np.ndarray:
        return content_priorities([keys_of(table[c], families[c]) for c in table.columns], 7)

    forward = prio(frame)
    backward = prio(frame.reverse())
    assert forward[0] == forward[3]  # equal rows
    assert list(backward) == list(forward[::-1])
    # a missing boolean is not False, a missing string is not a value
    swapped = prio(pl.DataFrame({"s": [None], "f": [None], "b": [False]}, schema=frame.schema))
    assert swapped[0] != forward[1]
    assert content_priorities([keys_of(frame["s"], Family.STRING)], 8)[0] != prio(frame.select("s"))[0]


# -- 13. a header that repeats a column name -----------------------------------------------------


@pytest.fixture
def repeated_header(tmp_path) -> Path:
    path = tmp_path / "dup.csv"
    rows = "".join(f"{i % 2},{i % 5},{i % 3},{'xy'[i % 2]},{i % 2}\n" for i in range(200))
    path.write_text("score,b,score,score__2,y\n" + rows)  # 'score__2' is taken: the copy is score__3
    return path


def test_check_reports_a_repeated_name_as_an_error_and_goes_on(cli, repeated_header):
    result = cli("check", repeated_header, "-t", "y", "-f", "json")
    assert result.code == 1, result.err
    doc = result.json()
    found = [f for f in doc["findings"] if f["code"] == "duplicate_column_name"]
    assert [(f["severity"], f["column"], f["other"]) for f in found] == [("error", "score__3", "score")]
    assert {c["name"] for c in doc["columns"]} == {"score", "b", "score__3", "score__2"}
    passed = cli("check", repeated_header, "-t", "y", "-f", "json", "--ignore", "duplicate_column_name")
    assert not [f for f in passed.json()["findings"] if f["code"] == "duplicate_column_name"]


@pytest.mark.parametrize("command", ["rank", "select", "redundancy"])
def test_rank_select_redundancy_rename_with_a_note(cli, repeated_header, command):
    result = cli(command, repeated_header, "-t", "y", "-f", "json")
    assert result.code == 0, result.err
    notes = result.err.strip().splitlines()
    assert notes == [
        f"outrank-cli: note: the header of {repeated_header} repeats the column name 'score'; "
        "a copy is read as 'score__3'"
    ]


def test_renamed_copy_is_counted_as_its_own_column(cli, repeated_header, tmp_path):
    clean = tmp_path / "clean.csv"
    lines = repeated_header.read_text().splitlines()
    clean.write_text("\n".join(["score,b,score__3,score__2,y", *lines[1:]]) + "\n")
    got = cli("rank", repeated_header, "-t", "y", "-f", "json", "-q").json()
    want = cli("rank", clean, "-t", "y", "-f", "json", "-q").json()
    assert got["features"] == want["features"]


# -- 11, 12. which file, which column, which line ------------------------------------------------


def test_parquet_file_missing_a_column_names_it(cli, tmp_path):
    pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"], "y": [0, 1, 0]}).write_parquet(
        tmp_path / "p1.parquet"
    )
    pl.DataFrame({"a": [1, 2, 3], "y": [0, 1, 0]}).write_parquet(tmp_path / "p2.parquet")
    line = assert_one_line_error(
        cli("rank", str(tmp_path / "p*.parquet"), "-t", "y", "-f", "json"), 1, "p2.parquet", "'b'", "missing"
    )
    assert "corrupt" not in line


@pytest.mark.parametrize("order", [("l1.csv", "l2.csv"), ("l2.csv", "l1.csv")])
def test_non_utf8_file_in_a_glob_is_named_with_its_line(cli, tmp_path, order):
    bad, good = tmp_path / order[0], tmp_path / order[1]
    bad.write_bytes("a,b,y\n1,x,0\n1,caf\xe9,0\n2,x,1\n".encode("latin-1"))
    good.write_bytes(b"a,b,y\n1,x,0\n2,x,1\n")
    line = assert_one_line_error(cli("rank", str(tmp_path / "l*.csv"), "-t", "y", "-f", "json"), 1, "utf-8")
    assert f"{bad} line 3" in line and "iconv" in line


def test_binary_file_named_csv_is_named(cli, tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "a.csv").write_bytes(bytes(rng.integers(0, 256, 4000, dtype=np.uint8)))
    (tmp_path / "b.csv").write_bytes(b"a,b,y\n1,x,0\n2,x,1\n")
    line = assert_one_line_error(cli("rank", str(tmp_path / "*.csv"), "-t", "y", "-f", "json"), 1, "a.csv")
    assert "binary" in line or "utf-8" in line.lower()
    assert "2 files" not in line


# -- 10. '-' reads the table from stdin ---------------------------------------------------------


def _stdin(monkeypatch, data: bytes) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize("command", ["rank", "select", "check"])
def test_dash_reads_csv_from_stdin_like_the_file(cli, table, monkeypatch, command):
    from_file = cli(command, table, "-t", "y", "-f", "json")
    _stdin(monkeypatch, table.read_bytes())
    from_stdin = cli(command, "-", "-t", "y", "-f", "json")
    assert from_stdin.code == from_file.code, from_stdin.err
    got, want = from_stdin.json(), from_file.json()
    assert got["input"]["paths"] == ["-"]
    for doc in (got, want):
        doc.pop("timings")
        doc["input"].pop("paths")
    assert got == want
    assert not [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("outrank-cli-stdin-*")]


def test_dash_reads_parquet_from_stdin_with_input_format(cli, table, monkeypatch):
    want = cli("rank", table.with_suffix(".parquet"), "-t", "y", "-f", "json").json()
    _stdin(monkeypatch, table.with_suffix(".parquet").read_bytes())
    got = cli("rank", "-", "-t", "y", "-f", "json", "--input-format", "parquet").json()
    assert got["features"] == want["features"]


def test_dash_with_empty_stdin_is_a_clean_error(cli, monkeypatch):
    _stdin(monkeypatch, b"")
    assert_one_line_error(cli("rank", "-", "-t", "y"), 1, "empty")


def test_dash_through_a_real_pipe(table):
    done = subprocess.run(
        f"cat {table} | outrank-cli rank - -t y -f names",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "leak"


# -- 9. a value that is no number, late in a numeric CSV column ----------------------------------


@pytest.fixture(scope="module")
def late_garbage(tmp_path_factory) -> tuple[Path, Path]:
    """A numeric column with '1.5.5' at row 150,000 of 200,000, and the same file with the
    bad values left empty (what the column should count as)."""
    root = tmp_path_factory.mktemp("late")
    rng = np.random.default_rng(9)
    n = 200_000
    y = rng.integers(0, 2, n)
    text = [f"{v:.6f}" for v in rng.normal(size=n) + y]
    ints = [str(v) for v in rng.integers(0, 1000, n)]
    bad, clean = list(text), list(text)
    bad[150_000], bad[180_000] = "1.5.5", "abc"
    clean[150_000] = clean[180_000] = ""
    bad_ints, clean_ints = list(ints), list(ints)
    bad_ints[120_000], clean_ints[120_000] = "12x", ""
    pl.DataFrame({"x": bad, "k": bad_ints, "y": y}).write_csv(root / "bad.csv")
    pl.DataFrame({"x": clean, "k": clean_ints, "y": y}).write_csv(root / "clean.csv")
    return root / "bad.csv", root / "clean.csv"


def test_value_that_is_no_number_keeps_the_column_numeric(cli, late_garbage):
    bad, clean = late_garbage
    got = cli("rank", bad, "-t", "y", "-f", "json").json()
    want = cli("rank", clean, "-t", "y", "-f", "json").json()
    assert got["features"] == want["features"]
    kinds = {f["name"]: (f["kind"], (f["other_view"] or {}).get("kind")) for f in got["features"]}
    assert kinds["x"][0] == "numeric"  # a float stays a number, not text
    assert set(kinds["k"]) == {"categorical", "numeric"}  # an integer stays an integer: two views
    assert got["input"]["unparsable_values"] == [  # in column order
        {"column": "x", "count": 2, "example": "1.5.5", "path": str(bad), "line": 150_002},
        {"column": "k", "count": 1, "example": "12x", "path": str(bad), "line": 120_002},
    ]
    assert "unparsable_values" not in want["input"]


def test_check_reports_unparsable_values(cli, late_garbage):
    bad, _ = late_garbage
    doc = cli("check", bad, "-t", "y", "-f", "json").json()
    found = {f["column"]: f for f in doc["findings"] if f["code"] == "unparsable_values"}
    assert set(found) == {"x", "k"}
    assert found["x"]["severity"] == "warning"
    assert found["x"]["values"] == {"count": 2, "example": "1.5.5", "path": str(bad), "line": 150_002}
    assert "'1.5.5'" in found["x"]["message"] and "line 150002" in found["x"]["message"]


def test_widen_column_keeps_its_flag_across_processes():
    import pickle

    from outrank_cli.source.problems import WidenColumn

    widen = pickle.loads(pickle.dumps(WidenColumn("x", pl.String(), not_a_number=True)))
    assert (widen.column, widen.dtype, widen.not_a_number) == ("x", pl.String(), True)
