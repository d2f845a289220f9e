"""The versioned JSON contract of ``rank`` (schema_version 1)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from outrank_cli import __version__
from outrank_cli.rank import RankResult

SCHEMA_VERSION = 1
TOOL_NAME = "outrank-cli"


def clean_number(value: float) -> float | None:
    """JSON has no NaN or infinity; round off float noise so reports are stable."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.12g}")


def tool_block() -> dict[str, str]:
    return {"name": TOOL_NAME, "version": __version__}


def rank_to_dict(result: RankResult, *, top: int | None = None) -> dict[str, Any]:
    features = result.features if top is None else result.features[:top]
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "rank",
        "tool": tool_block(),
        "input": {"paths": list(result.paths), "rows": result.rows, "rows_dropped": result.rows_dropped},
        "target": {
            "name": result.target.name,
            "kind": result.target.kind,
            "levels": result.target.levels,
            "entropy": clean_number(result.target.entropy),
            "labels": list(result.target.labels),
            "counts": list(result.target.counts),
            "bin_edges": [clean_number(e) for e in result.target.bin_edges],
        },
        "options": result.options.reported(),
        "features": [
            {k: (clean_number(v) if isinstance(v, float) else v) for k, v in asdict(f).items()}
            for f in features
        ],
        "skipped": [{"name": n, "reason": r} for n, r in result.skipped],
        "timings": result.timings,
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
