#!/usr/bin/env python3
"""What the automatic ``select`` takes on generated tables with a known truth.

Usage (from the repository root)::

    python benchmarks/planted.py                       # 44 tables, about 2 minutes
    python benchmarks/planted.py --rows 1000 3000 --seeds 0-12 --columns 60

Tables come from ``generate.py`` (planted columns, near-duplicates, noise and ID columns; see
its docstring) and are kept in ``--data-dir``. For every table ``select`` runs through the
library with its defaults (plus ``--select-args``: e.g. ``k=10``) and the script counts the
columns taken, the planted ones among them (a near-duplicate of a planted column counts for
it, never both), and the noise or ID columns taken, which should be 0.

The default grid is the one quoted in benchmarks/README.md ("Planted truth"): 1,000 and
3,000 rows with 30 and 60 columns, seeds 0-2, and 60 columns for seeds 3-12; 10,000 and
100,000 rows with 30 and 60 columns, seeds 0-2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_GRID = [
    *[(rows, columns, seed) for rows in (1000, 3000) for seed in range(3) for columns in (30, 60)],
    *[(rows, 60, seed) for rows in (1000, 3000) for seed in range(3, 13)],
    *[(rows, columns, seed) for rows in (10_000, 100_000) for seed in range(3) for columns in (30, 60)],
]


def seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def table(data: Path, rows: int, columns: int, seed: int) -> tuple[Path, dict[str, object]]:
    path = data / f"t_{rows}_{columns}_{seed}.csv"
    truth = path.with_suffix(".truth.json")
    if not truth.exists():
        command = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows", str(rows)]
        command += ["--columns", str(columns), "--seed", str(seed), "--out", str(path), "--quiet"]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return path, json.loads(truth.read_text())


def judge(selected: list[str], truth: dict[str, object]) -> tuple[int, int, int]:
    """(planted columns found, planted columns in the table, noise or ID columns taken)."""
    planted = set(truth["planted"])  # type: ignore[arg-type]
    informative = set(truth["informative"])  # type: ignore[arg-type]
    duplicates: dict[str, str] = truth["near_duplicates"]  # type: ignore[assignment]
    found = {duplicates.get(name, name) for name in selected if name in informative}
    return len(found & planted), len(planted), sum(name not in informative for name in selected)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=None)
    parser.add_argument("--columns", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--seeds", type=seeds, default=None, help="e.g. 0-2 or 0,4,7")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data" / "planted")
    parser.add_argument("--select-args", default="", help="SearchOptions fields, e.g. 'k=10'")
    args = parser.parse_args()

    from outrank_cli.pipeline import Request
    from outrank_cli.select import PassOptions, SearchOptions, select_features

    if args.rows is None and args.seeds is None:
        grid = DEFAULT_GRID
    else:
        grid = [
            (r, c, s)
            for r in (args.rows or [1000, 3000])
            for c in args.columns
            for s in (args.seeds or [0, 1, 2])
        ]
    extra = {}
    for item in filter(None, args.select_args.split(",")):
        key, value = item.split("=")
        extra[key] = int(value) if value.isdigit() else float(value)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    totals: dict[int, list[int]] = {}
    for rows, columns, seed in grid:
        path, truth = table(args.data_dir, rows, columns, seed)
        result = select_features(Request([str(path)], PassOptions(target="y")), SearchOptions(**extra))
        names = [s.name for s in result.selected]
        found, planted, noise = judge(names, truth)
        row = totals.setdefault(rows, [0, 0, 0, 0, 0])
        for i, value in enumerate((1, len(names), found, planted, noise)):
            row[i] += value
        flag = "  <-- noise: " + ", ".join(n for n in names if n not in truth["informative"]) if noise else ""  # type: ignore[operator]
        print(f"{path.name:24s} taken {len(names):3d}  planted {found:2d}/{planted:2d}  noise {noise}{flag}")
    print("\n| rows | tables | columns taken | planted columns taken | noise / ID columns taken |")
    print("|---|---|---|---|---|")
    for rows, (tables, taken, found, planted, noise) in sorted(totals.items()):
        print(f"| {rows:,} | {tables} | {taken} | {found} of {planted} | {noise} |")


if __name__ == "__main__":
    main()
