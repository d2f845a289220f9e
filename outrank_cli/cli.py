"""The ``outrank-cli`` command line: parse options, call the library, print, exit.

This is the only module that prints, exits or reads argv. Heavy imports (polars, numba,
numpy) happen inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from outrank_cli import __version__
from outrank_cli.errors import EXIT_DATA_ERROR, EXIT_USAGE_ERROR

if TYPE_CHECKING:
    from outrank_cli.progress import ProgressCallback
    from outrank_cli.rank import RankResult

PROG = "outrank-cli"

app = typer.Typer(
    name=PROG,
    help="Rank the columns of large CSV/TSV/Parquet tables by how much they tell about a target.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"{PROG} {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version_callback, is_eager=True
        ),
    ] = False,
) -> None:
    """Rank the columns of large CSV/TSV/Parquet tables by how much they tell about a target."""


# -- helpers ----------------------------------------------------------------------------------
def fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    raise typer.Exit(code)


def _unescape_separator(separator: str | None) -> str | None:
    if separator is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(separator, separator)


def _null_values(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part for part in value.split(",") if part)


def _storage_options(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            fail(f"--storage-option must look like key=value, got {value!r}", EXIT_USAGE_ERROR)
        out[key.strip()] = rest
    return out


def _resolve_format(fmt: OutputFormat | None, output: Path | None) -> OutputFormat:
    if fmt is not None:
        return fmt
    if output is not None and not output.is_dir():
        suffix = output.suffix.lower()
        by_suffix = {".json": OutputFormat.json, ".csv": OutputFormat.csv, ".txt": OutputFormat.names}
        if suffix in by_suffix:
            return by_suffix[suffix]
        fail(
            f"cannot tell the report format from {str(output)!r}; pass --format json|csv|names or use a .json/.csv/.txt name",
            EXIT_USAGE_ERROR,
        )
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.json


def _progress(quiet: bool) -> tuple[ProgressCallback, Any]:
    """A rich progress bar on stderr when it is a terminal; else a no-op callback."""
    from outrank_cli.progress import ignore_progress

    if quiet or not sys.stderr.isatty():
        return ignore_progress, None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("reading", total=None, rows="", rate="")
    labels = {
        "target": "binning target",
        "count": "counting",
        "stats": "statistics",
        "partitions": "counting",
    }

    def update(event: Any) -> None:
        elapsed = bar.tasks[0].elapsed or 0.0
        if event.phase == "partitions":  # the Dask engine reports partitions done
            done, rate = f"{event.rows:,}/{event.total_rows:,} partitions", ""
        else:
            done = f"{event.rows:,} rows"
            rate = f"{event.rows / elapsed:,.0f} rows/s" if elapsed > 0 and event.phase == "count" else ""
        bar.update(
            task,
            description=labels.get(event.phase, event.phase),
            total=event.total_rows,
            completed=event.rows,
            rows=done,
            rate=rate,
        )

    return update, bar


def run_library(call: Any, *, quiet: bool) -> Any:
    """Call the library with a progress bar; turn its errors into one line and an exit code."""
    from outrank_cli.errors import OutrankError

    callback, bar = _progress(quiet)
    try:
        if bar is not None:
            with bar:
                return call(callback)
        return call(callback)
    except OutrankError as error:
        fail(str(error), error.exit_code)
    except MemoryError:
        fail("ran out of memory; lower --max-levels or --batch-rows", EXIT_DATA_ERROR)


def emit(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `| head`: the reader has what it wants
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# -- rank -------------------------------------------------------------------------------------
def _render_rank(result: RankResult, fmt: OutputFormat, top: int | None) -> str:
    from outrank_cli.report.rank_json import dumps, rank_to_dict
    from outrank_cli.report.tabular import names_lines, records_to_csv

    features = result.features if top is None else result.features[:top]
    if fmt is OutputFormat.json:
        return dumps(rank_to_dict(result, top=top))
    if fmt is OutputFormat.csv:
        from dataclasses import asdict

        columns = [
            "rank",
            "name",
            "score",
            "mi",
            "expected_mi",
            "ami_normalized",
            "symmetric_uncertainty",
            "p_value",
            "entropy",
            "levels",
            "levels_exact",
            "missing_share",
            "kind",
            "bins",
        ]
        return records_to_csv((asdict(f) for f in features), columns)
    if fmt is OutputFormat.names:
        return names_lines(f.name for f in features)
    from io import StringIO

    from rich.console import Console

    from outrank_cli.report.rank_table import render_rank

    buffer = StringIO()
    console = Console(
        file=buffer, force_terminal=sys.stdout.isatty(), width=None if sys.stdout.isatty() else 160
    )
    render_rank(result, console, top=top)
    return buffer.getvalue()


@app.command("rank")
def rank_command(
    paths: Paths,
    target: Target,
    include: Include = None,
    exclude: Exclude = None,
    fmt: Format = None,
    output: Output = None,
    top: Top = None,
    bins: Bins = 16,
    max_levels: MaxLevels = 65_536,
    correction: CorrectionOpt = Correction.ami,
    permutations: Permutations = 200,
    seed: Seed = 0,
    separator: Separator = None,
    input_format: InputFormat = None,
    null_values: NullValues = None,
    threads: Threads = None,
    batch_rows: BatchRows = None,
    storage_option: StorageOption = None,
    quiet: Quiet = False,
    engine: Engine = "local",
    scheduler: Scheduler = None,
    workers: Workers = None,
    dashboard: Dashboard = False,
) -> None:
    """Rank every column by relevance to the target (mutual information corrected for cardinality).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    from outrank_cli.rank import RankOptions, rank_table

    if top is not None and top < 0:
        fail(f"--top must be >= 0, got {top}", EXIT_USAGE_ERROR)
    chosen = _resolve_format(fmt, output)
    options = RankOptions(
        target=target,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        bins=bins,
        max_levels=max_levels,
        correction=correction.value,
        permutations=permutations,
        seed=seed,
        separator=_unescape_separator(separator),
        input_format=input_format,
        null_values=_null_values(null_values),
        threads=threads,
        batch_rows=batch_rows,
        storage_options=_storage_options(storage_option),
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        dashboard=dashboard,
    )
    result: RankResult = run_library(lambda cb: rank_table(paths, options, progress=cb), quiet=quiet)
    limit = None if top == 0 else top
    if chosen is OutputFormat.table and top is None:
        limit = 50
    _emit_report(
        {
            fmt: (
                lambda f=fmt: _render_rank(
                    result, f, None if output is not None and output.is_dir() else limit
                )
            )
            for fmt in OutputFormat
        },
        chosen,
        output,
        {"ranking.json": OutputFormat.json, "ranking.csv": OutputFormat.csv},
        quiet,
        result.paths,
    )


