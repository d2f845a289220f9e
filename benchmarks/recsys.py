#!/usr/bin/env python3
"""Rank a recommender-shaped table (``generate_recsys.py``) and check the planted truth.

Usage (from the repository root)::

    python benchmarks/generate_recsys.py --rows 200000 --columns 1000 --out benchmarks/data/recsys.parquet
    python benchmarks/recsys.py benchmarks/data/recsys.parquet [--command "outrank-cli"] [--repeats 3]

Runs ``rank`` (as a fresh process, ``--repeats`` times; median wall time and peak RSS), then
prints where every informative ID column landed, the best rank of a noise column, and where the
list column ``interests`` landed with its best values. Exit 1 when an informative column ranks
below a noise column.
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("table", type=Path)
    parser.add_argument("--command", default="outrank-cli", help="how to call outrank-cli")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
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
