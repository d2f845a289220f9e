"""Renderings of ``rank`` results: JSON (versioned), CSV, names, rich table."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from outrank_cli.rank import RankResult
from outrank_cli.report.document import clean, document, dumps
from outrank_cli.report.tabular import names_lines, records_to_csv, renderings
from outrank_cli.stats.multivalue import ValueScore
from outrank_cli.stats.ranking import FeatureRanking, ViewSummary

if TYPE_CHECKING:
    from rich.console import Console

RANK_COLUMNS = [
    "rank",
    "name",
    "score",
    "mi",
    "expected_mi",
    "ami_normalized",
    "symmetric_uncertainty",
    "p_value",
    "entropy",
    "levels",
    "levels_exact",
    "missing_share",
    "kind",
    "bins",
]
CSV_EXTRA = ["significant", "forced", "other_kind", "other_score", "top_value", "trend_p_value"]


def rank_to_dict(result: RankResult, *, top: int | None = None) -> dict[str, Any]:
    features = result.features if top is None else result.features[:top]
    return document(
        "rank",
        result.run,
        options={},
        timings=result.timings,
        features=[clean(feature_record(f)) for f in features],
        skipped=[{"name": n, "reason": r} for n, r in result.run.skipped],
    )


def feature_record(feature: FeatureRanking) -> dict[str, Any]:
    """A feature's fields in JSON report order: its name, the CSV's columns, then its views
    (``forced``, the bins' ``trend_p_value``, ``other_view``) and a multi-valued column's
    ``top_values``."""
    # field by field: ``asdict`` of the whole feature deep-copies every field (0.2 s of a
    # 10,000-column report), and the scalar fields need no copy
    record = {
        column: getattr(feature, column) for column in ("name", *(c for c in RANK_COLUMNS if c != "name"))
    }
    record["significant"] = feature.significant
    record["forced"] = feature.forced
    record["trend_p_value"] = feature.trend_p_value
    record["other_view"] = None if feature.other_view is None else _flat(feature.other_view)
    record["top_values"] = tuple(_flat(value) for value in feature.top_values)
    return record


def _flat(record: ViewSummary | ValueScore) -> dict[str, Any]:
    """``asdict`` of a dataclass of scalars, without its deep copies."""
    return {field.name: getattr(record, field.name) for field in fields(record)}


def _csv_row(feature: FeatureRanking) -> dict[str, Any]:
    row = asdict(feature)
    other = feature.other_view
    row["other_kind"] = None if other is None else other.kind
    row["other_score"] = None if other is None else other.score
    row["top_value"] = feature.top_values[0].value if feature.top_values else None
    return row


def rank_csv(result: RankResult, *, top: int | None = None) -> str:
    features = result.features if top is None else result.features[:top]
    return records_to_csv((_csv_row(f) for f in features), [*RANK_COLUMNS, *CSV_EXTRA])


def rank_names(result: RankResult, *, top: int | None = None) -> str:
    features = result.features if top is None else result.features[:top]
    return names_lines(f.name for f in features)


def render_rank(result: RankResult, console: Console, *, top: int | None) -> None:
    from rich.table import Table

    shown = result.features if top is None else result.features[:top]
    title = (
        f"Relevance to [bold]{result.run.target.name}[/] ({result.run.target.kind}, "
        f"{result.run.target.levels} levels, H={result.run.target.entropy:.3f} bits) — "
        f"{result.run.rows:,} rows; score = {result.run.options.score.correction} in bits"
    )
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("rank", justify="right")
    table.add_column("feature", overflow="fold")
    table.add_column("score", justify="right")
    table.add_column("mi", justify="right")
    table.add_column("norm. ami", justify="right")
    table.add_column("p", justify="right")
    table.add_column("levels", justify="right")
    table.add_column("missing", justify="right")
    table.add_column("kind")
    for f in shown:
        levels = f"{f.levels:,}" if f.levels_exact else f"~{f.levels:,}"
        if f.bins is not None:
            levels += f" ({f.bins} bins)"
        kind = f.kind + (" (forced)" if f.forced else "")
        if f.other_view is not None:
            kind += f" (vs {f.other_view.kind} {f.other_view.score:.5f})"
        name = f.name
        if f.top_values:
            name += " ∋ " + ", ".join(v.value for v in f.top_values[:3])
        table.add_row(
            str(f.rank),
            name,
            f"{f.score:.5f}",
            f"{f.mi:.5f}",
            f"{f.ami_normalized:.4f}",
            f"{f.p_value:.2g}",
            levels,
            f"{f.missing_share:.1%}",
            kind,
        )
    console.print(table)
    notes = []
    if top is not None and len(result.features) > top:
        notes.append(f"{len(result.features) - top} more features not shown (--top 0 shows all)")
    if result.run.rows_dropped:
        notes.append(f"{result.run.rows_dropped:,} rows without a target value were left out")
    if result.run.target.kind == "numeric":
        notes.append(f"numeric target binned into {result.run.target.levels} equal-frequency bins")
    for name, reason in result.run.skipped:
        notes.append(f"skipped {name}: {reason}")
    for note in notes:
        console.print(f"[dim]{note}[/]")


def rank_renderings(result: RankResult, *, top: int | None, terminal: bool) -> dict[str, Callable[[], str]]:
    """Each output format of ``rank`` (the first ``top`` features), rendered on demand."""
    texts = {name: functools.partial(text, top=top) for name, text in TEXTS.items()}
    table = functools.partial(render_rank, top=top)
    return renderings(result, "rank", texts, terminal=terminal, table=table, page={"top": top})


def rank_json(result: RankResult, *, top: int | None = None) -> str:
    return dumps(rank_to_dict(result, top=top))


TEXTS = {"json": rank_json, "csv": rank_csv, "names": rank_names}
