"""``outrank-cli evaluate``: parse, choose or read the subsets, call ``evaluate_subsets``, render."""

from pathlib import Path
from typing import Annotated, Any

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import fail, run_library
from outrank_cli.cli.formats import Output, directory_files, report_group
from outrank_cli.cli.groups import with_groups
from outrank_cli.cli.output import emit_report, on_terminal, report_format
from outrank_cli.cli.params import SETUP, TABLE
from outrank_cli.cli.run import Setup, Table
from outrank_cli.errors import EXIT_USAGE_ERROR
from outrank_cli.options import EvaluateOptions, PassOptions

OUTPUT = report_group("evaluation")


@app.command("evaluate")
@with_groups(TABLE, OUTPUT, SETUP)
def evaluate_command(
    *,
    table: Table,
    subset: Annotated[
        list[Path] | None,
        typer.Option(
            "--subset",
            help="A subset to evaluate: a names file (one column a line) or a select JSON report; repeatable.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    k: Annotated[
        list[int] | None,
        typer.Option(
            "--k",
            help="Also evaluate the subset 'select --k N' chooses on this table; repeatable.",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    automatic: Annotated[
        bool,
        typer.Option("--automatic", help="Also evaluate the subset select chooses with its automatic stop."),
    ] = False,
    within: Annotated[
        float | None,
        typer.Option(
            "--within",
            help="Also find the shortest start of select's order (its automatic subset, then select --k's) whose model is within LOSS of all columns (AUC for a class target, R² for a numeric one).",
            show_default=False,
            metavar="LOSS",
        ),
    ] = None,
    folds: Annotated[
        int, typer.Option("--folds", help="Cross-validation folds.", metavar="N")
    ] = EvaluateOptions.folds,
    sample_rows: Annotated[
        int,
        typer.Option(
            "--sample-rows",
            help="Rows loaded into memory for the cross-validation (a uniform sample drawn with --seed).",
            metavar="N",
        ),
    ] = EvaluateOptions.sample_rows,
    trees: Annotated[
        int, typer.Option("--trees", help="Boosting iterations of the model.", metavar="N")
    ] = EvaluateOptions.trees,
    learning_rate: Annotated[
        float, typer.Option("--learning-rate", help="Learning rate of the model.", metavar="R")
    ] = EvaluateOptions.learning_rate,
    out: Output,
    setup: Setup,
) -> None:
    """Cross-validate a gradient-boosting model on all columns and on subsets: what do I lose?

    Needs the evaluate extra: pip install 'outrank-cli[evaluate]'.
    Exit codes: 0 ok, 1 data or input error, 2 usage error (also: the extra is missing).
    """
    from outrank_cli.errors import UsageError
    from outrank_cli.evaluate import evaluate_subsets, read_subset, select_subsets, select_within
    from outrank_cli.pipeline import Request
    from outrank_cli.report.evaluate import evaluate_renderings

    chosen = report_format(out)
    if chosen == "html":
        fail("--format html is not available for evaluate; use table, json, csv or names", EXIT_USAGE_ERROR)
    options = EvaluateOptions(
        folds=folds,
        sample_rows=sample_rows,
        trees=trees,
        learning_rate=learning_rate,
        seed=table.seed,
        threads=setup.engine.threads,
    )

    def call(progress: Any) -> Any:
        options.validate()
        for value in k or []:
            if value < 1:
                raise UsageError(f"--k must be >= 1, got {value}")
        if within is not None and not 0.0 <= within < 1.0:
            raise UsageError(f"--within must be a loss in [0, 1), e.g. 0.002, got {within}")
        subsets = [read_subset(path) for path in subset or []]
        search = None
        if k or automatic or within is not None:
            pass_options = PassOptions(
                target=table.target,
                include=table.include,
                exclude=table.exclude,
                categorical=table.categorical,
                numeric=table.numeric,
                multivalue=table.multivalue,
                seed=table.seed,
                read=setup.read,
                encode=setup.encode,
                engine=setup.engine,
            )
            request = Request(table.paths, pass_options, None, progress)
            picked = select_subsets(request, k or [], automatic=automatic)  # the automatic one first
            subsets += picked
            if within is not None:  # from --automatic's subset when it is chosen: one pass less
                search = select_within(request, within, automatic=picked[0].columns if automatic else None)
        return evaluate_subsets(
            table.paths,
            target=table.target,
            subsets=subsets,
            include=table.include,
            exclude=table.exclude,
            categorical=table.categorical,
            numeric=table.numeric,
            multivalue=table.multivalue,
            read=setup.read,
            options=options,
            within=search,
            progress=progress,
        )

    result = run_library(call, quiet=out.quiet)
    emit_report(
        evaluate_renderings(result, terminal=on_terminal()),
        chosen,
        out,
        directory_files("evaluation"),
        result.paths,
    )
