"""Renderings of ``evaluate`` results: JSON (versioned), CSV, names, table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from outrank_cli import __version__
from outrank_cli.evaluate.crossval import EvaluateResult, SubsetScore
from outrank_cli.evaluate.shortest import Shortest
from outrank_cli.report.document import SCHEMA_VERSION, TOOL_NAME, clean, dumps
from outrank_cli.report.tabular import names_lines, records_to_csv, renderings

if TYPE_CHECKING:
    from rich.console import Console

METRICS = {"classification": ("auc", "log_loss"), "regression": ("r2", "rmse")}


def _score_dict(score: SubsetScore) -> dict[str, Any]:
    return {
        "name": score.name,
        "n_columns": len(score.columns),
        "columns": list(score.columns),
        "metrics": score.metrics,
        "spread": score.spread,
        "difference": score.difference,
        "difference_spread": score.difference_spread,
        "fit_seconds": round(score.fit_seconds, 4),
    }


def evaluate_to_dict(result: EvaluateResult) -> dict[str, Any]:
    """The keys every report shares (schema_version, command, tool, input, target, options),
    then the task and one entry per subset, all columns first, then the timings."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "evaluate",
        "tool": {"name": TOOL_NAME, "version": __version__},
        "input": {"paths": list(result.paths), "rows": result.rows, "sample_rows": result.rows_used},
        "target": {"name": result.target},
        "options": result.options.reported(),
        "task": result.task,
        "model": "HistGradientBoostingClassifier"
        if result.task == "classification"
        else "HistGradientBoostingRegressor",
        "subsets": clean([_score_dict(s) for s in result.scores]),
        **({} if result.shortest is None else {"shortest": clean(_shortest_dict(result.shortest))}),
        "timings": result.timings,
    }


def _shortest_dict(shortest: Shortest) -> dict[str, Any]:
    found = shortest.found
    return {
        "max_loss": shortest.max_loss,
        "metric": shortest.metric,
        "subset": shortest.name,
        "automatic_columns": shortest.start,
        "passed": found.passed,
        "n_columns": len(found.columns),
        "columns": list(found.columns),
        "tried": [
            {
                "n_columns": t.n_columns,
                "difference": t.difference,
                "difference_spread": t.difference_spread,
                "passed": t.passed,
            }
            for t in found.tried
        ],
    }


def evaluate_json(result: EvaluateResult) -> str:
    return dumps(evaluate_to_dict(result))


def _csv_columns(result: EvaluateResult) -> list[str]:
    metrics = METRICS[result.task]
    return [
        "subset",
        "n_columns",
        *metrics,
        *(f"{m}_spread" for m in metrics),
        *(f"{m}_difference" for m in metrics),
        *(f"{m}_difference_spread" for m in metrics),
        "fit_seconds",
    ]


def evaluate_csv(result: EvaluateResult) -> str:
    records = []
    for s in result.scores:
        record: dict[str, Any] = {"subset": s.name, "n_columns": len(s.columns), "fit_seconds": s.fit_seconds}
        for m in METRICS[result.task]:
            record[m] = s.metrics[m]
            record[f"{m}_spread"] = s.spread[m]
            record[f"{m}_difference"] = s.difference[m]
            record[f"{m}_difference_spread"] = s.difference_spread[m]
        records.append(record)
    return records_to_csv(records, _csv_columns(result))


def evaluate_names(result: EvaluateResult) -> str:
    """The subsets' names; with ``--within``, the columns of the subset found instead (one a
    line, like ``select -f names``: a list to train on)."""
    if result.shortest is not None:
        return names_lines(result.shortest.found.columns)
    return names_lines(s.name for s in result.scores)


def render_evaluate(result: EvaluateResult, console: Console) -> None:
    from rich.table import Table

    options = result.options
    table = Table(
        title=(
            f"{result.task.capitalize()} of [bold]{result.target}[/]: {options.folds}-fold cross-validation "
            f"on {result.rows_used:,} of {result.rows:,} rows ({options.trees} trees)"
        ),
        title_justify="left",
        header_style="bold",
    )
    table.add_column("subset")
    table.add_column("columns", justify="right")
    metrics = METRICS[result.task]
    for m in metrics:
        table.add_column(m, justify="right")
        table.add_column(f"Δ {m} vs all", justify="right")
    table.add_column("fit s", justify="right")
    for s in result.scores:
        cells = [s.name, str(len(s.columns))]
        for m in metrics:
            cells.append(f"{s.metrics[m]:.4f} ± {s.spread[m]:.4f}")
            cells.append(
                "" if s is result.scores[0] else f"{s.difference[m]:+.4f} ± {s.difference_spread[m]:.4f}"
            )
        cells.append(f"{s.fit_seconds:.2f}")
        table.add_row(*cells)
    console.print(table)
    if result.shortest is not None:
        console.print(_shortest_line(result.shortest))


def _shortest_line(shortest: Shortest) -> str:
    found = shortest.found
    sizes = ", ".join(
        f"{t.n_columns} ({t.difference:+.4f}"
        + ("" if t.difference_spread is None else f" ± {t.difference_spread:.4f}")
        + ")"
        for t in found.tried
    )
    if not found.passed:
        return (
            f"No start of select's order is within {shortest.max_loss:g} {shortest.metric} of all columns; "
            f"{shortest.name!r} is the whole order. Tried: {sizes}"
        )
    return (
        f"{shortest.name!r}: the first {len(found.columns)} columns of select's order (the automatic subset "
        f"has {shortest.start}) are within {shortest.max_loss:g} {shortest.metric} of all columns. "
        f"Tried: {sizes}"
    )


def evaluate_renderings(result: EvaluateResult, *, terminal: bool) -> dict[str, Callable[[], str]]:
    """Each output format of ``evaluate``, rendered on demand."""
    texts = {"json": evaluate_json, "csv": evaluate_csv, "names": evaluate_names}
    return renderings(result, "evaluate", texts, terminal=terminal, table=render_evaluate)
