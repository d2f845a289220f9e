"""A report page as data (sections of facts, charts and tables) and its one-file HTML.

Charts are Vega-Lite specs drawn in the browser by the Vega bundle inlined from the ``html``
extra (``vega.bundle``); tables are sorted and filtered by a few lines of inlined script. The
page loads nothing: a Content-Security-Policy forbids every fetch, so it opens the same from a
CI artifact, an e-mail or a laptop without network.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from outrank_cli import __version__

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)


@dataclass(frozen=True)
class Column:
    """A table column: ``kind`` "num" (right-aligned, sorted as numbers) or "text"; ``format``
    of numbers: "int", "pct", "p" (two significant digits) or a fixed ``digits``."""

    key: str
    label: str
    kind: str = "text"
    format: str | None = None
    digits: int = 4


@dataclass(frozen=True)
class Facts:
    """Key numbers of the run, shown as tiles."""

    items: list[tuple[str, str]]


@dataclass(frozen=True)
class Chart:
    title: str
    spec: dict[str, Any]
    note: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    intro: str = ""
    items: list[Facts | Chart | Table] = field(default_factory=list)


@dataclass(frozen=True)
class Page:
    command: str
    title: str
    subtitle: str
    sections: list[Section]
    verdict: bool | None = None  # check: passed (True) or failed (False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _json_script(element_id: str, value: Any) -> str:
    # "<" escaped so no string in the data can close the script element
    text = json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _asset(name: str) -> str:
    return resources.files("outrank_cli.report.html").joinpath("assets", name).read_text(encoding="utf-8")


def _facts(facts: Facts) -> str:
    tiles = "".join(
        f'<div class="fact"><div class="k">{html.escape(k)}</div><div class="v">{html.escape(v)}</div></div>'
        for k, v in facts.items
    )
    return f'<div class="facts">{tiles}</div>'


def render_page(page: Page, *, bundle: str) -> str:
    """The page as one HTML document; ``bundle`` is the Vega JavaScript to inline."""
    body: list[str] = []
    scripts: list[str] = []
    for s, section in enumerate(page.sections):
        parts = [f"<section><h2>{html.escape(section.title)}</h2>"]
        if section.intro:
            parts.append(f'<p class="intro">{html.escape(section.intro)}</p>')
        for i, item in enumerate(section.items):
            element_id = f"{page.command}-{s}-{i}"
            if isinstance(item, Facts):
                parts.append(_facts(item))
            elif isinstance(item, Chart):
                scripts.append(_json_script(element_id, item.spec))
                parts.append(
                    f'<div class="chart"><h3>{html.escape(item.title)}</h3>'
                    + (f'<p class="note">{html.escape(item.note)}</p>' if item.note else "")
                    + f'<div class="plot" data-chart="{element_id}"></div></div>'
                )
            else:
                columns = [{k: v for k, v in c.__dict__.items()} for c in item.columns]
                scripts.append(_json_script(element_id, {"columns": columns, "rows": item.rows}))
                parts.append(
                    f'<div class="table" data-table="{element_id}"><h3>{html.escape(item.title)}</h3>'
                    + (f'<p class="note">{html.escape(item.note)}</p>' if item.note else "")
                    + '<div class="tools"><input type="search" placeholder="Filter rows (all words)" '
                    + f'aria-label="Filter {html.escape(item.title)}"><span class="count"></span></div>'
                    + '<div class="scroll"><table><thead></thead><tbody></tbody></table></div></div>'
                )
        parts.append("</section>")
        body.append("".join(parts))
    verdict = ""
    if page.verdict is not None:
        verdict = (
            '<span class="verdict pass">PASS</span>'
            if page.verdict
            else '<span class="verdict fail">FAIL</span>'
        )
    # the bundle is JavaScript: "</script" can only occur in its strings or regexes, where "<\/" is the same
    safe_bundle = bundle.replace("</script", "<\\/script")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="outrank-cli {html.escape(__version__)}">',
            f"<title>{html.escape(page.title)}</title>",
            f"<style>{_asset('report.css')}</style>",
            "</head><body>",
            f"<header><h1>{verdict}{html.escape(page.title)}</h1><p>{html.escape(page.subtitle)}</p></header>",
            "<main>",
            *body,
            "</main>",
            f"<footer>outrank-cli {html.escape(__version__)} · {html.escape(page.command)} report · "
            "charts drawn with Vega-Lite (inlined); this file loads nothing from the network</footer>",
            *scripts,
            f"<script>{safe_bundle}</script>",
            f"<script>{_asset('report.js')}</script>",
            "</body></html>",
            "",
        ]
    )
