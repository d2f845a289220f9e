"""``outrank-cli rank``: parse, call ``rank_table``, render. Thin by design.

Commands import the library inside their body, after ``Table.start``: ``--help`` imports
neither polars nor numpy, and a run reads while numpy loads.
"""

from typing import Annotated

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import fail, run_library
from outrank_cli.cli.formats import Output, OutputFormat, directory_files, report_group
from outrank_cli.cli.groups import with_groups
from outrank_cli.cli.output import (
    deliver,
    on_terminal,
    refuse_output_inside_inputs,
    report_format,
)
from outrank_cli.cli.params import SCORE, SETUP, TABLE
from outrank_cli.cli.run import Setup, Table
from outrank_cli.errors import EXIT_USAGE_ERROR
from outrank_cli.options import ScoreOptions

OUTPUT = report_group("ranking")


@app.command("rank")
@with_groups(TABLE, OUTPUT, SCORE, SETUP)
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
    score: ScoreOptions,
    setup: Setup,
) -> None:
    """Rank every column by relevance to the target (mutual information corrected for cardinality).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    if top is not None and top < 0:
        fail(f"--top must be >= 0, got {top}", EXIT_USAGE_ERROR)
    chosen = report_format(out)
    run = table.start(setup, score)
    refuse_output_inside_inputs(out, table.paths, directory_files("ranking"))
    from outrank_cli.rank import rank_table
    from outrank_cli.report.rank import rank_renderings

    result = run.relabel(run_library(lambda cb: rank_table(run.request(cb, score)), quiet=out.quiet))
    # a table shows the first 50 by default; a directory gets every feature
    limit = None if top == 0 else (50 if top is None and chosen is OutputFormat.table else top)
    if out.path is not None and out.path.is_dir():
        limit = None
    deliver(rank_renderings(result, top=limit, terminal=on_terminal()), chosen, out, "ranking", result.run)
