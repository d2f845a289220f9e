"""Option types shared by the commands (typer ``Annotated`` aliases) and the format enums."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    names = "names"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    github = "github"


class Correction(StrEnum):
    ami = "ami"
    none = "none"
    miller_madow = "miller-madow"
    permutation = "permutation"
    outrank = "outrank"


# -- shared options ---------------------------------------------------------------------------
Paths = Annotated[
    list[str],
    typer.Argument(
        help="Input: CSV/TSV/Parquet files, globs (quote them) or directories of part files; .gz/.zst CSV too.",
        show_default=False,
        metavar="PATH",
    ),
]
Target = Annotated[
    str, typer.Option("--target", "-t", help="Name of the target column.", show_default=False, metavar="NAME")
]
Include = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        "-i",
        help="Only these feature columns: comma-separated names or glob patterns (repeatable).",
        metavar="PATTERNS",
    ),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        "-x",
        help="Leave out these columns: comma-separated names or glob patterns (repeatable).",
        metavar="PATTERNS",
    ),
]
Format = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format: table (default on a terminal), json (default otherwise), csv, names.",
        show_default=False,
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to FILE (format from --format or the suffix) or into DIR (ranking.json and ranking.csv); written atomically.",
        show_default=False,
        metavar="FILE|DIR",
    ),
]
Top = Annotated[
    int | None,
    typer.Option(
        "--top",
        help="Show only the first N features (table default 50; 0 = all).",
        show_default=False,
        metavar="N",
    ),
]
Bins = Annotated[
    int,
    typer.Option(
        "--bins", help="Equal-frequency bins for numeric columns and a numeric target.", metavar="N"
    ),
]
MaxLevels = Annotated[
    int,
    typer.Option(
        "--max-levels",
        help="Cap on levels per column; beyond it values fold into this many hash buckets (text) or coarser cells (numbers).",
        metavar="N",
    ),
]
CorrectionOpt = Annotated[
    Correction,
    typer.Option(
        "--correction",
        help="Relevance score: ami (MI minus its expected value under permutation), none (plug-in MI), miller-madow, permutation, outrank.",
    ),
]
Permutations = Annotated[
    int, typer.Option("--permutations", help="Permutations for --correction permutation.", metavar="N")
]
Seed = Annotated[
    int, typer.Option("--seed", help="Seed for every random choice (permutations, samples).", metavar="N")
]
Separator = Annotated[
    str | None,
    typer.Option(
        "--separator",
        "-s",
        help="CSV field separator (default: tab for .tsv/.tab, else comma). Use '\\t' for tab.",
        show_default=False,
        metavar="CHAR",
    ),
]
InputFormat = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        help="Force the input format: csv or parquet (default: from file suffixes).",
        show_default=False,
        metavar="csv|parquet",
    ),
]
NullValues = Annotated[
    str | None,
    typer.Option(
        "--null-values",
        help="Comma-separated CSV spellings of a missing value besides the empty field (default: NA,N/A,NaN,nan,null,NULL,None,#N/A; '' for none).",
        show_default=False,
        metavar="LIST",
    ),
]
Threads = Annotated[
    int | None,
    typer.Option("--threads", help="Worker threads (default: all cores).", show_default=False, metavar="N"),
]
BatchRows = Annotated[
    int | None,
    typer.Option(
        "--batch-rows",
        help="Rows per streamed batch (default: about 4M cells per batch).",
        show_default=False,
        hidden=True,
        metavar="N",
    ),
]
StorageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--storage-option",
        help="key=value passed to the remote file system (s3://, gs://, az://); repeatable.",
        metavar="KEY=VALUE",
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or notes on stderr.")]
Engine = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where to count: local (threads on this machine) or dask (a Dask cluster; needs the dask extra).",
        metavar="local|dask",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: $DASK_SCHEDULER_ADDRESS, else a local cluster).",
        show_default=False,
        metavar="ADDRESS",
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Worker processes of the local Dask cluster (default 2).",
        show_default=False,
        metavar="N",
    ),
]
Dashboard = Annotated[
    bool, typer.Option("--dashboard", help="Serve the Dask dashboard of a local cluster on :8787.")
]


K = Annotated[
    int | None,
    typer.Option(
        "--k",
        help="Select exactly up to N features (default: stop automatically when the best candidate's gain is not significantly above noise).",
        show_default=False,
        metavar="N",
    ),
]
Criterion = Annotated[
    str, typer.Option("--criterion", help="Greedy criterion: jmi, mrmr, cmim, jmim, 3mr.", metavar="NAME")
]
SampleRows = Annotated[
    int,
    typer.Option(
        "--sample-rows", help="Rows in the uniform sample used for pairwise statistics.", metavar="N"
    ),
]
Significance = Annotated[
    float,
    typer.Option(
        "--significance",
        help="Family-wise significance level of the automatic stop (Bonferroni over the features).",
        metavar="P",
    ),
]
RedundancyWeight = Annotated[
    float, typer.Option("--redundancy-weight", help="3mr: weight of the redundancy term.", metavar="W")
]
RelationWeight = Annotated[
    float, typer.Option("--relation-weight", help="3mr: weight of the relation (synergy) term.", metavar="W")
]
