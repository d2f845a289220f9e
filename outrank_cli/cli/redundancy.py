"""``outrank-cli redundancy``: parse, call ``redundant_pairs``, render."""

from typing import Annotated

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import run_library
from outrank_cli.cli.groups import (
    ENCODE,
    ENGINE,
    READ,
    TABLE,
    Output,
    OutputFormat,
    Table,
    output_group,
    with_groups,
)
from outrank_cli.cli.output import emit_report, resolve_format, rich_text, start_early
from outrank_cli.cli.rank import BY_SUFFIX, FORMATS
from outrank_cli.options import EncodeOptions, EngineOptions, ReadOptions, RedundancyOptions

OUTPUT = output_group(OutputFormat, help_format=FORMATS, directory_files="redundancy.json and redundancy.csv")


@app.command("redundancy")
@with_groups(TABLE, OUTPUT, ENCODE, READ, ENGINE)
def redundancy_command(
    *,
    table: Table,
    top: Annotated[
        int, typer.Option("--top", help="How many of the most redundant pairs to report.", metavar="N")
    ] = 50,
    out: Output,
    sample_rows: Annotated[
        int,
        typer.Option(
            "--sample-rows", help="Rows in the uniform sample used for pairwise statistics.", metavar="N"
        ),
    ] = 1_000_000,
    encode: EncodeOptions,
    read: ReadOptions,
    engine: EngineOptions,
) -> None:
    """List the most redundant feature pairs (mutual information between features).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    early = start_early(table.paths, read, engine)
    from outrank_cli.report import select as rep
    from outrank_cli.report.document import dumps
    from outrank_cli.select import redundant_pairs

    pairs = RedundancyOptions(top=top, sample_rows=sample_rows)
    run_library(lambda _: pairs.validate(), quiet=True)
    chosen = resolve_format(out, BY_SUFFIX, table=OutputFormat.table, json=OutputFormat.json)
    options = table.options(read=read, encode=encode, engine=engine)
    result = run_library(
        lambda cb: redundant_pairs(table.paths, options, pairs, early=early, progress=cb), quiet=out.quiet
    )
    emit_report(
        {
            OutputFormat.json: lambda: dumps(rep.redundancy_to_dict(result)),
            OutputFormat.csv: lambda: rep.redundancy_csv(result),
            OutputFormat.names: lambda: rep.redundancy_names(result),
            OutputFormat.table: lambda: rich_text(lambda console: rep.render_redundancy(result, console)),
        },
        chosen,
        out,
        {"redundancy.json": OutputFormat.json, "redundancy.csv": OutputFormat.csv},
        result.paths,
    )
