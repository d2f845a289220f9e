"""Renderings of ``interactions`` results: JSON (versioned), CSV, names, table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from outrank_cli.report.document import clean, document, dumps
from outrank_cli.report.tabular import names_lines, records_to_csv, renderings
from outrank_cli.select.interactions import InteractionsResult

if TYPE_CHECKING:
    from rich.console import Console

PAIR_COLUMNS = [
    "a",
    "b",
    "score",
    "gain",
    "synergy",
    "p_value",
    "significant",
    "joint_p_value",
    "mi",
    "expected_mi",
    "a_score",
    "b_score",
    "combinations",
    "screen_deviate",
]


def interactions_to_dict(result: InteractionsResult) -> dict[str, Any]:
    return document(
        "interactions",
        result.run,
        options=result.pair_options.reported(),
        timings=result.timings,
        screening=clean(asdict(result.screening)),
        pairs=[clean(asdict(p)) for p in result.pairs],
    )


def interactions_json(result: InteractionsResult) -> str:
    return dumps(interactions_to_dict(result))


def interactions_csv(result: InteractionsResult) -> str:
    return records_to_csv((asdict(p) for p in result.pairs), PAIR_COLUMNS)


def interactions_names(result: InteractionsResult) -> str:
    """The significant pairs, one per line: ``a<TAB>b``."""
    return names_lines(f"{p.a}\t{p.b}" for p in result.pairs if p.significant)


def render_interactions(result: InteractionsResult, console: Console) -> None:
    from rich.table import Table

    s = result.screening
    if s.pairs_total == 0:
        how = "no pair: fewer than two non-constant columns"
    elif s.method == "exhaustive":
        how = "the one pair evaluated" if s.pairs_total == 1 else f"all {s.pairs_total:,} pairs evaluated"
    else:
        how = f"{s.pairs_screened:,} pairs screened on {s.rows:,} rows, the best {s.pairs_evaluated:,} evaluated"
    significant = sum(p.significant for p in result.pairs)
    table = Table(
        title=(
            f"Feature pairs for [bold]{result.run.target.name}[/] ({how}; sample of "
            f"{result.run.sample_rows:,} rows; {significant} significant of {len(result.pairs)} shown)"
        ),
        title_justify="left",
        header_style="bold",
    )
    for name, justify in (
        ("a", "left"),
        ("b", "left"),
        ("score", "right"),
        ("gain", "right"),
        ("synergy", "right"),
        ("p", "right"),
        ("a alone", "right"),
        ("b alone", "right"),
        ("combinations", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for p in result.pairs:
        style = "bold" if p.significant and p.synergy > 0 else None
        table.add_row(
            p.a,
            p.b,
            f"{p.score:.5f}",
            f"{p.gain:.5f}",
            f"{p.synergy:.5f}",
            f"{p.p_value:.2g}",
            f"{p.a_score:.5f}",
            f"{p.b_score:.5f}",
            f"{p.combinations:,}",
            style=style,
        )
    console.print(table)


def interactions_renderings(result: InteractionsResult, *, terminal: bool) -> dict[str, Callable[[], str]]:
    """Each output format of ``interactions``, rendered on demand."""
    texts = {"json": interactions_json, "csv": interactions_csv, "names": interactions_names}
    return renderings(result, "interactions", texts, terminal=terminal, table=render_interactions)
