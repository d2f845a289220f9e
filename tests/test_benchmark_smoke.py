"""Smoke test of the benchmark harness: it runs end to end on tiny tables and reports tables.

Timings are never asserted on; only that the run succeeds and its markdown parses. OutRank and
the peer tools run only when their environments under benchmarks/.venvs exist already, so
their rows are optional here.
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
    "tree RSS median (MiB)",
    "quality",
]
SIZES = ("10,000", "20,000")
OURS = (
    "rank (csv)",
    "select --k 20 (csv)",
    "check (csv)",
    "floor n_unique (csv)",
    "floor parse (csv)",
    "rank (parquet)",
    "floor n_unique (parquet)",
    "floor parse (parquet)",
)
OPTIONAL = ("OutRank 0.97.5", "sklearn mutual_info_classif", "mrmr_classif K=20")
WITH_QUALITY = ("rank (csv)", "select --k 20 (csv)", "check (csv)", "rank (parquet)")
EXTRAS = {
    "select --k 20, 10,000 rows x 100 columns",
    "outrank-cli --help",
    "rank sample_data/adult.csv, first run of the JIT fallback (cold numba cache)",
    "rank sample_data/adult.csv, later runs",
}


def parse_table(text: str, first: list[str]) -> tuple[list[str], list[list[str]]]:
    """The first markdown table whose header starts with the cells ``first``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[: len(first)] == first:
            assert set(lines[i + 1].replace("|", "").strip()) <= set("-: "), lines[i + 1]
            body = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                body.append([c.strip() for c in row.strip().strip("|").split("|")])
            return cells, body
    raise AssertionError(f"no markdown table with a {first} header in:\n{text}")


def number_or_dash(cell: str) -> None:
    if cell != "-":
        float(cell)


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
        header, body = parse_table(text, ["rows", "command"])
        assert header == EXPECTED_HEADER
        seen = {(r[0], r[1]) for r in body}
        assert {(size, cmd) for size in SIZES for cmd in OURS} <= seen
        for size, cmd in seen:
            assert size in SIZES
            assert cmd in OURS or (cmd in OPTIONAL and size == SIZES[0]), (size, cmd)
        for row in body:
            assert len(row) == len(EXPECTED_HEADER)
            assert int(row[2]) == 1
            for cell in row[3:7]:
                float(cell)  # numeric times and RSS; values are not checked
            number_or_dash(row[7])
            if row[1] in WITH_QUALITY or row[1] in OPTIONAL:
                assert 0.0 <= float(row[8].split()[0]) <= 1.0, row

        header, targets = parse_table(text, ["target"])
        assert header == ["target", "measured (medians)", "ratio", "result"]
        assert len(targets) >= 4
        assert {r[3] for r in targets} <= {"pass", "**FAIL**", "-"}

        header, extras = parse_table(text, ["measurement"])
        assert header == ["measurement", *EXPECTED_HEADER[2:]]
        assert {r[0] for r in extras} == EXTRAS
        for row in extras:
            for cell in row[2:6]:
                float(cell)
    for name in ("t_10000.csv", "t_10000.truth.json", "t_10000.parquet", "t_10000_c100.csv"):
        assert (tmp_path / name).exists(), name
