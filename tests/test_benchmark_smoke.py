"""Smoke test of the benchmark harness: it runs end to end on tiny tables and reports a table.

Timings are never asserted on; only that the run succeeds and its markdown parses.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "benchmarks" / "run.py"

EXPECTED_HEADER = [
    "rows",
    "command",
    "runs",
    "wall median (s)",
    "wall min (s)",
    "wall max (s)",
    "peak RSS median (MiB)",
    "top-k hit",
]


def parse_table(text: str, first_cell: str = "rows") -> tuple[list[str], list[list[str]]]:
    """The first markdown table whose header starts with ``first_cell``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[:2] == [first_cell, "command"]:
            assert set(lines[i + 1].replace("|", "").strip()) <= set("-: "), lines[i + 1]
            body = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                body.append([c.strip() for c in row.strip().strip("|").split("|")])
            return cells, body
    raise AssertionError("no markdown table with a 'rows | command' header in:\n" + text)


def test_quick_benchmark_runs_and_reports(tmp_path: Path) -> None:
    results = tmp_path / "R.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--quick",
            "--results",
            str(results),
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert results.exists()
    for text in (proc.stdout, results.read_text()):
        header, body = parse_table(text)
        assert header == EXPECTED_HEADER
        assert len(body) == 2 * 2  # two sizes x (rank, floor)
        assert {(r[0], r[1]) for r in body} == {
            (size, cmd) for size in ("20,000", "50,000") for cmd in ("rank", "floor")
        }
        for row in body:
            assert len(row) == len(EXPECTED_HEADER)
            assert int(row[2]) == 1
            for cell in row[3:7]:
                float(cell)  # numeric times and RSS; values are not checked
            if row[1] == "rank":
                assert 0.0 <= float(row[7]) <= 1.0
    assert (tmp_path / "t_20000.csv").exists()
    assert (tmp_path / "t_20000.truth.json").exists()