# -- select / redundancy ---------------------------------------------------------------------
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


def _emit_report(
    text_for: dict[Any, Any],
    chosen: Any,
    output: Path | None,
    directory_files: dict[str, Any],
    quiet: bool,
    inputs: tuple[str, ...],
) -> None:
    """Print a report, or write it atomically to FILE or into DIR (never over an input).

    ``text_for`` maps formats to zero-argument renderers.
    """
    from outrank_cli.report.write import write_all_atomic

    if output is None:
        emit(text_for[chosen]())
        return
    files: dict[str | os.PathLike[str], str]
    if output.is_dir():
        files = {output / name: text_for[fmt]() for name, fmt in directory_files.items()}
    else:
        files = {output: text_for[chosen]()}
    run_library(lambda _: write_all_atomic(files, inputs=inputs), quiet=True)
    if not quiet and output.is_dir():
        sys.stderr.write("wrote " + " and ".join(str(p) for p in files) + "\n")


def _rich_text(render: Any) -> str:
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    console = Console(
        file=buffer, force_terminal=sys.stdout.isatty(), width=None if sys.stdout.isatty() else 160
    )
    render(console)
    return buffer.getvalue()


def _select_options(**values: Any) -> Any:
    from outrank_cli.select import SelectOptions

    values["separator"] = _unescape_separator(values["separator"])
    values["storage_options"] = _storage_options(values.pop("storage_option"))
    values["include"] = tuple(values["include"] or ())
    values["exclude"] = tuple(values["exclude"] or ())
    return SelectOptions(**values)


