"""The ``rank`` page: which columns matter, how sure we are, and why the correction matters."""

from __future__ import annotations

from outrank_cli.rank import RankResult
from outrank_cli.report.html.charts import spec, tooltip
from outrank_cli.report.html.common import (
    FEATURE_COLUMNS,
    bits,
    feature_rows,
    option_facts,
    run_facts,
    skipped_table,
)
from outrank_cli.report.html.page import Chart, Column, Facts, Page, Section, Table

TOP_BARS = 40
SIGNIFICANT = "significant (p·F ≤ 0.01)"
NOT_SIGNIFICANT = "not significant"


def score_bars(features: list[dict[str, object]], *, title: str) -> Chart:
    """Horizontal bars of the corrected score, coloured by significance."""
    return Chart(
        title,
        spec(
            features,
            width=640,
            height={"step": 16},
            mark={"type": "bar", "cornerRadiusEnd": 2},
            encoding={
                "y": {"field": "name", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "score", "type": "quantitative", "title": "chance-corrected MI (bits)"},
                "color": {
                    "field": "significance",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": [SIGNIFICANT, NOT_SIGNIFICANT], "range": ["#0969da", "#afb8c1"]},
                },
                "tooltip": tooltip(
                    ("name", "nominal", "feature"),
                    ("score", "quantitative", "score (bits)"),
                    ("mi", "quantitative", "plug-in MI (bits)"),
                    ("p_value", "quantitative", "p"),
                    ("levels", "quantitative", "levels"),
                ),
            },
        ),
    )


def correction_chart(rows: list[dict[str, object]]) -> Chart:
    """Plug-in MI and corrected score of every feature against the levels its MI was counted on."""
    x = {
        "field": "levels_used",
        "type": "quantitative",
        "scale": {"type": "log"},
        "title": "levels the MI is counted on (log scale; numeric columns: their bins)",
        "axis": {"format": "~s", "labelOverlap": True},
    }
    tips = tooltip(
        ("name", "nominal", "feature"),
        ("levels_used", "quantitative", "levels counted"),
        ("mi", "quantitative", "plug-in MI (bits)"),
        ("expected_mi", "quantitative", "E[MI] under permutation (bits)"),
        ("score", "quantitative", "corrected score (bits)"),
    )

    def points(field: str, label: str, *, filled: bool, size: int) -> dict[str, object]:
        return {
            "mark": {"type": "point", "filled": filled, "size": size, "opacity": 0.95, "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {"field": field, "type": "quantitative", "title": "bits"},
                "color": {
                    "datum": label,
                    "title": None,
                    "scale": {"domain": ["plug-in MI", "corrected score"], "range": ["#e16f24", "#0969da"]},
                },
                "tooltip": tips,
            },
        }

    return Chart(
        "Plug-in MI against the chance-corrected score, by number of levels",
        spec(
            rows,
            width=640,
            height=320,
            layer=[
                {
                    "mark": {"type": "rule", "color": "#afb8c1"},
                    "encoding": {
                        "x": x,
                        "y": {"field": "score", "type": "quantitative"},
                        "y2": {"field": "mi"},
                    },
                },
                points("mi", "plug-in MI", filled=False, size=110),
                points("score", "corrected score", filled=True, size=40),
            ],
        ),
        note=(
            "Each column is an orange ring (plug-in MI) and a blue dot (chance-corrected score) joined by a "
            "line. Plug-in MI grows with the number of levels even when a column carries nothing, so an "
            "ID-like or high-cardinality column has its ring high up on the right and its dot near zero; "
            "the line between them is the part that chance alone explains. A dot inside its ring: the "
            "correction changes little."
        ),
    )


def rank_page(result: RankResult, *, top: int | None = None) -> Page:
    features = list(result.features if top is None else result.features[:top])
    total = len(result.features)
    rows = feature_rows(features)
    for row, f in zip(rows, features, strict=True):
        row["significance"] = SIGNIFICANT if f.significant else NOT_SIGNIFICANT
        row["levels_used"] = max(f.bins or f.levels, 1)
        if f.top_values:  # a multi-valued column: its most informative value
            row["top_value"] = f"{f.top_values[0].value} ({f.top_values[0].score:.4f} bits)"
    n_significant = sum(f.significant for f in result.features)
    target = result.run.target
    shown = rows[:TOP_BARS]
    facts = [
        *run_facts(result.run),
        ("features", f"{total:,}"),
        ("significant", f"{n_significant:,} of {total:,}"),
        ("best", f"{features[0].name} ({bits(features[0].score)})" if features else "none"),
    ]
    return Page(
        "rank",
        f"Relevance to {target.name}",
        f"{result.run.rows:,} rows · {total:,} features · score = {result.run.options.score.correction} "
        "mutual information in bits",
        [
            Section("Summary", items=[Facts(facts)]),
            Section(
                "Which columns matter",
                "Chance-corrected mutual information with the target; blue bars are significant after a "
                f"Bonferroni correction over the {total:,} features.",
                [
                    score_bars(
                        shown,
                        title=f"Top {len(shown)} of {total:,} features"
                        if total > len(shown)
                        else "All features",
                    )
                ],
            ),
            Section("Why the correction matters", items=[correction_chart(rows)]),
            Section(
                "All features",
                items=[
                    Table(
                        "Ranking",
                        FEATURE_COLUMNS
                        + (
                            [Column("top_value", "best value")] if any(f.top_values for f in features) else []
                        ),
                        rows,
                        note="Click a heading to sort, type to filter.",
                    ),
                    *skipped_table(result.run),
                ],
            ),
            Section("Options", items=[option_facts(result.run.options.reported(), result.timings)]),
        ],
    )
