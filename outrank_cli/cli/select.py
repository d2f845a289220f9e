"""``outrank-cli select``: parse, call ``select_features``, render."""

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
from outrank_cli.cli.params import SCORE, SETUP, TABLE
from outrank_cli.cli.run import Setup, Table
from outrank_cli.options import ScoreOptions, SearchOptions

OUTPUT = report_group("selection")
HEATMAP_COLUMNS = 24


@app.command("select")
@with_groups(TABLE, OUTPUT, SCORE, SETUP)
def select_command(
    *,
    table: Table,
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            "-k",
            help="Select N features, fewer only when fewer non-constant columns exist (default: stop automatically when no candidate's gain is significantly above noise).",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    criterion: Annotated[
        str, typer.Option("--criterion", help="Greedy criterion: jmi, mrmr, cmim, jmim, 3mr.", metavar="NAME")
    ] = SearchOptions.criterion,
    out: Output,
    sample_rows: PairSampleRows = SearchOptions.sample_rows,
    significance: Annotated[
        float,
        typer.Option(
            "--significance",
            help="False-discovery level of the automatic stop (Benjamini-Hochberg over the features).",
            metavar="P",
        ),
    ] = SearchOptions.significance,
    redundancy_weight: Annotated[
        float, typer.Option("--redundancy-weight", help="3mr: weight of the redundancy term.", metavar="W")
    ] = SearchOptions.redundancy_weight,
    relation_weight: Annotated[
        float,
        typer.Option("--relation-weight", help="3mr: weight of the relation (synergy) term.", metavar="W"),
    ] = SearchOptions.relation_weight,
    interactions: Annotated[
        bool,
        typer.Option(
            "--interactions",
            help="Also consider the best significant pairs with synergy (see the interactions command) as combined candidates: a pair that matters only together can enter the subset (both columns).",
        ),
    ] = False,
    score: ScoreOptions,
    setup: Setup,
) -> None:
    """Choose a compact subset of features by greedy search (JMI by default).

    Exit codes: 0 ok, 1 data or input error, 2 usage error.
    """
    chosen = report_format(out)
    search = SearchOptions(
        k=k,
        criterion=criterion,
        significance=significance,
        sample_rows=sample_rows,
        redundancy_weight=redundancy_weight,
        relation_weight=relation_weight,
        interactions=interactions,
    )
    run = table.start(setup, score, search)
    refuse_output_inside_inputs(out, table.paths, directory_files("selection"))
    from outrank_cli.report.select import select_renderings
    from outrank_cli.select import select_features

    # the HTML report's heatmap needs the redundancy of the columns it shows (JSON does not)
    matrix = HEATMAP_COLUMNS if chosen == "html" else 0
    result = run.relabel(
        run_library(
            lambda cb: select_features(run.request(cb, score), search, matrix_columns=matrix), quiet=out.quiet
        )
    )
    deliver(select_renderings(result, terminal=on_terminal()), chosen, out, "selection", result.run)
