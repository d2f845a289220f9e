"""``outrank-cli redundancy``: parse, call ``redundant_pairs``, render."""

from typing import Annotated

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import run_library
from outrank_cli.cli.formats import Output, PairSampleRows, directory_files, report_group
from outrank_cli.cli.groups import with_groups
from outrank_cli.cli.output import (
    deliver,
    on_terminal,
    refuse_output_inside_inputs,
    report_format,
)
from outrank_cli.cli.params import SETUP, TABLE
from outrank_cli.cli.run import Setup, Table
from outrank_cli.options import RedundancyOptions

OUTPUT = report_group("redundancy")


@app.command("redundancy")
@with_groups(TABLE, OUTPUT, SETUP)
def redundancy_command(
    *,
    table: Table,
    top: Annotated[
        int, typer.Option("--top", help="How many of the most redundant pairs to report.", metavar="N")
    ] = RedundancyOptions.top,
    out: Output,
    sample_rows: PairSampleRows = RedundancyOptions.sample_rows,
    setup: Setup,
) -> None:
    """List the most redundant feature pairs (mutual information between features).

    --target is required: the pairs are counted on the rows that have a target (the same
    row sample as select), and the target itself is left out of the pairs.

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    pairs = RedundancyOptions(top=top, sample_rows=sample_rows)
    chosen = report_format(out)
    run = table.start(setup, pairs)
    refuse_output_inside_inputs(out, table.paths, directory_files("redundancy"))
    from outrank_cli.report.select import redundancy_renderings
    from outrank_cli.select import redundant_pairs

    result = run.relabel(run_library(lambda cb: redundant_pairs(run.request(cb), pairs), quiet=out.quiet))
    deliver(redundancy_renderings(result, terminal=on_terminal()), chosen, out, "redundancy", result.run)
