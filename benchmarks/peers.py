#!/usr/bin/env python3
"""One peer tool on one table, run by ``run.py`` inside the ``peers`` environment.

Usage::

    benchmarks/.venvs/peers/bin/python benchmarks/peers.py mi   FILE.csv --target y
    benchmarks/.venvs/peers/bin/python benchmarks/peers.py mrmr FILE.csv --target y --k 20

Both load the whole CSV into memory with polars, ordinal-encode it and then call the tool:

* ``mi``   - ``sklearn.feature_selection.mutual_info_classif(X, y, discrete_features=True)``:
  plug-in mutual information of every column, each distinct value a level (float columns
  too: they are not binned). The ranking is the columns by MI, highest first.
* ``mrmr`` - ``mrmr.mrmr_classif(X=df, y=y, K=k)`` from ``mrmr-selection`` with its defaults
  (F-statistic relevance, Pearson-correlation redundancy; ``show_progress=False`` only
  silences its progress bar). The result is the selected list, in selection order.

Encoding: a text column becomes the dense rank of its value among the column's sorted
distinct values (0, 1, 2, ...: an ordinal encoding), with a missing value as -1; a numeric
column keeps its values, with a missing value as (minimum - 1). The target is read as
given (0/1 here). Loading and encoding are part of the measured process; their seconds are
reported in the JSON that goes to stdout::

    {"tool": "mi", "ranking": [...], "scores": [...], "timings": {...}}
"""

from __future__ import annotations

import argparse
import json
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402


def load_encoded(path: str, target: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(feature names, X as float64 [rows, features], y)."""
    df = pl.read_csv(path, infer_schema_length=10_000)
    y = df.get_column(target).to_numpy()
    names = [c for c in df.columns if c != target]
    exprs = []
    for name in names:
        dtype = df.schema[name]
        col = pl.col(name)
        if dtype == pl.String or dtype == pl.Categorical:
            exprs.append((col.rank("dense").cast(pl.Int64) - 1).fill_null(-1).alias(name))
        elif dtype.is_numeric():
            exprs.append(col.fill_null(col.min() - 1).alias(name))
        else:  # dates, booleans: order-preserving integers
            exprs.append((col.rank("dense").cast(pl.Int64) - 1).fill_null(-1).alias(name))
    encoded = df.select(exprs)
    del df
    x = encoded.to_numpy().astype(np.float64, copy=False)
    return names, x, y


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tool", choices=["mi", "mrmr"])
    ap.add_argument("path")
    ap.add_argument("--target", default="y")
    ap.add_argument("--k", type=int, default=20)
    args = ap.parse_args()

    t_import = time.perf_counter() - T0
    t = time.perf_counter()
    names, x, y = load_encoded(args.path, args.target)
    t_load = time.perf_counter() - t

    t = time.perf_counter()
    if args.tool == "mi":
        from sklearn.feature_selection import mutual_info_classif

        mi = mutual_info_classif(x, y, discrete_features=True)
        order = np.argsort(-mi, kind="stable")
        result = {
            "ranking": [names[i] for i in order],
            "scores": [round(float(mi[i]), 6) for i in order],
        }
    else:
        import pandas as pd
        from mrmr import mrmr_classif

        frame = pd.DataFrame({name: x[:, i] for i, name in enumerate(names)})
        del x
        target = pd.Series(y, name=args.target)
        selected = mrmr_classif(X=frame, y=target, K=args.k, show_progress=False)
        result = {"ranking": [str(s) for s in selected]}
    t_compute = time.perf_counter() - t

    doc = {
        "tool": args.tool,
        "rows": len(y),
        **result,
        "timings": {
            "import_seconds": round(t_import, 3),
            "load_and_encode_seconds": round(t_load, 3),
            "compute_seconds": round(t_compute, 3),
        },
    }
    json.dump(doc, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
