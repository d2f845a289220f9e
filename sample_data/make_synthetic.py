#!/usr/bin/env python3
"""Generate ``synthetic.csv`` (and ``synthetic.parquet``) next to this script.

The table has a binary target ``y`` and columns with a known ground truth, so
that a feature-ranking tool can be checked against it.  See README.md in this
folder for the full description.

Ground truth (how ``y`` is made)::

    logit = STRONG_EFFECT[signal_strong]          # 4 levels, +-2.0 / +-0.7
          + WEAK_EFFECT[signal_weak]              # 10 levels, -0.3 .. +0.3
          + 1.0 * signal_numeric                  # standard normal
          + 1.2 * (signal_int >= 600) - 0.48      # step at 600, centred
    y     ~ Bernoulli(1 / (1 + exp(-logit)))

``copy_of_strong`` is an exact one-to-one relabelling of ``signal_strong``.
Every other column is drawn independently of ``y`` (and of each other).

Only numpy is needed to write the CSV.  The Parquet copy is written from the
CSV with polars when polars is importable (it is skipped with a note
otherwise).  The output is deterministic: the generator is seeded and all
floats are written with a fixed number of decimals, so running the script
twice with the same numpy version gives byte-identical files.

Usage::

    python sample_data/make_synthetic.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SEED = 20240611
N_ROWS = 20_000

HERE = Path(__file__).resolve().parent
CSV_PATH = HERE / "synthetic.csv"
PARQUET_PATH = HERE / "synthetic.parquet"

# signal_strong: 4 levels with large, symmetric effects on the logit.
STRONG_LEVELS = ["alpha", "beta", "gamma", "delta"]
STRONG_EFFECT = np.array([-2.0, -0.7, 0.7, 2.0])
# copy_of_strong: a bijective relabelling (different spellings, different
# sort order) of signal_strong.
STRONG_COPY = {"alpha": "S-3", "beta": "S-1", "gamma": "S-4", "delta": "S-2"}

# signal_weak: 10 levels with small effects on the logit.
WEAK_LEVELS = [f"w{i}" for i in range(10)]
WEAK_EFFECT = np.linspace(-0.3, 0.3, 10)

NUMERIC_COEF = 1.0
INT_THRESHOLD = 600  # signal_int is uniform on 0..999
INT_STEP = 1.2

NOISE_CAT_LEVELS = ["red", "orange", "yellow", "green", "blue", "indigo", "violet", "black"]
HIGH_CARD_LEVELS = 5_000  # noise_high_card takes exactly this many values
CONSTANT_VALUE = "same"
MISSING_FRACTION = 0.95  # share of empty cells in mostly_missing

COLUMNS = [
    "id_like",
    "signal_strong",
    "noise_cat",
    "signal_numeric",
    "copy_of_strong",
    "noise_numeric",
    "signal_weak",
    "noise_high_card",
    "signal_int",
    "constant",
    "mostly_missing",
    "y",
]


def generate(seed: int = SEED, n: int = N_ROWS) -> dict[str, list[str]]:
    """Return the table as a dict of column name -> list of CSV cell strings."""
    rng = np.random.default_rng(seed)

    # --- informative columns ------------------------------------------------
    strong_idx = rng.integers(0, len(STRONG_LEVELS), size=n)
    weak_idx = rng.integers(0, len(WEAK_LEVELS), size=n)
    signal_numeric = np.round(rng.standard_normal(n), 6) + 0.0  # + 0.0 turns -0.0 into 0.0
    signal_int = rng.integers(0, 1000, size=n)

    logit = (
        STRONG_EFFECT[strong_idx]
        + WEAK_EFFECT[weak_idx]
        + NUMERIC_COEF * signal_numeric
        + INT_STEP * (signal_int >= INT_THRESHOLD)
        - INT_STEP * (1000 - INT_THRESHOLD) / 1000  # centre the step term
    )
    p = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.random(n) < p).astype(np.int64)

    # --- uninformative columns (independent of y) ---------------------------
    noise_cat_idx = rng.integers(0, len(NOISE_CAT_LEVELS), size=n)
    noise_numeric = np.round(rng.normal(loc=50.0, scale=10.0, size=n), 6) + 0.0
    id_numbers = rng.permutation(n)
    high_card = rng.permutation(np.arange(n) % HIGH_CARD_LEVELS)
    n_present = round(n * (1.0 - MISSING_FRACTION))
    present_rows = np.sort(rng.choice(n, size=n_present, replace=False))
    present_values = np.round(rng.standard_normal(n_present), 6) + 0.0

    mostly_missing = [""] * n
    for row, value in zip(present_rows.tolist(), present_values.tolist(), strict=True):
        mostly_missing[row] = f"{value:.6f}"

    strong = [STRONG_LEVELS[i] for i in strong_idx.tolist()]
    return {
        "id_like": [f"u{i:06d}" for i in id_numbers.tolist()],
        "signal_strong": strong,
        "noise_cat": [NOISE_CAT_LEVELS[i] for i in noise_cat_idx.tolist()],
        "signal_numeric": [f"{v:.6f}" for v in signal_numeric.tolist()],
        "copy_of_strong": [STRONG_COPY[s] for s in strong],
        "noise_numeric": [f"{v:.6f}" for v in noise_numeric.tolist()],
        "signal_weak": [WEAK_LEVELS[i] for i in weak_idx.tolist()],
        "noise_high_card": [str(v) for v in high_card.tolist()],
        "signal_int": [str(v) for v in signal_int.tolist()],
        "constant": [CONSTANT_VALUE] * n,
        "mostly_missing": mostly_missing,
        "y": [str(v) for v in y.tolist()],
    }


def write_csv(table: dict[str, list[str]], path: Path) -> None:
    n = len(table["y"])
    lines = [",".join(COLUMNS)]
    for r in range(n):
        lines.append(",".join(table[c][r] for c in COLUMNS))
    # newline="\n" keeps the bytes identical on every platform.
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")


def write_parquet(csv_path: Path, parquet_path: Path) -> bool:
    try:
        import polars as pl
    except ImportError:
        print(f"polars not installed: {parquet_path.name} not written", file=sys.stderr)
        return False
    pl.read_csv(csv_path).write_parquet(parquet_path)
    return True


def main() -> int:
    table = generate()
    write_csv(table, CSV_PATH)
    print(f"wrote {CSV_PATH} ({len(table['y'])} rows, {len(COLUMNS)} columns)")
    if write_parquet(CSV_PATH, PARQUET_PATH):
        print(f"wrote {PARQUET_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
