#!/usr/bin/env python3
"""Write a large synthetic table with a known ground truth, streaming it in chunks.

Usage::

    python benchmarks/generate.py --rows 1000000 --columns 30 --seed 0 \\
        --out benchmarks/data/t_1000000.csv [--parquet]

Next to the CSV it writes ``<stem>.truth.json`` (which columns are informative, which are
near-duplicates of which, which are noise) and, with ``--parquet``, ``<stem>.parquet`` with
the same rows (converted from the CSV by a streaming polars sink).

How ``y`` is made (all effects on the logit, drawn once from the seed)::

    logit = intercept + sum over planted columns of effect(column value)
    y     ~ Bernoulli(1 / (1 + exp(-logit)))

Planted (informative) columns:

* ``inf_cat_*``   strings with 3..50 levels; each level has its own effect (some skewed,
                  one with 5 % missing cells whose missingness carries an effect too);
* ``inf_num_*``   floats: a linear effect of a normal, a log effect of a lognormal;
* ``inf_int_*``   integers: a step at the middle of 0..19 and a smooth wave over 0..4999.

``dup_*`` columns are near-duplicates of another column (a categorical with 2 % of its
cells relabelled at random, a float plus small noise). A near-duplicate of a planted
column carries the same information about ``y`` and is listed as informative; a
near-duplicate of a noise column is noise. Every ``noise_*`` column and ``row_id`` (a
unique string per row) is drawn independently of ``y``.

Determinism: the random stream of chunk ``i`` is ``numpy.random.default_rng([seed, i])``
and floats are written with a fixed number of decimals, so the same arguments (and the
same ``--chunk-rows``) give a byte-identical file. Memory is bounded by one chunk.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

TARGET = "y"
DEFAULT_CHUNK_ROWS = 250_000
FLOAT_DECIMALS = 5
MIN_COLUMNS = 12


@dataclass
class Column:
    """One generated column: how to draw it and its role in the ground truth."""

    name: str
    kind: str  # cat | int | num | id | dup_cat | dup_num
    role: str  # planted | duplicate | noise | id
    levels: int = 0  # categorical / integer cardinality
    dist: str = "uniform"  # uniform | zipf | normal | lognormal | step | wave
    missing: float = 0.0
    source: str = ""  # for dup_*: the column it copies
    effect: list[float] = field(default_factory=list)  # per-level logit effects (cat)
    coef: float = 0.0  # numeric effect size


# The first MIN_COLUMNS-1 features cover every kind; the rest fill the default 30 columns.
# Columns beyond 30 come from EXTRA_CYCLE.
CORE: list[Column] = [
    Column("inf_cat_3", "cat", "planted", levels=3),
    Column("noise_cat_1000", "cat", "noise", levels=1_000),
    Column("inf_num_normal", "num", "planted", dist="normal", coef=0.45),
    Column("noise_int_50000", "int", "noise", levels=50_000),
    Column("inf_cat_50", "cat", "planted", levels=50, dist="zipf"),
    Column("noise_cat_50000", "cat", "noise", levels=50_000),
    Column("row_id", "id", "id"),
    Column("inf_int_20", "int", "planted", levels=20, dist="step", coef=0.5),
    Column("noise_num_normal", "num", "noise", dist="normal"),
    Column("dup_inf_cat_12", "dup_cat", "duplicate", source="inf_cat_12"),
    Column("inf_cat_12", "cat", "planted", levels=12),
    # ---- MIN_COLUMNS - 1 = 11 features above
    Column("noise_int_2", "int", "noise", levels=2),
    Column("noise_cat_2", "cat", "noise", levels=2),
    Column("inf_num_lognormal", "num", "planted", dist="lognormal", coef=0.5),
    Column("noise_int_10", "int", "noise", levels=10),
    Column("noise_cat_5", "cat", "noise", levels=5),
    Column("inf_cat_20_missing", "cat", "planted", levels=20, missing=0.05),
    Column("noise_int_100", "int", "noise", levels=100),
    Column("noise_cat_20", "cat", "noise", levels=20, dist="zipf"),
    Column("dup_inf_num_normal", "dup_num", "duplicate", source="inf_num_normal"),
    Column("noise_int_1000", "int", "noise", levels=1_000),
    Column("noise_cat_100", "cat", "noise", levels=100),
    Column("inf_int_5000", "int", "planted", levels=5_000, dist="wave", coef=0.35),
    Column("noise_int_10000", "int", "noise", levels=10_000),
    Column("noise_cat_500", "cat", "noise", levels=500),
    Column("dup_noise_cat_1000", "dup_cat", "noise", source="noise_cat_1000"),
    Column("noise_cat_10000", "cat", "noise", levels=10_000, dist="zipf"),
    Column("noise_num_uniform", "num", "noise", dist="uniform"),
    Column("noise_cat_30000", "cat", "noise", levels=30_000),
]
assert len(CORE) == 29

# Extra columns for --columns > 30: kind, role, cardinalities to cycle through.
EXTRA_CAT_NOISE_LEVELS = [2, 7, 40, 300, 3_000, 20_000, 50_000]
EXTRA_INT_NOISE_LEVELS = [3, 25, 250, 2_500, 25_000, 50_000]
EXTRA_CAT_INF_LEVELS = [3, 6, 15, 30, 50]
EXTRA_CYCLE = [
    "inf_cat",
    "noise_cat",
    "noise_int",
    "inf_num",
    "noise_cat",
    "noise_int",
    "noise_num",
    "noise_cat",
    "dup_inf",
    "noise_int",
]


def build_schema(n_columns: int, seed: int) -> list[Column]:
    """The feature columns (without ``y``) for a table of ``n_columns`` columns in total."""
    if n_columns < MIN_COLUMNS:
        raise SystemExit(f"--columns must be >= {MIN_COLUMNS}, got {n_columns}")
    n_features = n_columns - 1
    cols = [Column(**{**c.__dict__, "effect": list(c.effect)}) for c in CORE[:n_features]]
    counters: dict[str, int] = {}
    i = 0
    while len(cols) < n_features:
        what = EXTRA_CYCLE[i % len(EXTRA_CYCLE)]
        n = counters[what] = counters.get(what, 0) + 1
        if what == "inf_cat":
            lv = EXTRA_CAT_INF_LEVELS[(n - 1) % len(EXTRA_CAT_INF_LEVELS)]
            cols.append(
                Column(
                    f"inf_cat_{lv}_x{n}",
                    "cat",
                    "planted",
                    levels=lv,
                    dist="zipf" if n % 2 == 0 else "uniform",
                )
            )
        elif what == "noise_cat":
            lv = EXTRA_CAT_NOISE_LEVELS[(n - 1) % len(EXTRA_CAT_NOISE_LEVELS)]
            cols.append(Column(f"noise_cat_{lv}_x{n}", "cat", "noise", levels=lv))
        elif what == "noise_int":
            lv = EXTRA_INT_NOISE_LEVELS[(n - 1) % len(EXTRA_INT_NOISE_LEVELS)]
            cols.append(Column(f"noise_int_{lv}_x{n}", "int", "noise", levels=lv))
        elif what == "inf_num":
            cols.append(Column(f"inf_num_normal_x{n}", "num", "planted", dist="normal", coef=0.3))
        elif what == "noise_num":
            cols.append(Column(f"noise_num_normal_x{n}", "num", "noise", dist="normal"))
        elif what == "dup_inf":
            planted_cats = [c.name for c in cols if c.kind == "cat" and c.role == "planted"]
            src = planted_cats[(n - 1) % len(planted_cats)]
            cols.append(Column(f"dup_{src}_x{n}", "dup_cat", "duplicate", source=src))
        i += 1
    # per-level effects of planted categoricals, drawn once from the seed
    rng = np.random.default_rng([seed, 2**31 - 1])
    for c in cols:
        if c.kind == "cat" and c.role == "planted":
            if c.levels == 3:
                eff = np.array([-0.6, 0.0, 0.6])
            else:
                eff = rng.normal(0.0, 0.45, size=c.levels)
            c.effect = [round(float(e), 4) for e in eff]
    return cols


def level_labels(c: Column) -> list[str]:
    """String labels of a categorical column (distinct prefixes so columns never share labels)."""
    stem = c.name.split("_")[0][:3] + c.name.split("_")[-1]
    if c.levels <= 50:
        return [f"{stem}_{chr(97 + i % 26)}{i}" for i in range(c.levels)]
    return [f"{stem}_{i:05x}" for i in range(c.levels)]


def zipf_probs(k: int, s: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, k + 1) ** s
    return p / p.sum()


def draw_codes(rng: np.random.Generator, c: Column, n: int) -> np.ndarray:
    if c.dist == "zipf":
        return rng.choice(c.levels, size=n, p=zipf_probs(c.levels)).astype(np.int64)
    return rng.integers(0, c.levels, size=n, dtype=np.int64)


def intercept_for(cols: list[Column]) -> float:
    """Centres the logit so that about 30 % of rows have ``y = 1``."""
    shift = 0.0
    for c in cols:
        if c.role != "planted":
            continue
        if c.kind == "cat":
            p = zipf_probs(c.levels) if c.dist == "zipf" else np.full(c.levels, 1.0 / c.levels)
            shift += float(np.dot(p, c.effect)) * (1 - c.missing)
        elif c.dist == "lognormal":
            shift += c.coef * float(np.log1p(np.exp(0.5)))  # ~ E[log1p(X)] to first order
        elif c.dist == "step":
            shift += c.coef * 0.5
    return math.log(0.3 / 0.7) - shift


def make_chunk(
    cols: list[Column],
    labels: dict[str, pl.Series],
    seed: int,
    chunk: int,
    start: int,
    n: int,
    intercept: float,
) -> pl.DataFrame:
    rng = np.random.default_rng([seed, chunk])
    logit = np.full(n, intercept)
    codes: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    out: dict[str, pl.Series] = {}
    for c in cols:
        if c.kind == "cat":
            k = draw_codes(rng, c, n)
            codes[c.name] = k
            s = labels[c.name].gather(k)
            if c.missing > 0:
                miss = rng.random(n) < c.missing
                s = s.scatter(np.flatnonzero(miss), None)
                if c.role == "planted":
                    logit += np.where(miss, 0.4, np.asarray(c.effect)[k])
            elif c.role == "planted":
                logit += np.asarray(c.effect)[k]
            out[c.name] = s.alias(c.name)
        elif c.kind == "int":
            k = rng.integers(0, c.levels, size=n, dtype=np.int64)
            if c.role == "planted" and c.dist == "step":
                logit += c.coef * (k >= c.levels // 2)
            elif c.role == "planted" and c.dist == "wave":
                logit += c.coef * np.sin(2 * np.pi * k / c.levels)
            codes[c.name] = k
            out[c.name] = pl.Series(c.name, k)
        elif c.kind == "num":
            if c.dist == "normal":
                x = rng.standard_normal(n)
                if c.role == "planted":
                    logit += c.coef * x
            elif c.dist == "lognormal":
                x = rng.lognormal(0.0, 1.0, size=n)
                if c.role == "planted":
                    logit += c.coef * np.log1p(x)
            else:
                x = rng.random(n)
            x = np.round(x, FLOAT_DECIMALS)
            values[c.name] = x
            out[c.name] = pl.Series(c.name, x)
        elif c.kind == "id":
            # unique per row, not sorted: an odd multiplier is a bijection modulo 2**40
            ids = (
                np.arange(start, start + n, dtype=np.uint64)
                * np.uint64(0x9E3779B97F4A7C15 & (2**40 - 1) | 1)
            ) % np.uint64(2**40)
            out[c.name] = (
                pl.select(pl.format("r{}", pl.lit(pl.Series(ids)).cast(pl.String).str.zfill(13)))
                .to_series()
                .alias(c.name)
            )
    # duplicates after their sources exist
    for c in cols:
        if c.kind == "dup_cat":
            src = next(x for x in cols if x.name == c.source)
            k = codes[src.name].copy()
            flip = rng.random(n) < 0.02
            k[flip] = rng.integers(0, src.levels, size=int(flip.sum()))
            # a relabelling: same level structure, different spellings
            s = labels[src.name].gather(k).str.to_uppercase()
            if src.missing > 0:
                s = pl.select(pl.when(out[src.name].is_null()).then(None).otherwise(s)).to_series()
            out[c.name] = s.alias(c.name)
        elif c.kind == "dup_num":
            x = values[c.source] + rng.normal(0.0, 0.01, size=n)
            out[c.name] = pl.Series(c.name, np.round(x, FLOAT_DECIMALS))
    p = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.random(n) < p).astype(np.int8)
    ordered = {TARGET: pl.Series(TARGET, y)}
    for c in cols:
        ordered[c.name] = out[c.name]
    return pl.DataFrame(ordered)


def truth_document(
    cols: list[Column], rows: int, seed: int, chunk_rows: int, intercept: float
) -> dict[str, Any]:
    informative = [c.name for c in cols if c.role in ("planted", "duplicate")]
    return {
        "target": TARGET,
        "rows": rows,
        "columns": len(cols) + 1,
        "seed": seed,
        "chunk_rows": chunk_rows,
        "informative": informative,
        "planted": [c.name for c in cols if c.role == "planted"],
        "near_duplicates": {c.name: c.source for c in cols if c.source},
        "noise": [c.name for c in cols if c.role == "noise"],
        "id_like": [c.name for c in cols if c.role == "id"],
        "intercept": round(intercept, 6),
        "columns_detail": [
            {
                "name": c.name,
                "kind": c.kind,
                "role": c.role,
                "levels": c.levels or None,
                "dist": c.dist,
                "missing": c.missing,
                "source": c.source or None,
                "coef": c.coef or None,
                "effect": c.effect or None,
            }
            for c in cols
        ],
    }


def truth_path_for(out: Path) -> Path:
    return out.with_name(out.stem + ".truth.json")


def generate(
    rows: int,
    columns: int,
    seed: int,
    out: Path,
    *,
    parquet: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    quiet: bool = False,
) -> dict[str, Any]:
    cols = build_schema(columns, seed)
    labels = {
        c.name: pl.Series(c.name, level_labels(c), dtype=pl.String) for c in cols if c.kind == "cat"
    }
    intercept = intercept_for(cols)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    t0 = time.perf_counter()
    positives = 0
    with open(tmp, "wb") as fh:
        for chunk, start in enumerate(range(0, rows, chunk_rows)):
            n = min(chunk_rows, rows - start)
            df = make_chunk(cols, labels, seed, chunk, start, n, intercept)
            positives += int(df[TARGET].sum())
            df.write_csv(fh, include_header=(chunk == 0), float_precision=FLOAT_DECIMALS)
            if not quiet:
                done = start + n
                print(
                    f"\r  {out.name}: {done:,}/{rows:,} rows ({time.perf_counter() - t0:.0f}s)",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
    if not quiet:
        print(file=sys.stderr)
    tmp.replace(out)
    truth = truth_document(cols, rows, seed, chunk_rows, intercept)
    truth["positive_share"] = round(positives / max(rows, 1), 6)
    if parquet:
        pq = out.with_suffix(".parquet")
        pq_tmp = pq.with_name(pq.name + ".partial")
        pl.scan_csv(out).sink_parquet(pq_tmp)
        pq_tmp.replace(pq)
        truth["parquet"] = pq.name
    truth_path_for(out).write_text(json.dumps(truth, indent=2) + "\n")
    if not quiet:
        print(
            f"  wrote {out} ({out.stat().st_size / 2**20:,.0f} MiB) in "
            f"{time.perf_counter() - t0:.1f}s; informative: {', '.join(truth['informative'])}",
            file=sys.stderr,
        )
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--columns", type=int, default=30, help="total columns including y (>= 12)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="CSV path to write")
    ap.add_argument("--parquet", action="store_true", help="also write <stem>.parquet")
    ap.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.rows < 1:
        ap.error("--rows must be >= 1")
    truth = generate(
        args.rows,
        args.columns,
        args.seed,
        args.out,
        parquet=args.parquet,
        chunk_rows=args.chunk_rows,
        quiet=args.quiet,
    )
    print(
        json.dumps(
            {
                "out": str(args.out),
                "truth": str(truth_path_for(args.out)),
                "informative": truth["informative"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
