"""The ``select`` and ``redundancy`` pages: the greedy path, why columns were dropped, and
redundancy heatmaps."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from outrank_cli.report.html.charts import heatmap, spec, tooltip
from outrank_cli.report.html.common import count_bars, option_facts, options_section, run_facts
from outrank_cli.report.html.page import Chart, Column, Facts, Page, Section, Table
from outrank_cli.report.select import part_of, selected_records
from outrank_cli.select.matrix import MAX_COLUMNS
from outrank_cli.select.redundancy import RedundancyResult
from outrank_cli.select.subset import SelectResult

SELECTED_COLUMNS = [
    Column("step", "step", "num", "int"),
    Column("name", "feature"),
    Column("gain", "gain (bits)", "num"),
    Column("cumulative", "cumulative (bits)", "num"),
    Column("relevance", "relevance (bits)", "num"),
    Column("p_value", "p", "num", "p"),
    Column("most_redundant_with", "closest selected"),
    Column("redundancy_normalized", "norm. redundancy", "num", digits=3),
    Column("kind", "view"),
    Column("value", "searched by value"),
    Column("part", "part"),
]
DROPPED_COLUMNS = [
    Column("name", "feature"),
    Column("reason", "reason"),
    Column("relevance", "relevance (bits)", "num"),
    Column("p_value", "p", "num", "p"),
    Column("redundant_with", "redundant with"),
    Column("redundancy_normalized", "norm. redundancy", "num", digits=3),
    Column("conditional_relevance", "relevance given it (bits)", "num"),
]
# which part of the search took a step (``part_of``)
PARTS = {"shown": "gain shown", "rest": "relevant rest", "additive": "additive gain", "fill": "fill of --k"}
PAIR_COLUMNS = [
    Column("a", "a"),
    Column("b", "b"),
    Column("mi", "MI (bits)", "num"),
    Column("expected_mi", "E[MI] (bits)", "num"),
    Column("normalized", "normalized", "num", digits=3),
]


def path_chart(steps: list[dict[str, Any]]) -> Chart:
    """Gain of each step (bars) and the running total (line), in step order."""
    x = {"field": "label", "type": "ordinal", "sort": None, "title": None, "axis": {"labelAngle": -40}}
    tips = tooltip(
        ("step", "quantitative", "step"),
        ("name", "nominal", "feature"),
        ("gain", "quantitative", "gain (bits)"),
        ("cumulative", "quantitative", "cumulative (bits)"),
        ("relevance", "quantitative", "relevance alone (bits)"),
    )
    return Chart(
        "Gain per step and cumulative",
        spec(
            steps,
            width=max(320, min(900, 34 * len(steps))),
            height=260,
            layer=[
                {
                    "mark": {"type": "bar", "color": "#0969da", "opacity": 0.85},
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "gain",
                            "type": "quantitative",
                            "title": "gain of the step (bits, bars)",
                        },
                        "tooltip": tips,
                    },
                },
                {
                    "mark": {"type": "line", "color": "#e16f24", "point": True},
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "cumulative",
                            "type": "quantitative",
                            "title": "cumulative (bits, line)",
                            "axis": {"titleColor": "#e16f24"},
                        },
                        "tooltip": tips,
                    },
                },
            ],
            resolve={"scale": {"y": "independent"}},
        ),
        note="The criterion's score of the feature added at each step; the line adds them up. "
        "A flat line means later features add little beyond the earlier ones.",
    )


def reason_chart(dropped: list[dict[str, Any]]) -> Chart:
    return Chart(
        "Dropped columns by reason",
        spec(
            dropped,
            width=520,
            height={"step": 22},
            mark={"type": "bar", "color": "#afb8c1"},
            encoding=count_bars(
                dropped,
                "group",
                counted="columns",
                extra={
                    "tooltip": [
                        {"field": "group", "type": "nominal", "title": "reason"},
                        {"aggregate": "count", "title": "columns"},
                    ]
                },
            ),
        ),
    )


def select_page(result: SelectResult) -> Page:
    total = 0.0
    steps = []
    # the JSON's fields: the view, a searched value
    for step, record in zip(result.selected, selected_records(result), strict=True):
        total += record["gain"]
        steps.append(
            {
                **record,
                "cumulative": total,
                "label": f"{record['step']}. {record['name']}",
                "part": PARTS[part_of(step)],
            }
        )
    dropped = [asdict(d) for d in result.dropped]
    for d in dropped:  # "redundant with <name>": one group, the names are in the table
        d["group"] = (
            "redundant with a selected feature" if d["reason"].startswith("redundant with") else d["reason"]
        )
    considered = len(result.selected) + len(result.dropped)
    facts = [
        *run_facts(result.run),
        ("criterion", result.search.criterion),
        ("selected", f"{len(result.selected):,} of {considered:,}"),
        ("stopped", result.stopped_by),
    ]
    path_items: list[Facts | Chart | Table] = [path_chart(steps)] if steps else []
    path_items.append(Table("Selected features", SELECTED_COLUMNS, steps))
    dropped_items: list[Facts | Chart | Table] = [reason_chart(dropped)] if dropped else []
    dropped_items.append(
        Table("Dropped features", DROPPED_COLUMNS, dropped, note="Filter by a reason's words.")
    )
    sections = [
        Section("Summary", items=[Facts(facts)]),
        Section("The greedy path", items=path_items),
        Section("Dropped columns", items=dropped_items),
    ]
    if result.matrix is not None and len(result.matrix.names) > 1:
        chosen = {s.name for s in result.selected}
        groups = {n: "selected" if n in chosen else "dropped" for n in result.matrix.names}
        names = result.matrix.names
        cells = [
            {"a": a, "b": b, "value": result.matrix.normalized[i][j]}
            for i, a in enumerate(names)
            for j, b in enumerate(names)
        ]
        n_selected = sum(1 for n in names if n in chosen)
        sections.append(
            Section(
                "Redundancy",
                f"Normalized redundancy (adjusted MI between two columns, 1 = the same information) on the "
                f"row sample: the first {n_selected} columns are selected, the rest (names in red) are the "
                "dropped columns most redundant with them.",
                [
                    Chart(
                        "Redundancy between selected and most redundant dropped columns",
                        heatmap(
                            names,
                            cells,
                            title="norm. redundancy",
                            groups=groups,
                            marked=[n for n in names if n not in chosen],
                        ),
                    )
                ],
            )
        )
    options = {**result.run.options.reported(), **result.search.reported()}
    sections.append(Section("Options", items=[option_facts(options, result.timings)]))
    return Page(
        "select",
        f"Selected for {result.run.target.name} by {result.search.criterion}",
        f"{len(result.selected):,} of {considered:,} features · stopped: {result.stopped_by}",
        sections,
    )


def redundancy_page(result: RedundancyResult) -> Page:
    pairs = [asdict(p) for p in result.pairs]
    for p in pairs:
        p["label"] = f"{p['a']} ~ {p['b']}"
    names: list[str] = []
    for p in pairs:
        for n in (p["a"], p["b"]):
            if n not in names and len(names) < MAX_COLUMNS:
                names.append(n)
    known = {(p["a"], p["b"]): p["normalized"] for p in pairs} | {
        (p["b"], p["a"]): p["normalized"] for p in pairs
    }
    cells = [
        {"a": a, "b": b, "value": 1.0 if a == b else known[(a, b)]}
        for a in names
        for b in names
        if a == b or (a, b) in known
    ]
    shown = pairs[:40]
    facts = [
        *run_facts(result.run, target=False),
        ("pairs reported", f"{len(pairs):,}"),
        ("pairs evaluated", f"{result.pairs_evaluated:,} of {result.pairs_total:,}"),
    ]
    items: list[Facts | Chart | Table] = []
    if shown:
        items.append(
            Chart(
                f"Top {len(shown)} pairs",
                spec(
                    shown,
                    width=560,
                    height={"step": 16},
                    mark={"type": "bar", "color": "#0969da"},
                    encoding={
                        "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
                        "x": {
                            "field": "normalized",
                            "type": "quantitative",
                            "title": "normalized redundancy",
                            "scale": {"domain": [0, 1]},
                        },
                        "tooltip": tooltip(
                            ("a", "nominal", "a"),
                            ("b", "nominal", "b"),
                            ("mi", "quantitative", "MI (bits)"),
                            ("normalized", "quantitative", "normalized"),
                        ),
                    },
                ),
            )
        )
    if len(names) > 1:
        items.append(
            Chart(
                "Redundancy among the columns of the top pairs",
                heatmap(names, cells, title="norm. redundancy"),
                note="Blank cells are pairs outside the reported top list.",
            )
        )
    items.append(Table("All reported pairs", PAIR_COLUMNS, pairs))
    return Page(
        "redundancy",
        "Most redundant feature pairs",
        f"{len(pairs):,} pairs · mutual information between features on a sample of "
        f"{result.run.sample_rows or 0:,} rows",
        [
            Section("Summary", items=[Facts(facts)]),
            Section("Pairs", items=items),
            options_section(result.run, result.pair_options.reported(), result.timings),
        ],
    )
