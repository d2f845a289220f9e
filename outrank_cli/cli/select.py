"""``outrank-cli select``: parse, call ``select_features``, render."""

from typing import Annotated

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import run_library
from outrank_cli.cli.groups import (
    ENCODE,
    ENGINE,
    READ,
    SCORE,
    TABLE,
    Output,
    OutputFormat,
    Table,
    output_group,
    with_groups,
)
from outrank_cli.cli.output import emit_report, resolve_format, rich_text, start_early
from outrank_cli.cli.rank import BY_SUFFIX, FORMATS
from outrank_cli.options import EncodeOptions, EngineOptions, ReadOptions, ScoreOptions, SearchOptions

OUTPUT = output_group(OutputFormat, help_format=FORMATS, directory_files="selection.json and selection.csv")


@app.command("select")
@with_groups(TABLE, OUTPUT, ENCODE, SCORE, READ, ENGINE)
def select_command(
    *,
    table: Table,
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            help="Select exactly up to N features (default: stop automatically when the best candidate's gain is not significantly above noise).",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    criterion: Annotated[
        str, typer.Option("--criterion", help="Greedy criterion: jmi, mrmr, cmim, jmim, 3mr.", metavar="NAME")
    ] = "jmi",
    out: Output,
    sample_rows: Annotated[
        int,
        typer.Option(
            "--sample-rows", help="Rows in the uniform sample used for pairwise statistics.", metavar="N"
        ),
    ] = 1_000_000,
    significance: Annotated[
        float,
        typer.Option(
            "--significance",
            help="Family-wise significance level of the automatic stop (Bonferroni over the features).",
            metavar="P",
        ),
    ] = 0.01,
    redundancy_weight: Annotated[
        float, typer.Option("--redundancy-weight", help="3mr: weight of the redundancy term.", metavar="W")
    ] = 1.0,
    relation_weight: Annotated[
        float,
        typer.Option("--relation-weight", help="3mr: weight of the relation (synergy) term.", metavar="W"),
    ] = 1.0,
    encode: EncodeOptions,
    score: ScoreOptions,
    read: ReadOptions,
    engine: EngineOptions,
) -> None:
    """Choose a compact subset of features by greedy search (JMI by default).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    early = start_early(table.paths, read, engine)
    from outrank_cli.report import select as rep
    from outrank_cli.report.document import dumps
    from outrank_cli.select import select_features

    chosen = resolve_format(out, BY_SUFFIX, table=OutputFormat.table, json=OutputFormat.json)
    options = table.options(read=read, encode=encode, engine=engine, score=score)
    search = SearchOptions(
        k=k,
        criterion=criterion,
        significance=significance,
        sample_rows=sample_rows,
        redundancy_weight=redundancy_weight,
        relation_weight=relation_weight,
    )
    result = run_library(
        lambda cb: select_features(table.paths, options, search, early=early, progress=cb), quiet=out.quiet
    )
    emit_report(
        {
            OutputFormat.json: lambda: dumps(rep.select_to_dict(result)),
            OutputFormat.csv: lambda: rep.select_csv(result),
            OutputFormat.names: lambda: rep.select_names(result),
            OutputFormat.table: lambda: rich_text(lambda console: rep.render_select(result, console)),
        },
        chosen,
        out,
        {"selection.json": OutputFormat.json, "selection.csv": OutputFormat.csv},
        result.paths,
    )
