#!/usr/bin/env python3
"""Does ``select`` keep a list column a model needs? Generated tables, cross-validated models.

Usage (from the repository root, with ``pip install -e '.[dev,evaluate]'``)::

    python benchmarks/list_columns.py                  # seeds 3 and 4, 60,000 rows each
    python benchmarks/list_columns.py --seeds 5 6 7 --rows 20000

Each table has 60 integer ID columns (2 to 5,000 levels, log-uniform; every tenth carries an
orderless signal, ``code % 3 == 0``) and a text column ``genres`` of 0-8 values out of 40,
separated by ``|``; holding ``g5`` raises the logit by 1.5 and holding ``g17`` by 0.8. The
table is written as CSV and read with ``--multivalue 'genres:|'``.

For each table: ``select`` with the automatic stop and with ``--k 5``, and each of those
subsets without ``genres`` (what ``select`` returned before it could search a multi-valued
column), are cross-validated by ``outrank-cli evaluate`` (5 folds, HistGradientBoosting; the
list column as indicators of its values) against all columns. Prints Δ AUC against all
columns with its spread over the folds. Subsets are chosen on the same rows they are
evaluated on, alike for every subset.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl


def generate(seed: int, rows: int, path: Path) -> None:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    logit = np.full(rows, -0.5)
    for k in range(60):
        levels = int(np.exp(rng.uniform(np.log(2), np.log(5000))))
        codes = rng.integers(0, levels, rows)
        if k % 10 == 0:
            logit += 0.7 * (codes % 3 == 0)
        data[f"c{k:02d}_{levels}"] = codes
    genres = [
        "|".join(f"g{v}" for v in rng.choice(40, size=s, replace=False)) for s in rng.integers(0, 9, rows)
    ]
    held = [set(g.split("|")) for g in genres]
    logit += 1.5 * np.array(["g5" in h for h in held]) + 0.8 * np.array(["g17" in h for h in held])
    data["genres"] = genres
    data["y"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    pl.DataFrame(data).write_csv(path)


def cli(*args: object) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "outrank_cli", *map(str, args)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"outrank-cli {' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    table_args = ("-t", "y", "--multivalue", "genres:|")
    print("| seed | subset | `genres` taken | Δ AUC vs all columns (columns) | the same without `genres` |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            path = Path(tmp) / f"lists_{seed}.csv"
            generate(seed, args.rows, path)
            files = []
            for label, extra in (("automatic", ()), ("k=5", ("--k", "5"))):
                names = cli("select", path, *table_args, *extra, "-q", "-f", "names").split()
                for variant, chosen in (("with", names), ("without", [n for n in names if n != "genres"])):
                    file = Path(tmp) / f"{seed}_{label}_{variant}.txt"
                    file.write_text("\n".join(chosen) + "\n")
                    files.append((label, variant, file, chosen))
            subsets = [x for _, _, file, _ in files for x in ("--subset", file)]
            report = json.loads(
                cli("evaluate", path, *table_args, "--threads", "1", "-q", "-f", "json", *subsets)
            )
            scores = {s["name"]: s for s in report["subsets"]}
            for label in ("automatic", "k=5"):
                cells = []
                for variant in ("with", "without"):
                    _, _, file, chosen = next(f for f in files if f[0] == label and f[1] == variant)
                    score = scores[file.name]
                    cells.append(
                        f"{score['difference']['auc']:+.4f} ± {score['difference_spread']['auc']:.4f} ({len(chosen)})"
                    )
                has = "genres" in next(f for f in files if f[0] == label and f[1] == "with")[3]
                print(f"| {seed} | {label} | {'yes' if has else 'no'} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
