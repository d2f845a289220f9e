"""Drift of a table against a baseline report (a previous ``rank`` or ``check`` JSON)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.errors import UsageError


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """What a report says about one feature: enough to compare two runs."""

    kind: str
    levels: int
    missing_share: float
    score: float
    rank: int
    other_kind: str | None = None  # the view a number column was not reported in


@dataclass(frozen=True, slots=True)
class TableProfile:
    """The target and every feature's profile, by name."""

    target_name: str
    target_kind: str
    target_labels: tuple[str, ...]
    target_counts: tuple[int, ...]
    columns: dict[str, ColumnProfile]


def load_baseline(path: Path) -> TableProfile:
    """Read a saved ``rank`` or ``check`` JSON report (schema_version 1)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"--baseline file {str(path)!r} does not exist; pass a JSON report saved by rank or check"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(
            f"--baseline {str(path)!r} is not a JSON report ({error}); save one with --format json"
        ) from None
    if not isinstance(document, dict) or document.get("schema_version") != 1:
        raise UsageError(f"--baseline {str(path)!r} is not an outrank-cli report with schema_version 1")
    rows = document.get("features") or document.get("columns")
    target = document.get("target") or {}
    if not isinstance(rows, list) or not isinstance(target, dict):
        raise UsageError(
            f"--baseline {str(path)!r} has no 'features' or 'columns' list; pass a rank or check JSON"
        )
    try:
        columns = {
            str(r["name"]): ColumnProfile(
                str(r["kind"]),
                int(r["levels"]),
                float(r["missing_share"]),
                float(r["score"]),
                int(r["rank"]),
                str((r.get("other_view") or {}).get("kind")) if r.get("other_view") else None,
            )
            for r in rows
        }
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(
            f"--baseline {str(path)!r}: a feature entry lacks {error}; pass a rank or check JSON"
        ) from None
    return TableProfile(
        target_name=str(target.get("name", "")),
        target_kind=str(target.get("kind", "")),
        target_labels=tuple(str(v) for v in target.get("labels", [])),
        target_counts=tuple(int(v) for v in target.get("counts", [])),
        columns=columns,
    )


def rank_biased_overlap(a: Sequence[str], b: Sequence[str], *, p: float = 0.9) -> float:
    """Rank-biased overlap (Webber et al. 2010), extrapolated, of two ranked lists (1 = same order)."""
    depth = min(len(a), len(b))
    if depth == 0:
        return 1.0
    seen_a: set[str] = set()
    seen_b: set[str] = set()
    overlap = 0
    total = 0.0
    for d in range(1, depth + 1):
        x, y = a[d - 1], b[d - 1]
        if x == y:
            overlap += 1
        else:
            overlap += (x in seen_b) + (y in seen_a)
        seen_a.add(x)
        seen_b.add(y)
        total += (overlap / d) * p**d
    return (1 - p) / p * total + (overlap / depth) * p**depth


def _total_variation(old: dict[str, int], new: dict[str, int]) -> float:
    old_total = sum(old.values()) or 1
    new_total = sum(new.values()) or 1
    labels = set(old) | set(new)
    return 0.5 * sum(abs(old.get(k, 0) / old_total - new.get(k, 0) / new_total) for k in labels)


def drift_findings(
    baseline: TableProfile, current: TableProfile, t: Thresholds, *, top: int = 20
) -> list[Finding]:
    """One finding per change between the baseline and the current table."""
    out: list[Finding] = []
    old, new = baseline.columns, current.columns
    for name in new.keys() - old.keys():
        out.append(Finding("column_added", Severity.INFO, name, f"column {name!r} is new since the baseline"))
    for name in old.keys() - new.keys():
        out.append(
            Finding(
                "column_removed",
                Severity.ERROR,
                name,
                f"column {name!r} of the baseline is gone; a model trained on it will break",
            )
        )
    for name in sorted(old.keys() & new.keys(), key=lambda n: new[n].rank):
        a, b = old[name], new[name]
        if a.kind != b.kind and a.kind != b.other_kind:  # a view switch is not a change of kind
            out.append(
                Finding(
                    "kind_changed",
                    Severity.ERROR,
                    name,
                    f"column {name!r} was {a.kind}, now {b.kind}",
                    {"old": a.kind, "new": b.kind},
                )
            )
        if abs(b.missing_share - a.missing_share) >= t.drift_missing:
            out.append(
                Finding(
                    "missing_share_drift",
                    Severity.WARNING,
                    name,
                    f"missing share of {name!r} went from {a.missing_share:.1%} to {b.missing_share:.1%}",
                    {"old": a.missing_share, "new": b.missing_share},
                )
            )
        low, high = sorted((max(a.levels, 1), max(b.levels, 1)))
        if a.kind == b.kind and high / low >= t.drift_levels and high - low >= 10:
            out.append(
                Finding(
                    "levels_drift",
                    Severity.WARNING,
                    name,
                    f"distinct values of {name!r} went from {a.levels:,} to {b.levels:,}",
                    {"old": a.levels, "new": b.levels},
                )
            )
        if a.score >= t.drift_relevance_min and b.score < t.drift_relevance * a.score:
            out.append(
                Finding(
                    "relevance_collapse",
                    Severity.WARNING,
                    name,
                    f"relevance of {name!r} fell from {a.score:.4f} to {b.score:.4f} bits",
                    {"old": a.score, "new": b.score},
                )
            )
        elif b.score >= t.drift_relevance_min and b.score * t.drift_relevance > max(a.score, 0.0):
            out.append(
                Finding(
                    "relevance_jump",
                    Severity.WARNING,
                    name,
                    f"relevance of {name!r} rose from {a.score:.4f} to {b.score:.4f} bits (a new leak?)",
                    {"old": a.score, "new": b.score},
                )
            )
    old_top = sorted(old, key=lambda name: old[name].rank)[:top]
    new_top = sorted(new, key=lambda name: new[name].rank)[:top]
    overlap = rank_biased_overlap(old_top, new_top)
    if overlap < t.drift_rank_overlap:
        out.append(
            Finding(
                "rank_drift",
                Severity.WARNING,
                None,
                f"the top {len(new_top)} features changed order: rank-biased overlap {overlap:.2f}",
                {"rank_biased_overlap": overlap, "old_top": old_top[:10], "new_top": new_top[:10]},
            )
        )
    if (
        baseline.target_labels
        and current.target_labels
        and baseline.target_kind == current.target_kind != "numeric"
    ):
        distance = _total_variation(
            dict(zip(baseline.target_labels, baseline.target_counts, strict=False)),
            dict(zip(current.target_labels, current.target_counts, strict=False)),
        )
        if distance >= t.drift_target and not math.isnan(distance):
            out.append(
                Finding(
                    "target_drift",
                    Severity.WARNING,
                    current.target_name,
                    f"target class shares moved by {distance:.1%} (total variation)",
                    {"total_variation": distance},
                )
            )
    elif baseline.target_kind and baseline.target_kind != current.target_kind:
        out.append(
            Finding(
                "target_drift",
                Severity.WARNING,
                current.target_name,
                f"target kind was {baseline.target_kind}, now {current.target_kind}",
                {"old": baseline.target_kind, "new": current.target_kind},
            )
        )
    return out
