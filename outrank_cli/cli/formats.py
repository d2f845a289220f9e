"""The report options of the commands: formats, ``--output``/``--format``/``--quiet``, and
``--sample-rows``, each declared once (see ``groups``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from outrank_cli.cli.groups import Group, group


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    names = "names"
    html = "html"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    github = "github"
    html = "html"


@dataclass(frozen=True)
class Output:
    """Where the report goes and in which format (None: by the suffix or the terminal)."""

    format: StrEnum | None
    path: Path | None
    quiet: bool
    directory: bool = False  # the path ended with a slash: it must be a directory


def _output(fmt: StrEnum | None, output: str | None, quiet: bool) -> Output:
    if output is None:
        return Output(fmt, None, quiet)
    return Output(fmt, Path(output), quiet, directory=output.endswith(("/", "\\")))


def output_group(formats: type[StrEnum], *, help_format: str, directory_files: str) -> Group:
    """``--format``, ``--output`` and ``--quiet`` of a command with these ``formats``."""
    return group(
        "out",
        _output,
        fmt=(
            Annotated[
                formats | None,
                typer.Option("--format", "-f", help=help_format, show_default=False),
            ],
            None,
        ),
        output=(
            Annotated[
                str | None,
                typer.Option(
                    "--output",
                    "-o",
                    help=f"Write the report to FILE (format from --format or the suffix) or into DIR ({directory_files}); written atomically.",
                    show_default=False,
                    metavar="FILE|DIR",
                ),
            ],
            None,
        ),
        quiet=(
            Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or notes on stderr.")],
            False,
        ),
    )


def _sample_rows(purpose: str) -> Any:
    return typer.Option("--sample-rows", help=f"Rows in the uniform sample used for {purpose}.", metavar="N")


# ``--sample-rows``: the commands that keep a row sample differ in its default and use
PairSampleRows = Annotated[int, _sample_rows("pairwise statistics")]
CheckSampleRows = Annotated[int, _sample_rows("the pair findings")]


FORMATS = (
    "Output format: table (default on a terminal), json (default otherwise), csv, names, "
    "html (a self-contained report with charts; needs the html extra)."
)
BY_SUFFIX = {
    ".json": OutputFormat.json,
    ".csv": OutputFormat.csv,
    ".txt": OutputFormat.names,
    ".html": OutputFormat.html,
    ".htm": OutputFormat.html,
}


def report_group(stem: str) -> Group:
    """The output options of a command whose reports are table, json, csv or names."""
    return output_group(OutputFormat, help_format=FORMATS, directory_files=f"{stem}.json and {stem}.csv")


def directory_files(stem: str) -> dict[str, OutputFormat]:
    """What ``-o DIR`` writes for such a command."""
    return {f"{stem}.json": OutputFormat.json, f"{stem}.csv": OutputFormat.csv}
