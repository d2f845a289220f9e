"""Renderings of ``select`` and ``redundancy`` results: JSON (versioned), CSV, names, tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from outrank_cli.encode.features import FeatureKind
from outrank_cli.report.document import clean, document, dumps
from outrank_cli.report.tabular import names_lines, records_to_csv, renderings
from outrank_cli.select.greedy import Selected
from outrank_cli.select.redundancy import RedundancyResult
from outrank_cli.select.subset import SelectResult

if TYPE_CHECKING:
    from rich.console import Console

SELECTED_COLUMNS = [
    "step",
    "name",
    "gain",
    "relevance",
    "p_value",
    "most_redundant_with",
    "redundancy",
    "redundancy_normalized",
    "kind",
    "value",
    "filled",
    "significant_gain",
    "additive",
]
PAIR_COLUMNS = ["a", "b", "mi", "expected_mi", "normalized"]


PART_CAPTIONS = {
    "additive": "shown by the additive gain test: adds to an additive model of the steps before "
    "(gain: -1/2 log2 of the residual variance it leaves, p: that test's)",
    "rest": "the relevant rest: significantly relevant and not redundant, a gain above the noise "
    "floor but not shown significant given the steps before",
    "fill": "the fill of --k past the automatic stop (not shown to add significant information)",
}


def part_of(step: Selected) -> str:
    """Which part of the search took ``step``: ``shown`` (its gain test passed; step 1 by its
    relevance), ``rest`` (the relevant rest the automatic search takes after those),
    ``additive`` (the additive gain test passed, after the rest) or ``fill`` (taken by ``--k``
    past the automatic stop)."""
    if step.filled:
        return "fill"
    if step.additive:
        return "additive"
    return "shown" if step.significant_gain else "rest"


def _searched_values(result: SelectResult) -> dict[str, str]:
    """The value each multi-valued column was searched by (the indicator of its best value, the
    first of ``rank``'s ``top_values``)."""
    return {
        r.name: r.top_values[0].value
        for r in result.ranking
        if r.kind == FeatureKind.MULTIVALUE and r.top_values
    }


def selected_records(result: SelectResult) -> list[dict[str, Any]]:
    """The selected columns, each with the view it was ranked and searched in (``kind``) and,
    for a multi-valued column, the value it was searched by (else None); with --interactions,
    each says which pair it came with (or None)."""
    kinds = {r.name: r.kind for r in result.ranking}
    values = _searched_values(result)
    records = []
    for s in result.selected:
        record = asdict(s)
        record["kind"] = kinds[s.name]
        record["value"] = values.get(s.name)
        if result.taken_with is not None:
            record["pair"] = result.taken_with.get(s.name)
        records.append(record)
    return records


def select_to_dict(result: SelectResult) -> dict[str, Any]:
    # only with --interactions: reports without it keep their bytes
    pairs: dict[str, Any] = (
        {}
        if result.pair_candidates is None
        else {"pair_candidates": [clean(asdict(c)) for c in result.pair_candidates]}
    )
    return document(
        "select",
        result.run,
        options=result.search.reported(),
        timings=result.timings,
        criterion=result.search.criterion,
        stopped_by=result.stopped_by,
        selected=[clean(r) for r in selected_records(result)],
        dropped=[clean(asdict(d)) for d in result.dropped],
        **pairs,
    )


def select_json(result: SelectResult) -> str:
    return dumps(select_to_dict(result))


def select_csv(result: SelectResult) -> str:
    columns = SELECTED_COLUMNS + (["pair"] if result.taken_with is not None else [])
    return records_to_csv(selected_records(result), columns)


def select_names(result: SelectResult) -> str:
    return names_lines(s.name for s in result.selected)


def render_select(result: SelectResult, console: Console) -> None:
    from rich.table import Table

    table = Table(
        title=(
            f"Selected for [bold]{result.run.target.name}[/] by {result.search.criterion} "
            f"({len(result.selected)} of {len(result.selected) + len(result.dropped)}; "
            f"stopped: {result.stopped_by}; pairs on a sample of {result.run.sample_rows:,} rows)"
        ),
        title_justify="left",
        header_style="bold",
    )
    for name, justify in (
        ("step", "right"),
        ("feature", "left"),
        ("gain", "right"),
        ("relevance", "right"),
        ("p", "right"),
        ("closest selected", "left"),
        ("norm. redundancy", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    taken_with = result.taken_with or {}
    holding = _searched_values(result)  # a multi-valued column: name the value it was searched by
    for s in result.selected:
        pair = taken_with.get(s.name)
        shown = s.name if s.name not in holding else f"{s.name} ∋ {holding[s.name]}"
        table.add_row(
            str(s.step),
            shown if pair is None else f"{shown} (pair {pair})",
            f"{s.gain:.5f}",
            f"{s.relevance:.5f}",
            f"{s.p_value:.2g}",
            s.most_redundant_with or "",
            "" if s.redundancy_normalized is None else f"{s.redundancy_normalized:.3f}",
        )
    captions = [
        f"step{'s' if len(steps) > 1 else ''} {_steps(steps)}: {PART_CAPTIONS[part]}"
        for part in ("rest", "additive", "fill")
        if (steps := [s.step for s in result.selected if part_of(s) == part])
    ]
    if captions:
        table.caption = "\n".join(captions)
        table.caption_justify = "left"
    console.print(table)
    if result.pair_candidates:
        pairs = Table(title="Pair candidates (--interactions)", title_justify="left", header_style="bold")
        for name in ("pair", "joint score", "synergy", "p", "taken at step"):
            pairs.add_column(name, justify="left" if name == "pair" else "right")
        for c in result.pair_candidates:
            pairs.add_row(
                f"{c.a} & {c.b}",
                f"{c.score:.5f}",
                f"{c.synergy:.5f}",
                f"{c.p_value:.2g}",
                "" if c.step is None else str(c.step),
            )
        console.print(pairs)
    if result.dropped:
        dropped = Table(title="Dropped", title_justify="left", header_style="bold")
        dropped.add_column("feature")
        dropped.add_column("reason")
        dropped.add_column("relevance", justify="right")
        for d in result.dropped:
            dropped.add_row(d.name, d.reason, f"{d.relevance:.5f}")
        console.print(dropped)


def redundancy_to_dict(result: RedundancyResult) -> dict[str, Any]:
    pairs = [clean(asdict(p)) for p in result.pairs]
    return document(
        "redundancy",
        result.run,
        target=False,
        rows_dropped=False,
        options=result.pair_options.reported(),
        timings=result.timings,
        pairs=pairs,
        pairs_evaluated=result.pairs_evaluated,
        pairs_total=result.pairs_total,
        # only when the screen ran: reports of narrower tables keep their bytes
        **({} if result.pairs_screened_out is None else {"pairs_screened_out": result.pairs_screened_out}),
    )


def redundancy_json(result: RedundancyResult) -> str:
    return dumps(redundancy_to_dict(result))


def redundancy_csv(result: RedundancyResult) -> str:
    return records_to_csv((asdict(p) for p in result.pairs), PAIR_COLUMNS)


def redundancy_names(result: RedundancyResult) -> str:
    return names_lines(f"{p.a}\t{p.b}" for p in result.pairs)


def render_redundancy(result: RedundancyResult, console: Console) -> None:
    from rich.table import Table

    table = Table(
        title=f"Most redundant pairs (sample of {result.run.sample_rows:,} rows)",
        title_justify="left",
        header_style="bold",
    )
    for name in ("a", "b", "mi (bits)", "normalized"):
        table.add_column(name, justify="right" if name[0] in "mn" else "left")
    for p in result.pairs:
        table.add_row(p.a, p.b, f"{p.mi:.5f}", f"{p.normalized:.4f}")
    console.print(table)


def select_renderings(result: SelectResult, *, terminal: bool) -> dict[str, Callable[[], str]]:
    """Each output format of ``select``, rendered on demand."""
    texts = {"json": select_json, "csv": select_csv, "names": select_names}
    return renderings(result, "select", texts, terminal=terminal, table=render_select)


def redundancy_renderings(result: RedundancyResult, *, terminal: bool) -> dict[str, Callable[[], str]]:
    """Each output format of ``redundancy``, rendered on demand."""
    texts = {"json": redundancy_json, "csv": redundancy_csv, "names": redundancy_names}
    return renderings(result, "redundancy", texts, terminal=terminal, table=render_redundancy)


def _steps(steps: list[int]) -> str:
    """``[6, 7, 8]`` as ``6 to 8``; a single step as itself (a part's steps are consecutive)."""
    return str(steps[0]) if len(steps) == 1 else f"{steps[0]} to {steps[-1]}"
