#!/usr/bin/env python3
"""Write a recommender-shaped table with planted ground truth: integer IDs and a list column.

Usage::

    python benchmarks/generate_recsys.py --rows 200000 --columns 1000 --out benchmarks/data/recsys.parquet

Every feature is an integer ID column (``id_<k>_<levels>``); cardinalities run log-uniformly
from 2 to 100,000. ``--informative`` of them (spread over the whole range of cardinalities)
carry an orderless signal: ``code % 3 == 0`` raises the logit by ``--effect`` (default 1.0),
so a column cut into numeric bins shows nothing while its categories do. ``interests`` is a
list of 1-6 values out of 100; containing value 7 raises the logit by 1.0. ``y`` ~ Bernoulli(logistic(logit)). Next to the table,
``<stem>.truth.json`` lists the informative columns. Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import polars as pl


def generate(
    rows: int, columns: int, informative: int, seed: int, effect: float = 1.0
) -> tuple[pl.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    levels = np.round(np.geomspace(2, 100_000, columns)).astype(np.int64)
    chosen = set(np.round(np.linspace(0, columns - 1, informative)).astype(int).tolist())
    data: dict[str, object] = {}
    # centred so that y stays balanced whatever the effect: a third of the codes carry it
    logit = np.full(rows, -effect * informative / 3.0)
    truth = []
    for k, count in enumerate(levels):
        codes = rng.integers(0, count, rows)
        name = f"id_{k:04d}_{count}"
        if k in chosen:
            logit += effect * (codes % 3 == 0)
            truth.append(name)
        data[name] = codes
    sizes = rng.integers(1, 7, rows)
    values = rng.integers(0, 100, int(sizes.sum()))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    interests = [values[offsets[i] : offsets[i + 1]].tolist() for i in range(rows)]
    has = np.array([7 in row for row in interests])
    logit += 1.0 * has
    data["interests"] = interests
    data["y"] = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int8)
    return pl.DataFrame(data), truth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=1_000)
    parser.add_argument("--informative", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--effect", type=float, default=1.0, help="logit effect of code %% 3 == 0")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    frame, truth = generate(args.rows, args.columns, args.informative, args.seed, args.effect)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(args.out)
    truth_path = args.out.with_suffix(".truth.json")
    truth_path.write_text(
        json.dumps({"informative": truth, "list_signal": {"interests": 7}}, indent=2) + "\n"
    )
    print(json.dumps({"out": str(args.out), "truth": str(truth_path), "informative": len(truth)}))


if __name__ == "__main__":
    main()
