"""The commands: parse options, call the library, render the result. Thin by design.

Heavy imports (polars, numba, numpy) happen inside the commands so that ``--help`` stays fast.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.io import (
    emit_report,
    fail,
    parse_null_values,
    parse_storage_options,
    resolve_format,
    rich_text,
    run_library,
    start_reading,
    unescape_separator,
)
from outrank_cli.cli.options import (
    BatchRows,
    Bins,
    CheckFormat,
    Correction,
    CorrectionOpt,
    Criterion,
    Dashboard,
    Engine,
    Exclude,
    Format,
    Include,
    InputFormat,
    K,
    MaxLevels,
    NullValues,
    Output,
    OutputFormat,
    Paths,
    Permutations,
    Quiet,
    RedundancyWeight,
    RelationWeight,
    SampleRows,
    Scheduler,
    Seed,
    Separator,
    Significance,
    StorageOption,
    Target,
    Threads,
    Top,
    Workers,
)
from outrank_cli.errors import EXIT_DATA_ERROR, EXIT_USAGE_ERROR

if TYPE_CHECKING:
    from outrank_cli.rank import RankResult


def _render_rank(result: "RankResult", fmt: OutputFormat, top: int | None) -> str:
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
    start_reading(
        paths,
        separator=separator,
        input_format=input_format,
        storage_option=storage_option,
        null_values=null_values,
        engine=engine,
    )
    from outrank_cli.rank import RankOptions, rank_table

    if top is not None and top < 0:
        fail(f"--top must be >= 0, got {top}", EXIT_USAGE_ERROR)
    chosen = resolve_format(fmt, output)
    options = RankOptions(
        target=target,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        bins=bins,
        max_levels=max_levels,
        correction=correction.value,
        permutations=permutations,
        seed=seed,
        separator=unescape_separator(separator),
        input_format=input_format,
        null_values=parse_null_values(null_values),
        threads=threads,
        batch_rows=batch_rows,
        storage_options=parse_storage_options(storage_option),
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        dashboard=dashboard,
    )
    result: RankResult = run_library(lambda cb: rank_table(paths, options, progress=cb), quiet=quiet)
    limit = None if top == 0 else top
    if chosen is OutputFormat.table and top is None:
        limit = 50
    emit_report(
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
def _select_options(**values: Any) -> Any:
    from outrank_cli.select import SelectOptions

    values["separator"] = unescape_separator(values["separator"])
    values["storage_options"] = parse_storage_options(values.pop("storage_option"))
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
    start_reading(
        paths,
        separator=separator,
        input_format=input_format,
        storage_option=storage_option,
        null_values=null_values,
        engine=engine,
    )
    from outrank_cli.report import select_report as rep
    from outrank_cli.select import select_features

    chosen = resolve_format(fmt, output)
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
        null_values=parse_null_values(null_values),
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

    emit_report(
        {
            OutputFormat.json: lambda: dumps(rep.select_to_dict(result)),
            OutputFormat.csv: lambda: rep.select_csv(result),
            OutputFormat.names: lambda: rep.select_names(result),
            OutputFormat.table: lambda: rich_text(lambda console: rep.render_select(result, console)),
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
    start_reading(
        paths,
        separator=separator,
        input_format=input_format,
        storage_option=storage_option,
        null_values=null_values,
        engine=engine,
    )
    from outrank_cli.report import select_report as rep
    from outrank_cli.select import redundant_pairs

    if top < 1:
        fail(f"--top must be >= 1, got {top}", EXIT_USAGE_ERROR)
    chosen = resolve_format(fmt, output)
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
        null_values=parse_null_values(null_values),
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

    emit_report(
        {
            OutputFormat.json: lambda: dumps(rep.redundancy_to_dict(result)),
            OutputFormat.csv: lambda: rep.redundancy_csv(result),
            OutputFormat.names: lambda: rep.redundancy_names(result),
            OutputFormat.table: lambda: rich_text(lambda console: rep.render_redundancy(result, console)),
        },
        chosen,
        output,
        {"redundancy.json": OutputFormat.json, "redundancy.csv": OutputFormat.csv},
        quiet,
        result.paths,
    )


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
    start_reading(
        paths,
        separator=separator,
        input_format=input_format,
        storage_option=storage_option,
        null_values=null_values,
        engine=engine,
    )
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
        separator=unescape_separator(separator),
        input_format=input_format,
        null_values=parse_null_values(null_values),
        threads=threads,
        batch_rows=batch_rows,
        storage_options=parse_storage_options(storage_option),
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
        CheckFormat.table: lambda: rich_text(lambda console: rep.render_check(result, console)),
    }
    emit_report(renderers, fmt, output, {"check.json": CheckFormat.json}, quiet, result.paths)
    if result.failed:
        raise typer.Exit(EXIT_DATA_ERROR)
