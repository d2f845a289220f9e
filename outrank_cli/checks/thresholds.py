"""Thresholds of ``check``: defaults, a ``[tool.outrank-cli.check]`` table in pyproject.toml,
and explicit options, in rising order of precedence."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from outrank_cli.errors import UsageError


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """Every number a finding is judged by (shares are fractions of rows, 0..1)."""

    leak_error: float = 0.8  # target_leak error: chance-corrected I(X;Y) / H(Y) at least this
    leak_warning: float = 0.5  # target_leak warning from this share
    high_missing: float = 0.5  # high_missing warning: missing share at least this
    id_like: float = 0.95  # id_like: distinct values / non-missing rows at least this
    id_like_min_levels: int = 100  # ... and at least this many distinct values
    duplicate: float = 0.999  # duplicate: normalized mutual information at least this
    near_duplicate: float = 0.9  # near_duplicate: normalized mutual information at least this
    rare_count: int = 5  # a level seen fewer than this many times is rare
    rare_share: float = 0.05  # rare_levels: share of rows in rare levels at least this
    imbalance: float = 0.05  # class_imbalance: smallest class share below this
    target_missing: float = 0.0  # target_missing: share of rows without a target above this
    drift_missing: float = 0.1  # missing_share_drift: absolute change at least this
    drift_levels: float = 2.0  # levels_drift: ratio of level counts at least this (either way)
    drift_relevance: float = 0.5  # relevance_collapse: new score below this share of the old
    drift_relevance_min: float = 0.01  # ... only for features whose old score was at least this (bits)
    drift_rank_overlap: float = 0.8  # rank_drift: rank-biased overlap of the top features below this
    drift_target: float = 0.1  # target_drift: total variation distance of class shares at least this

    def validate(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value < 0:
                raise UsageError(f"threshold {item.name} must be >= 0, got {value}")
        for name in (
            "leak_error",
            "leak_warning",
            "high_missing",
            "id_like",
            "duplicate",
            "near_duplicate",
            "rare_share",
            "imbalance",
            "target_missing",
            "drift_missing",
            "drift_relevance",
            "drift_rank_overlap",
            "drift_target",
        ):
            value = getattr(self, name)
            if value > 1:
                raise UsageError(f"threshold {name} is a share and must be between 0 and 1, got {value}")

    def with_overrides(self, values: dict[str, Any], *, origin: str) -> Thresholds:
        known = {f.name: f for f in fields(self)}
        cleaned: dict[str, Any] = {}
        for key, value in values.items():
            name = key.replace("-", "_")
            if name not in known:
                raise UsageError(
                    f"unknown check threshold {key!r} in {origin}; valid: {', '.join(sorted(known))}"
                )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise UsageError(f"check threshold {key!r} in {origin} must be a number, got {value!r}")
            cleaned[name] = int(value) if known[name].type in (int, "int") else float(value)
        return replace(self, **cleaned)


def load_thresholds(*, overrides: dict[str, Any], start: Path | None = None) -> tuple[Thresholds, str | None]:
    """Defaults, then ``[tool.outrank-cli.check]`` of the nearest pyproject.toml, then options."""
    from outrank_cli.project import tool_table

    thresholds = Thresholds()
    source = None
    project, pyproject = tool_table(start)
    table = project.get("check")
    if table:
        if not isinstance(table, dict):
            raise UsageError(f"[tool.outrank-cli.check] in {pyproject} must be a table")
        thresholds = thresholds.with_overrides(table, origin=str(pyproject))
        source = str(pyproject)
    thresholds = thresholds.with_overrides(overrides, origin="the command line")
    thresholds.validate()
    return thresholds, source
