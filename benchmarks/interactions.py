#!/usr/bin/env python3
"""Planted order-2 interactions: does ``interactions`` find them, how fast, and does
``select --interactions`` take them?

Usage (from the repository root)::

    python benchmarks/interactions.py [--rows 200000] [--columns 1000] [--repeats 1] [--data-dir benchmarks/data]

Two tables are generated (once; same arguments, same bytes) into ``--data-dir``:

* ``xor.csv`` (issue 13's measured case): ``y = a XOR b`` with 10% of the labels flipped,
  three weakly informative 5-level columns (a level raises the logit by 0.3) and 20 noise
  columns of 2 to 1,000 levels.
* ``pairs.parquet``: ``--columns`` integer ID columns with 2 to 100,000 levels (log-uniform),
  10 of them with an orderless single effect (``code % 3 == 0`` raises the logit by 0.5), a
  XOR pair of flags (``flag_a``, ``flag_b``: the logit is +-0.8 by their XOR) and a pair of
  ID columns (``pair_u``: 50 levels, ``pair_v``: 40 levels) whose effect is a table of
  N(0, 1) logits over their 2,000 combinations, centred over every row and column of the
  table, so that neither column has a marginal effect by construction.

Then it runs ``interactions`` (fresh processes, median wall time and peak RSS) and
``select --interactions`` on both and prints where the planted pairs landed, how many
significant pairs are made of noise columns only, and whether select took the pairs.
Exit 1 when a planted pair is not among the first five or a noise-only pair is significant.
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

import numpy as np
import polars as pl

NOISE_XOR = 20


def xor_table(rows: int, seed: int) -> tuple[pl.DataFrame, dict[str, object]]:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, rows), rng.integers(0, 2, rows)
    data: dict[str, object] = {"a": a, "b": b}
    logit = np.zeros(rows)
    for k in range(3):
        weak = rng.integers(0, 5, rows)
        data[f"weak{k}"] = weak
        logit += 0.3 * (weak == 0)
    for k, levels in enumerate(np.round(np.geomspace(2, 1_000, NOISE_XOR)).astype(int)):
        data[f"noise{k}_{levels}"] = rng.integers(0, levels, rows)
    xor = a ^ b
    flip = rng.random(rows) < 0.1
    y = np.where(flip, 1 - xor, xor)
    # the weak columns move a few labels towards 1
    nudge = rng.random(rows) < 0.1 * (1.0 / (1.0 + np.exp(-logit)) - 0.5) * 2.0
    data["y"] = np.where(nudge, 1, y)
    truth = {"pairs": [["a", "b"]], "signal": ["a", "b", "weak0", "weak1", "weak2"]}
    return pl.DataFrame(data), truth


def pairs_table(rows: int, columns: int, seed: int) -> tuple[pl.DataFrame, dict[str, object]]:
    rng = np.random.default_rng(seed)
    levels = np.round(np.geomspace(2, 100_000, columns - 4)).astype(np.int64)
    informative = set(np.round(np.linspace(0, len(levels) - 1, 10)).astype(int).tolist())
    logit = np.full(rows, -0.5 * len(informative) / 3.0)
    data: dict[str, object] = {}
    signal = []
    for k, count in enumerate(levels):
        codes = rng.integers(0, count, rows)
        name = f"id_{k:04d}_{count}"
        if k in informative:
            logit += 0.5 * (codes % 3 == 0)
            signal.append(name)
        data[name] = codes
    flag_a, flag_b = rng.integers(0, 2, rows), rng.integers(0, 2, rows)
    logit += 0.8 * (2 * (flag_a ^ flag_b) - 1)
    u, v = rng.integers(0, 50, rows), rng.integers(0, 40, rows)
    effect = rng.normal(0.0, 1.0, (50, 40))
    effect -= effect.mean(axis=1, keepdims=True)
    effect -= effect.mean(axis=0, keepdims=True)
    logit += effect[u, v]
    data.update({"flag_a": flag_a, "flag_b": flag_b, "pair_u": u, "pair_v": v})
    data["y"] = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int8)
    truth = {
        "pairs": [["flag_a", "flag_b"], ["pair_u", "pair_v"]],
        "signal": [*signal, "flag_a", "flag_b", "pair_u", "pair_v"],
    }
    return pl.DataFrame(data), truth


def ensure(path: Path, build: object) -> dict[str, object]:
    truth_path = path.with_suffix(".truth.json")
    if not path.exists() or not truth_path.exists():
        frame, truth = build()  # type: ignore[operator]
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
        truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    return json.loads(truth_path.read_text())  # type: ignore[no-any-return]


def run(command: list[str]) -> tuple[float, float, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        started = time.perf_counter()
        with out.open("w") as handle:
            process = subprocess.Popen(command, stdout=handle)
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{shlex.join(command)} failed with status {status}")
        return wall, usage.ru_maxrss / 1024, json.loads(out.read_text())


def position(pairs: list[dict[str, object]], a: str, b: str) -> int | None:
    for rank, p in enumerate(pairs, start=1):
        if {p["a"], p["b"]} == {a, b}:
            return rank
    return None


def measure(table: Path, truth: dict[str, object], command: list[str], repeats: int) -> bool:
    base = [*command, "interactions", str(table), "-t", "y", "-f", "json", "-q", "--top", "100000"]
    runs = [run(base) for _ in range(repeats)]
    doc = runs[-1][2]
    pairs: list[dict[str, object]] = doc["pairs"]  # type: ignore[assignment]
    screening = doc["screening"]
    signal = set(truth["signal"])  # type: ignore[arg-type]
    noise_significant = [
        p for p in pairs if p["significant"] and p["a"] not in signal and p["b"] not in signal
    ]
    print(f"\n## {table.name}: interactions")
    print(
        f"wall {statistics.median(w for w, _, _ in runs):.1f} s (median of {repeats}), peak RSS "
        f"{statistics.median(r for _, r, _ in runs):.0f} MB; screening {json.dumps(screening)}; timings {json.dumps(doc['timings'])}"
    )
    ok = True
    for a, b in truth["pairs"]:  # type: ignore[attr-defined]
        rank = position(pairs, a, b)
        entry = pairs[rank - 1] if rank else None
        print(
            f"planted pair {a} x {b}: position {rank}"
            + (
                f", p {entry['p_value']:.3g}, gain {entry['gain']:.4f}, synergy {entry['synergy']:.4f}"
                if entry
                else " (not evaluated)"
            )
        )
        ok &= rank is not None and rank <= 5
    first_small = next((i for i, p in enumerate(pairs, 1) if p["p_value"] < 1e-6), None)
    print(
        f"first pair with p < 1e-6: position {first_small}; significant pairs {sum(bool(p['significant']) for p in pairs)}"
    )
    print(f"significant pairs made only of noise columns: {len(noise_significant)}")
    ok &= not noise_significant
    wall, _, chosen = run([*command, "select", str(table), "-t", "y", "-f", "json", "-q", "--interactions"])
    names = [s["name"] for s in chosen["selected"]]  # type: ignore[index]
    taken = [p for p in truth["pairs"] if set(p) <= set(names)]  # type: ignore[attr-defined]
    print(f"select --interactions: {wall:.1f} s, {len(names)} columns; planted pairs taken: {taken}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--command", default="outrank-cli", help="how to call outrank-cli")
    args = parser.parse_args()
    command = shlex.split(args.command)
    xor_path = args.data_dir / f"xor_{args.rows}_{args.seed}.csv"
    wide_path = args.data_dir / f"pairs_{args.rows}x{args.columns}_{args.seed}.parquet"
    ok = measure(xor_path, ensure(xor_path, lambda: xor_table(args.rows, args.seed)), command, args.repeats)
    truth = ensure(wide_path, lambda: pairs_table(args.rows, args.columns, args.seed))
    ok &= measure(wide_path, truth, command, args.repeats)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
