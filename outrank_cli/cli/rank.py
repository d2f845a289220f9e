"""``outrank-cli rank``: parse, call ``rank_table``, render. Thin by design.

Commands import the library inside their body, after ``start_early``: ``--help`` imports
neither polars nor numpy, and a run reads while numpy loads.
"""

from typing import Annotated

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import fail, run_library
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
from outrank_cli.errors import EXIT_USAGE_ERROR
from outrank_cli.options import EncodeOptions, EngineOptions, ReadOptions, ScoreOptions

FORMATS = "Output format: table (default on a terminal), json (default otherwise), csv, names."
OUTPUT = output_group(OutputFormat, help_format=FORMATS, directory_files="ranking.json and ranking.csv")
BY_SUFFIX = {".json": OutputFormat.json, ".csv": OutputFormat.csv, ".txt": OutputFormat.names}


@app.command("rank")
@with_groups(TABLE, OUTPUT, ENCODE, SCORE, READ, ENGINE)
def rank_command(
    *,
    table: Table,
    out: Output,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            help="Show only the first N features (table default 50; 0 = all).",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    encode: EncodeOptions,
    score: ScoreOptions,
    read: ReadOptions,
    engine: EngineOptions,
) -> None:
    """Rank every column by relevance to the target (mutual information corrected for cardinality).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    early = start_early(table.paths, read, engine)
    from outrank_cli.rank import rank_table
    from outrank_cli.report import rank as rep

    if top is not None and top < 0:
        fail(f"--top must be >= 0, got {top}", EXIT_USAGE_ERROR)
    chosen = resolve_format(out, BY_SUFFIX, table=OutputFormat.table, json=OutputFormat.json)
    options = table.options(read=read, encode=encode, engine=engine, score=score)
    result = run_library(
        lambda cb: rank_table(table.paths, options, early=early, progress=cb), quiet=out.quiet
    )
    limit = None if top == 0 else top
    if chosen is OutputFormat.table and top is None:
        limit = 50
    if out.path is not None and out.path.is_dir():
        limit = None
    emit_report(
        {
            OutputFormat.json: lambda: rep.dumps(rep.rank_to_dict(result, top=limit)),
            OutputFormat.csv: lambda: rep.rank_csv(result, top=limit),
            OutputFormat.names: lambda: rep.rank_names(result, top=limit),
            OutputFormat.table: lambda: rich_text(
                lambda console: rep.render_rank(result, console, top=limit)
            ),
        },
        chosen,
        out,
        {"ranking.json": OutputFormat.json, "ranking.csv": OutputFormat.csv},
        result.paths,
    )
