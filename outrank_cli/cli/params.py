"""The input options of the commands, each declared once (see ``groups``).

``TABLE`` (the input and its columns) opens every command; ``SETUP`` (how to read, encode
and count) closes it; ``SCORE`` sits between for rank and select (the report options are in
``formats``). Nothing here imports numpy or polars: ``--help`` stays fast.
"""

from __future__ import annotations

import inspect
from enum import StrEnum
from typing import Annotated

import typer

from outrank_cli.cli.groups import combine, group
from outrank_cli.cli.run import Setup, Table, with_project
from outrank_cli.errors import UsageError
from outrank_cli.options import EncodeOptions, EngineOptions, PassOptions, ReadOptions, ScoreOptions


class Correction(StrEnum):
    ami = "ami"
    none = "none"
    miller_madow = "miller-madow"
    permutation = "permutation"
    outrank = "outrank"


# -- the table and its columns -----------------------------------------------------------------
TABLE = group(
    "table",
    lambda paths, target, include, exclude, categorical, numeric, multivalue, seed: Table(
        paths,
        target,
        tuple(include or ()),
        tuple(exclude or ()),
        seed=seed,
        **with_project({"categorical": categorical, "numeric": numeric, "multivalue": multivalue}),
    ),
    paths=(
        Annotated[
            list[str],
            typer.Argument(
                help="Input: CSV/TSV/Parquet files, globs (quote them) or directories of part files; .gz/.zst CSV too.",
                show_default=False,
                metavar="PATH",
            ),
        ],
        inspect.Parameter.empty,
    ),
    target=(
        Annotated[
            str,
            typer.Option(
                "--target", "-t", help="Name of the target column.", show_default=False, metavar="NAME"
            ),
        ],
        inspect.Parameter.empty,
    ),
    include=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--include",
                "-i",
                help="Only these feature columns: comma-separated names or glob patterns (repeatable).",
                metavar="PATTERNS",
            ),
        ],
        None,
    ),
    exclude=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--exclude",
                "-x",
                help="Leave out these columns: comma-separated names or glob patterns (repeatable).",
                metavar="PATTERNS",
            ),
        ],
        None,
    ),
    categorical=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--categorical",
                help="Count these number or date columns as categories only (names or globs, comma-separated; repeatable; also [tool.outrank-cli] categorical in pyproject.toml).",
                metavar="PATTERNS",
            ),
        ],
        None,
    ),
    numeric=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--numeric",
                help="Count these number or date columns as quantities (equal-frequency bins) only; same syntax.",
                metavar="PATTERNS",
            ),
        ],
        None,
    ),
    multivalue=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--multivalue",
                help="NAME:SEP: the text column NAME (or glob) holds SEP-separated values, ranked by each value's presence, e.g. 'tags:|' (repeatable; list columns are multi-valued already).",
                metavar="NAME:SEP",
            ),
        ],
        None,
    ),
    seed=(
        Annotated[
            int,
            typer.Option("--seed", help="Seed for every random choice (permutations, samples).", metavar="N"),
        ],
        PassOptions.seed,
    ),
)


# -- reading -------------------------------------------------------------------------------------
def unescape_separator(separator: str | None) -> str | None:
    if separator is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(separator, separator)


def parse_null_values(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part for part in value.split(",") if part)


