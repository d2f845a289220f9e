"""What the commands share: error lines, option parsing helpers, progress, writing reports.

Only the CLI prints or exits (DESIGN invariant 5): everything here is for the commands.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from outrank_cli.cli.options import OutputFormat
from outrank_cli.errors import EXIT_DATA_ERROR, EXIT_USAGE_ERROR

if TYPE_CHECKING:
    from outrank_cli.progress import ProgressCallback

PROG = "outrank-cli"


# -- helpers ----------------------------------------------------------------------------------
def fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    raise typer.Exit(code)


def unescape_separator(separator: str | None) -> str | None:
    if separator is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(separator, separator)


def parse_null_values(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part for part in value.split(",") if part)


def parse_storage_options(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            fail(f"--storage-option must look like key=value, got {value!r}", EXIT_USAGE_ERROR)
        out[key.strip()] = rest
    return out


def start_reading(
    paths: list[str],
    *,
    separator: str | None,
    input_format: str | None,
    storage_option: list[str] | None,
    null_values: str | None,
    engine: str,
) -> None:
    """Begin inferring the input's schema, and (local engine) reading its rows, on side
    threads before the command imports the library (numpy and the counting modules): the
    two overlap. Call it first in a command that reads a table."""
    from outrank_cli.reading import prefetch

    prefetch(
        paths,
        separator=unescape_separator(separator),
        file_format=input_format,
        storage_options=parse_storage_options(storage_option),
        null_values=parse_null_values(null_values),
        read_rows=engine == "local",
    )


def resolve_format(fmt: OutputFormat | None, output: Path | None) -> OutputFormat:
    if fmt is not None:
        return fmt
    if output is not None and not output.is_dir():
        suffix = output.suffix.lower()
        by_suffix = {".json": OutputFormat.json, ".csv": OutputFormat.csv, ".txt": OutputFormat.names}
        if suffix in by_suffix:
            return by_suffix[suffix]
        fail(
            f"cannot tell the report format from {str(output)!r}; pass --format json|csv|names or use a .json/.csv/.txt name",
            EXIT_USAGE_ERROR,
        )
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.json


def progress_bar(quiet: bool) -> tuple[ProgressCallback, Any]:
    """A rich progress bar on stderr when it is a terminal; else a no-op callback."""
    from outrank_cli.progress import ignore_progress

    if quiet or not sys.stderr.isatty():
        return ignore_progress, None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("reading", total=None, rows="", rate="")
    labels = {
        "target": "binning target",
        "count": "counting",
        "stats": "statistics",
        "partitions": "counting",
    }

    def update(event: Any) -> None:
        elapsed = bar.tasks[0].elapsed or 0.0
        if event.phase == "partitions":  # the Dask engine reports partitions done
            done, rate = f"{event.rows:,}/{event.total_rows:,} partitions", ""
        else:
            done = f"{event.rows:,} rows"
            rate = f"{event.rows / elapsed:,.0f} rows/s" if elapsed > 0 and event.phase == "count" else ""
        bar.update(
            task,
            description=labels.get(event.phase, event.phase),
            total=event.total_rows,
            completed=event.rows,
            rows=done,
            rate=rate,
        )

    return update, bar


def run_library(call: Any, *, quiet: bool) -> Any:
    """Call the library with a progress bar; turn its errors into one line and an exit code."""
    from outrank_cli.errors import OutrankError

    callback, bar = progress_bar(quiet)
    try:
        if bar is not None:
            with bar:
                return call(callback)
        return call(callback)
    except OutrankError as error:
        fail(str(error), error.exit_code)
    except MemoryError:
        fail("ran out of memory; lower --max-levels or --batch-rows", EXIT_DATA_ERROR)


def emit(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `| head`: the reader has what it wants
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# -- rank -------------------------------------------------------------------------------------
def emit_report(
    text_for: dict[Any, Any],
    chosen: Any,
    output: Path | None,
    directory_files: dict[str, Any],
    quiet: bool,
    inputs: tuple[str, ...],
) -> None:
    """Print a report, or write it atomically to FILE or into DIR (never over an input).

    ``text_for`` maps formats to zero-argument renderers.
    """
    from outrank_cli.report.write import write_all_atomic

    if output is None:
        emit(text_for[chosen]())
        return
    files: dict[str | os.PathLike[str], str]
    if output.is_dir():
        files = {output / name: text_for[fmt]() for name, fmt in directory_files.items()}
    else:
        files = {output: text_for[chosen]()}
    run_library(lambda _: write_all_atomic(files, inputs=inputs), quiet=True)
    if not quiet and output.is_dir():
        sys.stderr.write("wrote " + " and ".join(str(p) for p in files) + "\n")


def rich_text(render: Any) -> str:
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    console = Console(
        file=buffer, force_terminal=sys.stdout.isatty(), width=None if sys.stdout.isatty() else 160
    )
    render(console)
    return buffer.getvalue()
