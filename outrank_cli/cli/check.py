"""``outrank-cli check``: parse, call ``check_table``, render; exit 1 when the gate fails."""

from pathlib import Path
from typing import Annotated, Any

import typer

from outrank_cli.cli.app import app
from outrank_cli.cli.feedback import run_library
from outrank_cli.cli.formats import CheckFormat, CheckSampleRows, Output, output_group
from outrank_cli.cli.groups import group, with_groups
from outrank_cli.cli.output import emit_report, on_terminal, refuse_output_inside_inputs, resolve_format
from outrank_cli.cli.params import SETUP, TABLE
from outrank_cli.cli.run import Setup, Table
from outrank_cli.errors import EXIT_DATA_ERROR
from outrank_cli.options import CheckOptions

OUTPUT = output_group(
    CheckFormat,
    help_format="Output: table (default on a terminal), json (default otherwise), csv, github (workflow annotations), html (a self-contained report with charts; needs the html extra).",
    directory_files="check.json",
)

# the thresholds that have an option (all of them can be set in pyproject.toml): name -> help
THRESHOLD_OPTIONS: dict[str, tuple[type, str, str]] = {
    "leak_error": (float, "SHARE", "target_leak error from this share of H(target) [0.8]."),
    "leak_warning": (float, "SHARE", "target_leak warning from this share [0.5]."),
    "high_missing": (float, "SHARE", "high_missing from this missing share [0.5]."),
    "id_like": (float, "SHARE", "id_like from this distinct/rows share [0.95]."),
    "duplicate": (float, "NMI", "duplicate from this normalized MI [0.999]."),
    "near_duplicate": (float, "NMI", "near_duplicate from this normalized MI [0.9]."),
    "rare_count": (int, "N", "A level seen fewer times than this is rare [5]."),
    "rare_share": (float, "SHARE", "rare_levels from this share of rows in rare levels [0.05]."),
    "imbalance": (float, "SHARE", "class_imbalance below this smallest-class share [0.05]."),
}


def _thresholds(**given: Any) -> Any:
    """Defaults, then ``[tool.outrank-cli.check]`` of the nearest pyproject.toml, then options."""
    from outrank_cli.checks.thresholds import load_thresholds

    thresholds, _ = load_thresholds(overrides={k: v for k, v in given.items() if v is not None})
    return thresholds


THRESHOLDS = group(
    "thresholds",
    _thresholds,
    **{
        name: (
            Annotated[
                kind | None,
                typer.Option("--" + name.replace("_", "-"), help=text, show_default=False, metavar=metavar),
            ],
            None,
        )
        for name, (kind, metavar, text) in THRESHOLD_OPTIONS.items()
    },
)


@app.command("check")
@with_groups(TABLE, OUTPUT, THRESHOLDS, SETUP)
def check_command(
    *,
    table: Table,
    out: Output,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at least this severe: error, warning, info, never.",
            metavar="LEVEL",
        ),
    ] = CheckOptions.fail_on,
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
    thresholds: Any,
    sample_rows: CheckSampleRows = CheckOptions.sample_rows,
    setup: Setup,
) -> None:
    """Find data-quality problems (leaks, ID-like, constant, empty, duplicate columns, drift) as a CI gate.

    Exit codes: 0 no finding at --fail-on or above, 1 such a finding (or a data error), 2 usage error.
    """
    # any other file name gets JSON
    formats = {".csv": CheckFormat.csv, ".html": CheckFormat.html, ".htm": CheckFormat.html}
    chosen = resolve_format(
        out, formats, table=CheckFormat.table, json=CheckFormat.json, fallback=CheckFormat.json
    )
    gate = CheckOptions(
        sample_rows=sample_rows,
        fail_on=fail_on,
        ignore=tuple(ignore or ()),
        baseline=None if baseline is None else str(baseline),
        thresholds=thresholds,
    )
    run = table.start(setup, gate)
    refuse_output_inside_inputs(out, table.paths, {"check.json": CheckFormat.json})
    from outrank_cli.checks.gate import check_table
    from outrank_cli.report.check import check_renderings

    result = run.relabel(run_library(lambda cb: check_table(run.request(cb), gate), quiet=out.quiet))
    emit_report(
        check_renderings(result, terminal=on_terminal()),
        chosen,
        out,
        {"check.json": CheckFormat.json},
        result.run.paths,
    )
    if result.failed:
        raise typer.Exit(EXIT_DATA_ERROR)
