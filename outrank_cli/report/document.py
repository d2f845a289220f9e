"""What every JSON report shares: the schema version, the header, numbers made stable."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from outrank_cli import __version__
from outrank_cli.pipeline import RunInfo
from outrank_cli.stats.ranking import TargetInfo

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


def document(
    command: str,
    run: RunInfo,
    *,
    options: dict[str, Any],
    timings: dict[str, float],
    target: bool = True,
    rows_dropped: bool = True,
    **body: Any,
) -> dict[str, Any]:
    """A report: the keys every report shares (version, command, tool, input, target, options:
    the run's options and the command's own), then ``body``, then the timings.

    The input block has ``rows_dropped`` (all but ``redundancy``) and ``sample_rows`` (when the
    run kept a row sample).
    """
    block: dict[str, Any] = {"paths": list(run.paths), "rows": run.rows}
    if rows_dropped:
        block["rows_dropped"] = run.rows_dropped
    if run.sample_rows is not None:
        block["sample_rows"] = run.sample_rows
    if run.unparsable:  # only when there are some: reports of clean inputs keep their bytes
        block["unparsable_values"] = [asdict(u) for u in run.unparsable]
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "input": block,
    }
    if target:
        out["target"] = target_block(run.target)
    out["options"] = clean({**run.options.reported(), **options})
    return {**out, **body, "timings": timings}


def target_block(target: TargetInfo) -> dict[str, Any]:
    return clean(asdict(target))  # type: ignore[no-any-return]


# one value on one line, by the C encoder (``json.dumps`` with an indent is pure Python: the
# report of a 10,000-column table took 0.4 s to write, against 0.1 s)
_one_line = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def dumps(document: dict[str, Any]) -> str:
    """The report as JSON text: a line for each of the document's keys, and inside a list of
    objects or lists (features, findings, pairs) a line for each of its items."""
    lines = []
    for key, value in document.items():
        name = _one_line(key)
        if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
            items = ",\n".join(f"    {_one_line(item)}" for item in value)
            lines.append(f"  {name}: [\n{items}\n  ]")
        else:
            lines.append(f"  {name}: {_one_line(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n" if lines else "{}\n"
