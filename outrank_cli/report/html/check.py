"""The ``check`` page: the verdict, findings by severity with their numbers, and against a
baseline, old vs new score per column and what drifted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from outrank_cli.checks.drift import TableProfile, load_baseline
from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.gate import CheckResult
from outrank_cli.errors import OutrankError
from outrank_cli.report.html.charts import SEVERITY_COLORS, spec, tooltip
from outrank_cli.report.html.common import FEATURE_COLUMNS, count_bars, feature_rows, option_facts, run_facts
from outrank_cli.report.html.page import Chart, Column, Facts, Page, Section, Table

DRIFT_CODES = frozenset(
    {
        "column_added",
        "column_removed",
        "kind_changed",
        "missing_share_drift",
        "levels_drift",
        "relevance_collapse",
        "relevance_jump",
        "rank_drift",
        "target_drift",
    }
)
FINDING_COLUMNS = [
    Column("code", "code"),
    Column("column", "column"),
    Column("other", "other"),
    Column("message", "message"),
    Column("numbers", "numbers"),
]
LABELS = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Notes"}


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def finding_row(finding: Finding) -> dict[str, Any]:
    return {
        "severity": finding.severity.value,
        "code": finding.code,
        "column": finding.column,
        "other": finding.other,
        "message": finding.message,
        "numbers": ", ".join(f"{k}={_number(v)}" for k, v in finding.values.items()),
    }


def findings_chart(rows: list[dict[str, Any]]) -> Chart:
    return Chart(
        "Findings by code",
        spec(
            rows,
            width=520,
            height={"step": 22},
            mark={"type": "bar"},
            encoding=count_bars(
                rows,
                "code",
                counted="findings",
                extra={
                    "color": {
                        "field": "severity",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": list(SEVERITY_COLORS), "range": list(SEVERITY_COLORS.values())},
                    },
                    "tooltip": [
                        {"field": "code", "type": "nominal"},
                        {"field": "severity", "type": "nominal"},
                        {"aggregate": "count", "title": "findings"},
                    ],
                },
            ),
        ),
    )


def drift_chart(result: CheckResult, baseline: TableProfile, drifted: dict[str, str]) -> Chart:
    """Each column's score in the baseline against now; off the diagonal = changed."""
    rows: list[dict[str, Any]] = []
    for column in result.columns:
        old = baseline.columns.get(column.name)
        if old is None:
            continue
        rows.append(
            {
                "name": column.name,
                "old": old.score,
                "new": column.score,
                "old_rank": old.rank,
                "new_rank": column.rank,
                "drift": drifted.get(column.name, "no drift finding"),
            }
        )
    top = max([1e-9, *(max(float(r["old"]), float(r["new"])) for r in rows)])
    codes = sorted({str(r["drift"]) for r in rows} - {"no drift finding"})
    return Chart(
        "Score in the baseline against score now",
        spec(
            rows,
            width=420,
            height=420,
            layer=[
                {
                    "data": {"values": [{"v": 0.0}, {"v": top}]},
                    "mark": {"type": "line", "color": "#d1d9e0", "strokeDash": [4, 4]},
                    "encoding": {
                        "x": {"field": "v", "type": "quantitative"},
                        "y": {"field": "v", "type": "quantitative"},
                    },
                },
                {
                    "mark": {"type": "point", "filled": True, "size": 60},
                    "encoding": {
                        "x": {"field": "old", "type": "quantitative", "title": "baseline score (bits)"},
                        "y": {"field": "new", "type": "quantitative", "title": "score now (bits)"},
                        "color": {
                            "field": "drift",
                            "type": "nominal",
                            "title": None,
                            "scale": {
                                "domain": ["no drift finding", *codes],
                                "range": ["#afb8c1", "#cf222e", "#d4a72c", "#8250df", "#0969da", "#1a7f37"],
                            },
                        },
                        "tooltip": tooltip(
                            ("name", "nominal", "column"),
                            ("old", "quantitative", "baseline score"),
                            ("new", "quantitative", "score now"),
                            ("old_rank", "quantitative", "baseline rank"),
                            ("new_rank", "quantitative", "rank now"),
                            ("drift", "nominal", "finding"),
                        ),
                    },
                },
            ],
        ),
        note="Columns on the dashed diagonal kept their score; coloured points have a drift finding.",
    )


def baseline_section(result: CheckResult) -> Section | None:
    if result.gate.baseline is None:
        return None
    try:
        baseline = load_baseline(Path(result.gate.baseline))
    except OutrankError as error:  # it was read for the check; say so if it changed since
        return Section("Against the baseline", f"The baseline could not be read again: {error}")
    drift = [f for f in result.findings if f.code in DRIFT_CODES]
    drifted: dict[str, str] = {}
    for f in drift:
        if f.column is not None:
            drifted.setdefault(f.column, f.code)
    shared = any(c.name in baseline.columns for c in result.columns)
    items: list[Facts | Chart | Table] = [drift_chart(result, baseline, drifted)] if shared else []
    items.append(
        Table(
            "Drift findings",
            [Column("severity", "severity"), *FINDING_COLUMNS],
            [finding_row(f) for f in drift],
        )
    )
    return Section("Against the baseline", f"Baseline: {result.gate.baseline}", items)


def check_page(result: CheckResult) -> Page:
    summary = result.summary()
    rows = [finding_row(f) for f in result.findings]
    facts = [
        *run_facts(result.run),
        ("errors", str(summary["error"])),
        ("warnings", str(summary["warning"])),
        ("notes", str(summary["info"])),
        ("ignored", str(result.ignored)),
        ("fail on", result.gate.fail_on),
    ]
    sections = [Section("Summary", items=[Facts(facts)])]
    finding_items: list[Facts | Chart | Table] = [findings_chart(rows)] if rows else []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        group = [finding_row(f) for f in result.findings if f.severity is severity]
        if group:
            finding_items.append(Table(f"{LABELS[severity]} ({len(group)})", FINDING_COLUMNS, group))
    sections.append(
        Section("Findings", "" if rows else "No findings: every column passed every check.", finding_items)
    )
    baseline = baseline_section(result)
    if baseline is not None:
        sections.append(baseline)
    sections.append(
        Section("Columns", items=[Table("Every column", FEATURE_COLUMNS, feature_rows(result.columns))])
    )
    sections.append(
        Section(
            "Options",
            items=[option_facts({**result.run.options.reported(), **result.gate.reported()}, result.timings)],
        )
    )
    verdict = "FAIL" if result.failed else "PASS"
    return Page(
        "check",
        f"Data check of {result.run.target.name}",
        f"{verdict}: {summary['error']} errors, {summary['warning']} warnings, {summary['info']} notes · "
        f"{result.run.rows:,} rows",
        sections,
        verdict=not result.failed,
    )
