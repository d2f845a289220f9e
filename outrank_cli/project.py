"""The project's own settings: the ``[tool.outrank-cli]`` table of the nearest pyproject.toml.

Keys: ``categorical``, ``numeric`` and ``multivalue`` (lists of column patterns, as the options
of the same names take them) and the ``check`` table of thresholds (``checks.thresholds``).
Options on the command line add to the column lists and override the thresholds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from outrank_cli.errors import UsageError

COLUMN_KEYS = ("categorical", "numeric", "multivalue")
KEYS = (*COLUMN_KEYS, "check")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in ``start`` or its parents."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def tool_table(start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """``[tool.outrank-cli]`` of the nearest pyproject.toml ({} without one), and its path."""
    pyproject = find_pyproject((start or Path.cwd()).resolve())
    if pyproject is None:
        return {}, None
    import tomllib

    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"cannot read {pyproject}: {error}; fix the file") from None
    table = document.get("tool", {}).get("outrank-cli", {})
    if not isinstance(table, dict):
        raise UsageError(f"[tool.outrank-cli] in {pyproject} must be a table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise UsageError(
            f"unknown key {unknown[0]!r} in [tool.outrank-cli] of {pyproject}; valid: {', '.join(KEYS)}"
        )
    return table, pyproject


def column_patterns(start: Path | None = None) -> dict[str, tuple[str, ...]]:
    """The patterns listed under each of ``COLUMN_KEYS`` in ``[tool.outrank-cli]`` (one read)."""
    table, pyproject = tool_table(start)
    return {key: _patterns(table, key, pyproject) for key in COLUMN_KEYS}


def _patterns(table: dict[str, Any], key: str, pyproject: Path | None) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(
            f"{key} in [tool.outrank-cli] of {pyproject} must be a list of column names or patterns, got {value!r}"
        )
    return tuple(value)
