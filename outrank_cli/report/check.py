"""Renderings of ``check`` results: JSON (versioned), GitHub annotations, rich table, CSV."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.gate import CheckResult
from outrank_cli.report.document import clean, document, dumps
from outrank_cli.report.rank import feature_record
from outrank_cli.report.tabular import records_to_csv, renderings

if TYPE_CHECKING:
    from rich.console import Console

FINDING_COLUMNS = ["severity", "code", "column", "other", "message"]
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "column": finding.column,
        "other": finding.other,
        "message": finding.message,
        "values": clean(finding.values),
    }


def check_to_dict(result: CheckResult) -> dict[str, Any]:
    summary = {"ignored": result.ignored, "failed": result.failed, "fail_on": result.gate.fail_on}
    return document(
        "check",
        result.run,
        options=result.gate.reported(),
        timings=result.timings,
        findings=[finding_to_dict(f) for f in result.findings],
        summary={**result.summary(), **summary},
        columns=[clean(feature_record(c)) for c in result.columns],
    )


def check_json(result: CheckResult) -> str:
    return dumps(check_to_dict(result))


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def check_github(result: CheckResult) -> str:
    """One workflow command per finding, so GitHub Actions annotates the run."""
    command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    path = result.run.paths[0] if result.run.paths else ""
    lines = []
    for f in result.findings:
        title = f"{f.code}" + (f" ({f.column})" if f.column else "")
        lines.append(
            f"::{command[f.severity]} file={_escape_property(path)},title={_escape_property(title)}::"
            f"{_escape_data(f.message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def check_csv(result: CheckResult) -> str:
    return records_to_csv((finding_to_dict(f) for f in result.findings), FINDING_COLUMNS)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def render_check(result: CheckResult, console: Console) -> None:
    from rich.table import Table

    summary = result.summary()
    verdict = "[bold red]FAIL[/]" if result.failed else "[bold green]PASS[/]"
    console.print(
        f"{verdict} {result.run.rows:,} rows, target [bold]{result.run.target.name}[/]: "
        f"{_count(summary['error'], 'error')}, {_count(summary['warning'], 'warning')}, "
        f"{_count(summary['info'], 'note')}"
        + (f", {result.ignored} ignored" if result.ignored else "")
        + f" (fail on: {result.gate.fail_on})"
    )
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        group = [f for f in result.findings if f.severity is severity]
        if not group:
            continue
        label = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "notes"}[severity]
        table = Table(
            title=f"{label} ({len(group)})",
            title_justify="left",
            title_style=_STYLE[severity],
            header_style="bold",
        )
        table.add_column("code", style=_STYLE[severity])
        table.add_column("column")
        table.add_column("message", overflow="fold")
        for f in group:
            column = f.column or ""
            if f.other:
                column += f" / {f.other}"
            table.add_row(f.code, column, f.message)
        console.print(table)


def check_renderings(result: CheckResult, *, terminal: bool) -> dict[str, Callable[[], str]]:
    """Each output format of ``check``, rendered on demand."""
    texts = {"json": check_json, "csv": check_csv, "github": check_github}
    return renderings(result, "check", texts, terminal=terminal, table=render_check)
