"""``outrank-cli interactions``: parse, call ``find_interactions``, render."""

from typing import Annotated

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import run_library
from outrank_cli.cli.formats import Output, PairSampleRows, directory_files, report_group
from outrank_cli.cli.groups import with_groups
from outrank_cli.cli.output import deliver, on_terminal, refuse_output_inside_inputs, report_format
from outrank_cli.cli.params import SETUP, TABLE
from outrank_cli.cli.run import Setup, Table
from outrank_cli.options import InteractionOptions

OUTPUT = report_group("interactions")


@app.command("interactions")
@with_groups(TABLE, OUTPUT, SETUP)
def interactions_command(
    *,
    table: Table,
    top: Annotated[
        int, typer.Option("--top", help="How many pairs to report, best first.", metavar="N")
    ] = InteractionOptions.top,
    max_pairs: Annotated[
        int,
        typer.Option(
            "--max-pairs",
            help="Evaluate every pair exactly while there are at most N; beyond that, screen all pairs on coarse codes and evaluate the best N.",
            metavar="N",
        ),
    ] = InteractionOptions.max_pairs,
    significance: Annotated[
        float,
        typer.Option(
            "--significance",
            help="Family-wise significance level of a pair's gain (Bonferroni over every pair looked at).",
            metavar="P",
        ),
    ] = InteractionOptions.significance,
    out: Output,
    sample_rows: PairSampleRows = InteractionOptions.sample_rows,
    setup: Setup,
) -> None:
    """Find feature pairs that tell more about the target together than apart (XOR-like pairs).

    For each pair: the joint relevance (the pair as one variable of all its combinations,
    chance-corrected), the gain over its better column, the synergy over both columns, and the
    gain's p-value corrected for every pair looked at.

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    pairs = InteractionOptions(
        top=top, max_pairs=max_pairs, significance=significance, sample_rows=sample_rows
    )
    chosen = report_format(out)
    run = table.start(setup, pairs)
    refuse_output_inside_inputs(out, table.paths, directory_files("interactions"))
    from outrank_cli.report.interactions import interactions_renderings
    from outrank_cli.select.interactions import find_interactions

    result = run.relabel(run_library(lambda cb: find_interactions(run.request(cb), pairs), quiet=out.quiet))
    deliver(interactions_renderings(result, terminal=on_terminal()), chosen, out, "interactions", result.run)
