"""What the user sees besides the report: one-line errors, the progress bar, notes.

Only the CLI prints or exits (DESIGN invariant 5).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from outrank_cli.errors import EXIT_DATA_ERROR

if TYPE_CHECKING:
    from outrank_cli.progress import ProgressCallback

PROG = "outrank-cli"
T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    raise typer.Exit(code)


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


def run_library(call: Callable[[ProgressCallback], T], *, quiet: bool) -> T:
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
