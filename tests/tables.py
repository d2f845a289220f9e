"""Generated tables with known structure, shared by the select and check tests."""

from __future__ import annotations

import numpy as np
import polars as pl


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def selection_table(n: int = 30_000, seed: int = 0) -> pl.DataFrame:
    """Three independent signals, their duplicates/near-duplicates, and noise of every kind."""
    rng = np.random.default_rng(seed)
    s1 = rng.integers(0, 4, n)
    s2 = rng.normal(size=n)
    s3 = rng.integers(0, 6, n)
    logit = 1.6 * (s1 - 1.5) + 1.4 * s2 + 0.9 * (s3 % 2) - 0.2
    y = (rng.random(n) < _logistic(logit)).astype(np.int64)
    near = s1.copy()
    flip = rng.random(n) < 0.02
    near[flip] = rng.integers(0, 4, flip.sum())
    return pl.DataFrame(
        {
            "id": [f"row{i:07d}" for i in rng.permutation(n)],
            "s1": np.array(["a", "b", "c", "d"])[s1],
            "noise_cat": rng.integers(0, 10, n).astype(str),
            "s1_copy": np.array(["w", "x", "y", "z"])[s1],
            "s2": s2,
            "noise_num": rng.normal(size=n),
            "s1_near": np.array(["a", "b", "c", "d"])[near],
            "s2_scaled": 3.0 * s2 + 7.0,
            "noise_hc": rng.integers(0, 5_000, n),
            "s3": np.array(["p", "q", "r", "s", "t", "u"])[s3],
            "y": y,
        }
    )


def check_table_pair(n: int = 20_000, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A table with each data-quality problem planted once, and a clean twin with none."""
    rng = np.random.default_rng(seed)
    f_cat = rng.integers(0, 5, n)
    f_num = rng.normal(size=n)
    logit = 0.8 * (f_cat - 2) + 0.8 * f_num
    y_clean = (rng.random(n) < _logistic(logit)).astype(np.int64)
    clean = pl.DataFrame(
        {
            "f_cat": np.array(list("abcde"))[f_cat],
            "f_num": f_num,
            "noise_cat": rng.integers(0, 8, n).astype(str),
            "noise_hc": rng.integers(0, 3_000, n),
            "noise_text": np.array([f"t{i}" for i in range(1_000)])[rng.integers(0, 1_000, n)],
            "y": y_clean,
        }
    )
    # imbalanced target with a few missing values
    y = (rng.random(n) < _logistic(logit - 4.0)).astype(np.float64)
    y[rng.random(n) < 0.01] = np.nan
    noise_cat = clean["noise_cat"].to_numpy().copy()
    near = noise_cat.copy()
    flip = rng.random(n) < 0.01
    near[flip] = rng.integers(0, 8, flip.sum()).astype(str)
    rare = np.where(
        rng.random(n) < 0.1,
        np.array([f"r{i}" for i in range(n)]),
        np.array(["common1", "common2"])[rng.integers(0, 2, n)],
    )
    mostly = np.where(rng.random(n) < 0.7, np.nan, rng.normal(size=n))
    problems = clean.with_columns(
        pl.Series("y", y).fill_nan(None).cast(pl.Int64),
    ).with_columns(
        pl.when(pl.col("y") == 1)
        .then(pl.lit("yes"))
        .when(pl.col("y") == 0)
        .then(pl.lit("no"))
        .otherwise(None)
        .alias("leak"),
        pl.lit("same").alias("const"),
        pl.lit(None, dtype=pl.String).alias("empty"),
        pl.Series("mostly_missing", mostly).fill_nan(None),
        pl.Series("user_id", rng.permutation(n) + 1_000_000),
        pl.Series("dup", np.array(list("VWXYZ"))[f_cat]),
        pl.Series("near_dup", near),
        pl.Series("rare", rare),
    )
    return problems, clean