def parse_storage_options(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise UsageError(f"--storage-option must look like key=value, got {value!r}")
        out[key.strip()] = rest
    return out


READ = group(
    "read",
    lambda separator, input_format, null_values, storage_option, batch_rows: ReadOptions(
        separator=unescape_separator(separator),
        input_format=input_format,
        null_values=parse_null_values(null_values),
        storage_options=parse_storage_options(storage_option),
        batch_rows=batch_rows,
    ),
    separator=(
        Annotated[
            str | None,
            typer.Option(
                "--separator",
                "-s",
                help="CSV field separator (default: tab for .tsv/.tab, else comma). Use '\\t' for tab.",
                show_default=False,
                metavar="CHAR",
            ),
        ],
        None,
    ),
    input_format=(
        Annotated[
            str | None,
            typer.Option(
                "--input-format",
                help="Force the input format: csv or parquet (default: from file suffixes).",
                show_default=False,
                metavar="csv|parquet",
            ),
        ],
        None,
    ),
    null_values=(
        Annotated[
            str | None,
            typer.Option(
                "--null-values",
                help="Comma-separated CSV spellings of a missing value besides the empty field (default: NA,N/A,NaN,nan,null,NULL,None,#N/A; '' for none).",
                show_default=False,
                metavar="LIST",
            ),
        ],
        None,
    ),
    storage_option=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--storage-option",
                help="key=value passed to the remote file system (s3://, gs://, az://); repeatable.",
                metavar="KEY=VALUE",
            ),
        ],
        None,
    ),
    batch_rows=(
        Annotated[
            int | None,
            typer.Option(
                "--batch-rows",
                help="Rows per streamed batch (default: about 4M cells per batch).",
                show_default=False,
                hidden=True,
                metavar="N",
            ),
        ],
        None,
    ),
)


# -- encoding and scoring ------------------------------------------------------------------------
ENCODE = group(
    "encode",
    lambda bins, max_levels: EncodeOptions(bins=bins, max_levels=max_levels),
    bins=(
        Annotated[
            int,
            typer.Option(
                "--bins", help="Equal-frequency bins for numeric columns and a numeric target.", metavar="N"
            ),
        ],
        EncodeOptions.bins,
    ),
    max_levels=(
        Annotated[
            int,
            typer.Option(
                "--max-levels",
                help="Cap on levels per column; beyond it values fold into this many hash buckets (text) or coarser cells (numbers).",
                metavar="N",
            ),
        ],
        EncodeOptions.max_levels,
    ),
)

SCORE = group(
    "score",
    lambda correction, permutations: ScoreOptions(correction=correction.value, permutations=permutations),
    correction=(
        Annotated[
            Correction,
            typer.Option(
                "--correction",
                help="Relevance score: ami (MI minus its expected value under permutation), none (plug-in MI), miller-madow, permutation, outrank.",
            ),
        ],
        Correction(ScoreOptions.correction),
    ),
    permutations=(
        Annotated[
            int,
            typer.Option("--permutations", help="Permutations for --correction permutation.", metavar="N"),
        ],
        ScoreOptions.permutations,
    ),
)


# -- where the pass runs -------------------------------------------------------------------------
ENGINE = group(
    "engine",
    lambda threads, engine, scheduler, workers, dashboard: EngineOptions(
        engine=engine, threads=threads, scheduler=scheduler, workers=workers, dashboard=dashboard
    ),
    threads=(
        Annotated[
            int | None,
            typer.Option(
                "--threads", help="Worker threads (default: all cores).", show_default=False, metavar="N"
            ),
        ],
        None,
    ),
    engine=(
        Annotated[
            str,
            typer.Option(
                "--engine",
                help="Where to count: local (threads on this machine) or dask (a Dask cluster; needs the dask extra).",
                metavar="local|dask",
            ),
        ],
        "local",
    ),
    scheduler=(
        Annotated[
            str | None,
            typer.Option(
                "--scheduler",
                help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: $DASK_SCHEDULER_ADDRESS, else a local cluster).",
                show_default=False,
                metavar="ADDRESS",
            ),
        ],
        None,
    ),
    workers=(
        Annotated[
            int | None,
            typer.Option(
                "--workers",
                help="Worker processes of the local Dask cluster (default 2).",
                show_default=False,
                metavar="N",
            ),
        ],
        None,
    ),
    dashboard=(
        Annotated[
            bool, typer.Option("--dashboard", help="Serve the Dask dashboard of a local cluster on :8787.")
        ],
        False,
    ),
)


SETUP = combine("setup", Setup, READ, ENCODE, ENGINE)