@app.command("select")
def select_command(
    paths: Paths,
    target: Target,
    k: K = None,
    criterion: Criterion = "jmi",
    include: Include = None,
    exclude: Exclude = None,
    fmt: Format = None,
    output: Output = None,
    sample_rows: SampleRows = 1_000_000,
    significance: Significance = 0.01,
    redundancy_weight: RedundancyWeight = 1.0,
    relation_weight: RelationWeight = 1.0,
    bins: Bins = 16,
    max_levels: MaxLevels = 65_536,
    correction: CorrectionOpt = Correction.ami,
    permutations: Permutations = 200,
    seed: Seed = 0,
    separator: Separator = None,
    input_format: InputFormat = None,
    null_values: NullValues = None,
    threads: Threads = None,
    batch_rows: BatchRows = None,
    storage_option: StorageOption = None,
    quiet: Quiet = False,
    engine: Engine = "local",
    scheduler: Scheduler = None,
    workers: Workers = None,
    dashboard: Dashboard = False,
) -> None:
    """Choose a compact subset of features by greedy search (JMI by default).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    from outrank_cli.report import select_report as rep
    from outrank_cli.select import select_features

    chosen = _resolve_format(fmt, output)
    options = _select_options(
        target=target,
        k=k,
        criterion=criterion,
        include=include,
        exclude=exclude,
        sample_rows=sample_rows,
        significance=significance,
        redundancy_weight=redundancy_weight,
        relation_weight=relation_weight,
        bins=bins,
        max_levels=max_levels,
        correction=correction.value,
        permutations=permutations,
        seed=seed,
        separator=separator,
        input_format=input_format,
        null_values=_null_values(null_values),
        threads=threads,
        batch_rows=batch_rows,
        storage_option=storage_option,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        dashboard=dashboard,
    )
    result = run_library(lambda cb: select_features(paths, options, progress=cb), quiet=quiet)
    from outrank_cli.report.rank_json import dumps

    _emit_report(
        {
            OutputFormat.json: lambda: dumps(rep.select_to_dict(result)),
            OutputFormat.csv: lambda: rep.select_csv(result),
            OutputFormat.names: lambda: rep.select_names(result),
            OutputFormat.table: lambda: _rich_text(lambda console: rep.render_select(result, console)),
        },
        chosen,
        output,
        {"selection.json": OutputFormat.json, "selection.csv": OutputFormat.csv},
        quiet,
        result.paths,
    )


@app.command("redundancy")
def redundancy_command(
    paths: Paths,
    target: Target,
    top: Annotated[
        int, typer.Option("--top", help="How many of the most redundant pairs to report.", metavar="N")
    ] = 50,
    include: Include = None,
    exclude: Exclude = None,
    fmt: Format = None,
    output: Output = None,
    sample_rows: SampleRows = 1_000_000,
    bins: Bins = 16,
    max_levels: MaxLevels = 65_536,
    seed: Seed = 0,
    separator: Separator = None,
    input_format: InputFormat = None,
    null_values: NullValues = None,
    threads: Threads = None,
    batch_rows: BatchRows = None,
    storage_option: StorageOption = None,
    quiet: Quiet = False,
    engine: Engine = "local",
    scheduler: Scheduler = None,
    workers: Workers = None,
    dashboard: Dashboard = False,
) -> None:
    """List the most redundant feature pairs (mutual information between features).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    from outrank_cli.report import select_report as rep
    from outrank_cli.select import redundant_pairs

    if top < 1:
        fail(f"--top must be >= 1, got {top}", EXIT_USAGE_ERROR)
    chosen = _resolve_format(fmt, output)
    options = _select_options(
        target=target,
        include=include,
        exclude=exclude,
        sample_rows=sample_rows,
        bins=bins,
        max_levels=max_levels,
        seed=seed,
        separator=separator,
        input_format=input_format,
        null_values=_null_values(null_values),
        threads=threads,
        batch_rows=batch_rows,
        storage_option=storage_option,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        dashboard=dashboard,
    )
    result = run_library(lambda cb: redundant_pairs(paths, options, top=top, progress=cb), quiet=quiet)
    from outrank_cli.report.rank_json import dumps

    _emit_report(
        {
            OutputFormat.json: lambda: dumps(rep.redundancy_to_dict(result)),
            OutputFormat.csv: lambda: rep.redundancy_csv(result),
            OutputFormat.names: lambda: rep.redundancy_names(result),
            OutputFormat.table: lambda: _rich_text(lambda console: rep.render_redundancy(result, console)),
        },
        chosen,
        output,
        {"redundancy.json": OutputFormat.json, "redundancy.csv": OutputFormat.csv},
        quiet,
        result.paths,
    )


