"""The ``interactions`` page: the best pairs by synergy and gain, and every reported pair."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from outrank_cli.report.html.charts import spec, tooltip
from outrank_cli.report.html.common import options_section, run_facts
from outrank_cli.report.html.page import Chart, Column, Facts, Page, Section, Table
from outrank_cli.select.interactions import InteractionsResult

PAIR_COLUMNS = [
    Column("a", "a"),
    Column("b", "b"),
    Column("score", "joint score (bits)", "num"),
    Column("gain", "gain (bits)", "num"),
    Column("synergy", "synergy (bits)", "num"),
    Column("p_value", "p", "num", "p"),
    Column("a_score", "a alone (bits)", "num"),
    Column("b_score", "b alone (bits)", "num"),
    Column("combinations", "combinations", "num", "int"),
]
SHOWN = 40


def pair_chart(pairs: list[dict[str, Any]]) -> Chart:
    """The joint score of each pair split into what its columns score alone and the synergy."""
    parts = [
        {"label": p["label"], "part": part, "bits": p[key], "significant": p["significant"]}
        for p in pairs
        for part, key in (("a alone", "a_score"), ("b alone", "b_score"), ("synergy", "synergy"))
    ]
    return Chart(
        f"Top {len(pairs)} pairs: joint score = a alone + b alone + synergy",
        spec(
            parts,
            width=560,
            height={"step": 16},
            mark={"type": "bar"},
            encoding={
                "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "bits", "type": "quantitative", "title": "bits", "stack": "zero"},
                "color": {
                    "field": "part",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": ["synergy", "a alone", "b alone"],
                        "range": ["#cf222e", "#0969da", "#54aeff"],
                    },
                },
                "tooltip": tooltip(
                    ("label", "nominal", "pair"),
                    ("part", "nominal", "part"),
                    ("bits", "quantitative", "bits"),
                    ("significant", "nominal", "significant"),
                ),
            },
        ),
        note="Bars are chance-corrected (they can be negative). Significant pairs come first.",
    )


def interactions_page(result: InteractionsResult) -> Page:
    pairs = [asdict(p) for p in result.pairs]
    for p in pairs:
        p["label"] = f"{p['a']} & {p['b']}"
    s = result.screening
    facts = [
        *run_facts(result.run),
        ("pairs looked at", f"{s.pairs_total:,}"),
        (
            "pairs evaluated exactly",
            f"{s.pairs_evaluated:,}" + (" (after the screen)" if s.method == "screened" else ""),
        ),
        ("significant pairs shown", f"{sum(p['significant'] for p in pairs):,} of {len(pairs):,}"),
    ]
    items: list[Facts | Chart | Table] = []
    if pairs:
        items.append(pair_chart(pairs[:SHOWN]))
    items.append(Table("All reported pairs", PAIR_COLUMNS, pairs))
    return Page(
        "interactions",
        f"Feature pairs for {result.run.target.name}",
        f"{len(pairs):,} pairs · joint relevance of two columns on a sample of {result.run.sample_rows or 0:,} rows",
        [
            Section("Summary", items=[Facts(facts)]),
            Section("Pairs", items=items),
            options_section(result.run, result.pair_options.reported(), result.timings),
        ],
    )
