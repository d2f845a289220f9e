"""Pieces every command's page shares: the run's facts, its options, the feature table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from outrank_cli.pipeline import RunInfo
from outrank_cli.report.html.page import Column, Facts, Section, Table
from outrank_cli.stats.ranking import FeatureRanking


def bits(value: float | None) -> str:
    return "" if value is None else f"{value:.4f} bits"


def run_facts(run: RunInfo, *, target: bool = True) -> list[tuple[str, str]]:
    """Rows, sample, target: the numbers a reader checks first."""
    items = [("input", ", ".join(run.paths) or "stdin"), ("rows", f"{run.rows:,}")]
    if run.rows_dropped:
        items.append(("rows without a target (left out)", f"{run.rows_dropped:,}"))
    if run.sample_rows is not None:
        items.append(("row sample for pairs", f"{run.sample_rows:,}"))
    if target:
        t = run.target
        items.append(("target", f"{t.name} ({t.kind}, {t.levels} levels)"))
        items.append(("H(target)", bits(t.entropy)))
    return items


def options_section(run: RunInfo, options: dict[str, Any], timings: dict[str, float]) -> Section:
    """The "Options" section: the run's options and the command's own, and the time taken."""
    return Section("Options", items=[option_facts({**run.options.reported(), **options}, timings)])


def option_facts(options: dict[str, Any], timings: dict[str, float]) -> Facts:
    items = []
    for key, value in options.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, list | tuple):
            value = ", ".join(map(str, value)) or "none"
        elif value is None or value == "":
            value = "default" if key in ("separator", "input_format", "null_values") else "—"
        items.append((key, str(value)))
    if "total" in timings:
        items.append(("time", f"{timings['total']:.2f} s"))
    return Facts(items)


def skipped_table(run: RunInfo) -> list[Table]:
    if not run.skipped:
        return []
    return [
        Table(
            "Skipped columns",
            [Column("name", "column"), Column("reason", "reason")],
            [{"name": n, "reason": r} for n, r in run.skipped],
        )
    ]


FEATURE_COLUMNS = [
    Column("rank", "rank", "num", "int"),
    Column("name", "feature"),
    Column("score", "score (bits)", "num"),
    Column("mi", "plug-in MI", "num"),
    Column("expected_mi", "E[MI]", "num"),
    Column("ami_normalized", "norm. AMI", "num"),
    Column("p_value", "p", "num", "p"),
    Column("levels", "levels", "num", "int"),
    Column("missing_share", "missing", "num", "pct"),
    Column("kind", "kind"),
]


def feature_rows(features: Sequence[FeatureRanking]) -> list[dict[str, Any]]:
    return [{c.key: getattr(f, c.key) for c in FEATURE_COLUMNS} for f in features]


def count_axis(largest: int) -> dict[str, object]:
    """An axis of counts: whole numbers only, at most about ten ticks."""
    step = max(1, -(-largest // 10))
    return {"values": list(range(0, largest + step, step)), "format": "d"}


def count_bars(
    rows: list[dict[str, Any]], field: str, *, counted: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """The encoding of a bar per distinct ``field`` value, as long as its rows (``counted``
    names them); ``extra`` adds channels (colour, tooltip)."""
    largest = max(Counter(r[field] for r in rows).values(), default=0)
    return {
        "y": {"field": field, "type": "nominal", "sort": "-x", "title": None},
        "x": {"aggregate": "count", "type": "quantitative", "title": counted, "axis": count_axis(largest)},
        **extra,
    }