# -- check ------------------------------------------------------------------------------------
_THRESHOLD_OPTIONS = {
    "leak_error": "--leak-error",
    "leak_warning": "--leak-warning",
    "high_missing": "--high-missing",
    "id_like": "--id-like",
    "duplicate": "--duplicate",
    "near_duplicate": "--near-duplicate",
    "rare_count": "--rare-count",
    "rare_share": "--rare-share",
    "imbalance": "--imbalance",
}


@app.command("check")
def check_command(
    paths: Paths,
    target: Target,
    fmt: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output: table (default on a terminal), json (default otherwise), csv, github (workflow annotations).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the report to FILE or into DIR (check.json); atomically.",
            show_default=False,
            metavar="FILE|DIR",
        ),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at least this severe: error, warning, info, never.",
            metavar="LEVEL",
        ),
    ] = "error",
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            help="Ignore findings: CODE or CODE:COLUMN, comma-separated; repeatable.",
            metavar="CODE[:COLUMN]",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="A previous rank or check JSON report: add drift findings against it.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    leak_error: Annotated[
        float | None,
        typer.Option(
            "--leak-error",
            help="target_leak error from this share of H(target) [0.8].",
            show_default=False,
            metavar="SHARE",
        ),
    ] = None,
    leak_warning: Annotated[
        float | None,
        typer.Option(
            "--leak-warning",
            help="target_leak warning from this share [0.5].",
            show_default=False,
            metavar="SHARE",
        ),
    ] = None,
    high_missing: Annotated[
        float | None,
        typer.Option(
            "--high-missing",
            help="high_missing from this missing share [0.5].",
            show_default=False,
            metavar="SHARE",
        ),
    ] = None,
    id_like: Annotated[
        float | None,
        typer.Option(
            "--id-like",
            help="id_like from this distinct/rows share [0.95].",
            show_default=False,
            metavar="SHARE",
        ),
    ] = None,
    duplicate: Annotated[
        float | None,
        typer.Option(
            "--duplicate",
            help="duplicate from this normalized MI [0.999].",
            show_default=False,
            metavar="NMI",
        ),
    ] = None,
    near_duplicate: Annotated[
        float | None,
        typer.Option(
            "--near-duplicate",
            help="near_duplicate from this normalized MI [0.9].",
            show_default=False,
            metavar="NMI",
        ),
    ] = None,
    rare_count: Annotated[
        int | None,
        typer.Option(
            "--rare-count",
            help="A level seen fewer times than this is rare [5].",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    rare_share: Annotated[
        float | None,
        typer.Option(
            "--rare-share",
            help="rare_levels from this share of rows in rare levels [0.05].",
            show_default=False,
            metavar="SHARE",
        ),
    ] = None,
    imbalance: Annotated[
        float | None,
        typer.Option(
            "--imbalance",
            help="class_imbalance below this smallest-class share [0.05].",
            show_default=False,
            metavar="SHARE",
        ),
    ] = None,
    include: Include = None,
    exclude: Exclude = None,
    sample_rows: Annotated[
        int,
        typer.Option(
            "--sample-rows", help="Rows in the uniform sample used for the pair findings.", metavar="N"
        ),
    ] = 200_000,
    bins: Bins = 16,
    max_levels: MaxLevels = 65_536,
    seed: Seed = 0,
    separator: Separator = None,
    input_format: InputFormat = None,
    null_values: NullValues = None,
    threads: Threads = None,
    batch_rows: BatchRows = None,
    storage_option: StorageOption = None,
    quiet: Quiet = False,
    engine: Engine = "local",
    scheduler: Scheduler = None,
    workers: Workers = None,
    dashboard: Dashboard = False,
) -> None:
    """Find data-quality problems (leaks, ID-like, constant, empty, duplicate columns, drift) as a CI gate.

    Exit codes: 0 no finding at --fail-on or above, 1 such a finding (or a data error), 2 usage error.
    """
    from outrank_cli.check import CheckOptions, check_table
    from outrank_cli.report import check_report as rep
    from outrank_cli.report.rank_json import dumps
    from outrank_cli.thresholds import load_thresholds

    given = {
        "leak_error": leak_error,
        "leak_warning": leak_warning,
        "high_missing": high_missing,
        "id_like": id_like,
        "duplicate": duplicate,
        "near_duplicate": near_duplicate,
        "rare_count": rare_count,
        "rare_share": rare_share,
        "imbalance": imbalance,
    }
    overrides = {k: v for k, v in given.items() if v is not None}
    thresholds, _ = run_library(lambda _: load_thresholds(overrides=overrides), quiet=True)
    if fmt is None:
        if output is not None and not output.is_dir():
            fmt = CheckFormat.csv if output.suffix.lower() == ".csv" else CheckFormat.json
        else:
            fmt = CheckFormat.table if sys.stdout.isatty() else CheckFormat.json
    options = CheckOptions(
        target=target,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        sample_rows=sample_rows,
        bins=bins,
        max_levels=max_levels,
        seed=seed,
        separator=_unescape_separator(separator),
        input_format=input_format,
        null_values=_null_values(null_values),
        threads=threads,
        batch_rows=batch_rows,
        storage_options=_storage_options(storage_option),
        fail_on=fail_on,
        ignore=tuple(ignore or ()),
        baseline=None if baseline is None else str(baseline),
        thresholds=thresholds,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        dashboard=dashboard,
    )
    result = run_library(lambda cb: check_table(paths, options, progress=cb), quiet=quiet)
    renderers = {
        CheckFormat.json: lambda: dumps(rep.check_to_dict(result)),
        CheckFormat.csv: lambda: rep.check_csv(result),
        CheckFormat.github: lambda: rep.check_github(result),
        CheckFormat.table: lambda: _rich_text(lambda console: rep.render_check(result, console)),
    }
    _emit_report(renderers, fmt, output, {"check.json": CheckFormat.json}, quiet, result.paths)
    if result.failed:
        raise typer.Exit(EXIT_DATA_ERROR)


def _run(argv: list[str] | None) -> int:
    """Parse and run one command; return its exit code (one line on stderr for usage errors)."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name=PROG, standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        sys.stderr.write(f"{PROG}: aborted\n")
        return 130
    except typer.TyperException as error:
        ctx = getattr(error, "ctx", None)
        if type(error).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stderr.write(ctx.get_help() + "\n")
            return EXIT_USAGE_ERROR
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        message = " ".join(message.split())
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        sys.stderr.write(f"{PROG}: error: {message}{hint}\n")
        return int(getattr(error, "exit_code", EXIT_USAGE_ERROR))
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    return code if isinstance(code, int) else 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one line on stderr and exit 2 for usage errors, never a traceback.

    As the real process (``argv`` from the command line), it leaves with ``os._exit`` once
    the output is flushed: tearing down numba, LLVM and polars' thread pools takes about a
    third of a second and does nothing useful (reports are already written and fsync'ed).
    """
    code = _run(argv)
    if argv is None:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
