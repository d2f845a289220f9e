"""Vega-Lite specs of the report charts (plain dicts; the browser draws them as SVG)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from outrank_cli.report.html.vega import VEGA_LITE_SCHEMA

SEVERITY_COLORS = {"error": "#cf222e", "warning": "#d4a72c", "info": "#0969da"}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


def spec(data: Sequence[dict[str, Any]], **body: Any) -> dict[str, Any]:
    """A Vega-Lite spec with inline ``data`` and the report's look."""
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "data": {"values": list(data)},
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
        },
        **body,
    }


def tooltip(*fields: tuple[str, str, str]) -> list[dict[str, Any]]:
    """(field, type, title) -> Vega-Lite tooltip entries; numbers with four significant digits."""
    out = []
    for name, kind, title in fields:
        entry: dict[str, Any] = {"field": name, "type": kind, "title": title}
        if kind == "quantitative":
            entry["format"] = ".4~g"
        out.append(entry)
    return out


def heatmap(
    names: Sequence[str],
    cells: Sequence[dict[str, Any]],
    *,
    title: str,
    groups: dict[str, str] | None = None,
    marked: Sequence[str] = (),
) -> dict[str, Any]:
    """Cells ``{"a", "b", "value"}`` over ``names`` in this order, shaded 0..1, numbers written
    in the cells when they fit; ``groups`` (name -> label) is shown in the tooltip, the
    ``marked`` names are labelled in red."""
    size = max(12, min(30, 720 // max(len(names), 1)))
    data = [
        {**c, "group_a": (groups or {}).get(c["a"], ""), "group_b": (groups or {}).get(c["b"], "")}
        for c in cells
    ]
    marked_test = f"indexof({json.dumps(list(marked))}, datum.value) >= 0"
    label_color = {"condition": {"test": marked_test, "value": "#cf222e"}, "value": "#1f2328"}
    base = {
        "x": {
            "field": "a",
            "type": "nominal",
            "sort": list(names),
            "title": None,
            "axis": {"labelAngle": -45, "labelColor": label_color},
        },
        "y": {
            "field": "b",
            "type": "nominal",
            "sort": list(names),
            "title": None,
            "axis": {"labelColor": label_color},
        },
    }
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rect"},
            "encoding": {
                **base,
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "title": title,
                    "scale": {"scheme": "blues", "domain": [0, 1], "clamp": True},
                },
                "tooltip": tooltip(
                    ("a", "nominal", "column"),
                    ("group_a", "nominal", " "),
                    ("b", "nominal", "with"),
                    ("group_b", "nominal", "  "),
                    ("value", "quantitative", title),
                ),
            },
        }
    ]
    if size >= 22:
        layers.append(
            {
                "mark": {"type": "text", "fontSize": 9},
                "encoding": {
                    **base,
                    "text": {"field": "value", "type": "quantitative", "format": ".2f"},
                    "color": {
                        "condition": {"test": "datum.value > 0.55", "value": "white"},
                        "value": "#1f2328",
                    },
                },
            }
        )
    return spec(data, width=size * len(names), height=size * len(names), layer=layers)
