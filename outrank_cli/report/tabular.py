"""CSV, one-name-per-line and rich-table renderings shared by the reports."""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

R = TypeVar("R")


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:.10g}"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def records_to_csv(records: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record.get(c)) for c in columns])
    return buffer.getvalue()


def names_lines(names: Iterable[str]) -> str:
    text = "\n".join(names)
    return text + "\n" if text else ""


def rich_text(render: Callable[[Any], None], *, terminal: bool) -> str:
    """What ``render(console)`` prints, as text: styled for a terminal, else plain and 160 wide."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, width=None if terminal else 160)
    render(console)
    return buffer.getvalue()


def renderings(
    result: R,
    command: str,
    texts: Mapping[str, Callable[[R], str]],
    *,
    terminal: bool,
    table: Callable[[R, Any], None],
    page: dict[str, Any] | None = None,
) -> dict[str, Callable[[], str]]:
    """A report's formats, rendered on demand: each of ``texts`` is ``text(result)``; the rich
    ``table`` (``table(result, console)`` prints it) is rendered for a terminal or not; the
    HTML page is the ``command``'s (``report.html``; ``page`` holds its options)."""
    from outrank_cli.report.html import html_report

    out: dict[str, Callable[[], str]] = {
        name: functools.partial(text, result) for name, text in texts.items()
    }
    out["table"] = lambda: rich_text(functools.partial(table, result), terminal=terminal)
    out["html"] = lambda: html_report(command, result, **(page or {}))
    return out
