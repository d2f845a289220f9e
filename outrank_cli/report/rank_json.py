"""The versioned JSON contract of ``rank`` (schema_version 1)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from outrank_cli import __version__
from outrank_cli.rank import RankResult, TargetInfo

SCHEMA_VERSION = 1
TOOL_NAME = "outrank-cli"


def clean_number(value: float) -> float | None:
    """JSON has no NaN or infinity; round off float noise so reports are stable."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.12g}")


def clean(value: Any) -> Any:
    """Floats through ``clean_number``, recursively through dicts, lists and tuples."""
    if isinstance(value, float):
        return clean_number(value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def header(command: str, *, paths: Sequence[str], rows: int, **more_input: int) -> dict[str, Any]:
    """The opening keys every report shares: version, command, tool and input."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "input": {"paths": list(paths), "rows": rows, **more_input},
    }


def target_block(target: TargetInfo) -> dict[str, Any]:
    return clean(asdict(target))  # type: ignore[no-any-return]


def rank_to_dict(result: RankResult, *, top: int | None = None) -> dict[str, Any]:
    features = result.features if top is None else result.features[:top]
    return {
        **header("rank", paths=result.paths, rows=result.rows, rows_dropped=result.rows_dropped),
        "target": target_block(result.target),
        "options": result.options.reported(),
        "features": [clean(asdict(f)) for f in features],
        "skipped": [{"name": n, "reason": r} for n, r in result.skipped],
        "timings": result.timings,
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
