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
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[percent]}"),  # when the total is known
        TextColumn("{task.fields[done]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),  # time left, when the total is known
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("reading", total=None, done="", rate="", percent="")
    labels = {
        "target": "binning target",
        "count": "reading",
        "stats": "statistics",
        "partitions": "reading",
        "screen": "screening pairs",
        "pairs": "pairs",
        "selection": "selection",
        "model": "cross-validation",
        "search": "searching subsets",
    }
    stage = {"name": ""}

    def update(event: Any) -> None:
        total = event.total_rows
        if total is not None:  # a CSV's total is an estimate: never let it fall behind
            total = max(total, event.rows, 1)
        new_stage = event.phase != stage["name"]
        stage["name"] = event.phase
        elapsed = 0.0 if new_stage else bar.tasks[0].elapsed or 0.0
        if event.phase == "partitions":  # the Dask engine reports partitions done
            done, rate = f"{event.rows:,}/{event.total_rows:,} partitions", ""
        else:
            done = (
                f"{event.rows:,} {event.unit}" if total is None else f"{event.rows:,}/{total:,} {event.unit}"
            )
            counting = event.phase in ("count", "screen", "pairs") and elapsed > 0 and event.rows
            rate = f"{event.rows / elapsed:,.0f} {event.unit}/s" if counting else ""
        fields = {
            "description": labels.get(event.phase, event.phase),
            "total": total,
            "completed": event.rows,
            "done": done,
            "rate": rate,
            "percent": "" if total is None else f"{100 * event.rows / total:3.0f}%",
        }
        if new_stage:  # a stage of its own: its own clock, rate and time left
            bar.reset(task, **fields)
        else:
            bar.update(task, **fields)

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
