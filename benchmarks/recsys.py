#!/usr/bin/env python3
"""Rank a recommender-shaped table (``generate_recsys.py``) and check the planted truth.

Usage (from the repository root)::

    python benchmarks/generate_recsys.py --rows 200000 --columns 1000 --out benchmarks/data/recsys.parquet
    python benchmarks/recsys.py benchmarks/data/recsys.parquet [--command "outrank-cli"] [--repeats 3]
        [--against-floor rank,select,check,redundancy] [--floor scan|columns]

Runs ``rank`` (as a fresh process, ``--repeats`` times; median wall time and peak RSS), then
prints where every informative ID column landed, the best rank of a noise column, and where the
list column ``interests`` landed with its best values. Exit 1 when an informative column ranks
below a noise column.

With ``--against-floor``, also times the named commands (``select --k 20``, ``check``,
``redundancy --top 50``, ``rank``) side by side with the polars read floor
(``pl.scan_parquet(p).select(pl.all().n_unique()).collect()`` in a fresh process; with
``--floor columns``, ``pl.read_parquet(p)`` and ``n_unique`` column by column, for 10,000
columns where the lazy query does not finish): each
repeat runs the floor and then every command, so a busy machine slows them alike; prints
medians of wall time, the ratio to the floor and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(command: list[str], out: Path) -> tuple[float, float]:
    started = time.perf_counter()
    with out.open("w") as handle:
        process = subprocess.Popen(command, stdout=handle)
        _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{shlex.join(command)} failed with status {status}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


FLOORS = {
    # the floor: one lazy query over every column
    "scan": "import polars as pl, sys; pl.scan_parquet(sys.argv[1]).select(pl.all().n_unique()).collect()",
    # the same work column by column: at 10,000 columns the lazy query above does not finish
    # (after 8 minutes it held 20 GB), this takes about 3 s
    "columns": "import polars as pl, sys; [s.n_unique() for s in pl.read_parquet(sys.argv[1]).iter_columns()]",
}
COMMANDS = {
    "rank": ["rank"],
    "select": ["select", "--k", "20"],
    "check": ["check"],
    "redundancy": ["redundancy", "--top", "50"],
}


def against_floor(
    table: Path, command: list[str], names: list[str], repeats: int, tmp: Path, floor: str = "scan"
) -> None:
    """Median wall time, ratio to the floor and peak RSS of each command, runs interleaved."""
    runs: dict[str, list[tuple[float, float]]] = {"floor": [], **{n: [] for n in names}}
    for _ in range(repeats):
        runs["floor"].append(run([sys.executable, "-c", FLOORS[floor], str(table)], tmp / "floor.out"))
        for name in names:
            argv = [
                *command,
                *COMMANDS[name][:1],
                str(table),
                "-t",
                "y",
                *COMMANDS[name][1:],
                "-f",
                "json",
                "-q",
            ]
            runs[name].append(run(argv, tmp / f"{name}.json"))
    floor = statistics.median(w for w, _ in runs["floor"])
    print(f"{'':<12} {'median wall':>12} {'x floor':>8} {'peak RSS':>10}")
    for name, timed in runs.items():
        wall = statistics.median(w for w, _ in timed)
        rss = statistics.median(r for _, r in timed)
        print(f"{name:<12} {wall:>10.2f} s {wall / floor:>7.2f}x {rss / 1024:>7.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("table", type=Path)
    parser.add_argument("--command", default="outrank-cli", help="how to call outrank-cli")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--against-floor",
        default="",
        help="commands to time against the read floor: rank,select,check,redundancy",
    )
    parser.add_argument(
        "--floor",
        choices=sorted(FLOORS),
        default="scan",
        help="scan: one lazy n_unique over all columns (the default); columns: read, then n_unique "
        "column by column (for 10,000 columns, where the lazy query does not finish)",
    )
    args = parser.parse_args()
    if args.against_floor:
        names = [n.strip() for n in args.against_floor.split(",") if n.strip()]
        unknown = sorted(set(names) - set(COMMANDS))
        if unknown:
            raise SystemExit(f"--against-floor: unknown {unknown}; valid: {', '.join(COMMANDS)}")
        with tempfile.TemporaryDirectory() as tmp:
            against_floor(args.table, shlex.split(args.command), names, args.repeats, Path(tmp), args.floor)
    truth = set(json.loads(args.table.with_suffix(".truth.json").read_text())["informative"])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rank.json"
        command = [*shlex.split(args.command), "rank", str(args.table), "-t", "y", "-f", "json", "-q"]
        runs = [run(command, out) for _ in range(args.repeats)]
        doc = json.loads(out.read_text())
    features = {f["name"]: f for f in doc["features"]}
    signal = sorted((features[n]["rank"], n) for n in truth)
    noise = min(f["rank"] for n, f in features.items() if n not in truth and n != "interests")
    print(
        f"rank: median {statistics.median(w for w, _ in runs):.2f} s, peak RSS {statistics.median(r for _, r in runs):.0f} MB"
    )
    print("informative ID columns (rank, name):", signal)
    print(f"worst informative rank {signal[-1][0]}, best noise rank {noise}")
    if "interests" in features:
        entry = features["interests"]
        values = [v["value"] for v in entry.get("top_values", [])][:3]
        print(f"interests: rank {entry['rank']}, kind {entry['kind']}, best values {values}")
    sys.exit(0 if signal[-1][0] < noise else 1)


if __name__ == "__main__":
    main()
