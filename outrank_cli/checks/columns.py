"""Findings about single columns and the target, from the exact count tables."""

from __future__ import annotations

import numpy as np

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.encode.cells import row_totals
from outrank_cli.encode.features import FeatureKind
from outrank_cli.encode.keys import Family
from outrank_cli.pipeline import Scored
from outrank_cli.stats.ranking import FeatureRanking
from outrank_cli.stats.relevance import LN2, information


def column_findings(scored: Scored, t: Thresholds) -> list[Finding]:
    """Findings about single columns and the target, from the exact counts."""
    out: list[Finding] = []
    counts = scored.counts
    rows = counts.rows
    target = counts.target
    by_name = {r.name: r for r in scored.ranking}
    class_counts = np.asarray(target.class_counts, dtype=np.int64)
    present = int(class_counts.sum())
    target_entropy = information.entropy(class_counts) / LN2
    dropped_share = counts.rows_dropped / rows if rows else 0.0
    if counts.rows_dropped and dropped_share > t.target_missing:
        out.append(
            Finding(
                "target_missing",
                Severity.WARNING,
                target.name,
                f"{counts.rows_dropped:,} rows ({dropped_share:.1%}) have no target value and were left out",
                {"rows": counts.rows_dropped, "share": dropped_share},
            )
        )
    if target.kind != "numeric" and present:
        shares = class_counts / present
        smallest = int(np.argmin(np.where(class_counts > 0, shares, np.inf)))
        if shares[smallest] < t.imbalance:
            out.append(
                Finding(
                    "class_imbalance",
                    Severity.WARNING,
                    target.name,
                    f"target class {target.labels[smallest]!r} has only {shares[smallest]:.2%} of the rows",
                    {
                        "class": target.labels[smallest],
                        "share": float(shares[smallest]),
                        "rows": int(class_counts[smallest]),
                    },
                )
            )
    temporal = counts.plan.temporal if counts.plan is not None else frozenset()
    for feature, column in zip(scored.encoded, counts.columns, strict=True):
        name = feature.name
        ranking = by_name[name]
        table_rows = int(feature.table.sum())
        non_missing = table_rows - int(feature.table[0].sum())
        if non_missing == 0:
            out.append(
                Finding(
                    "empty",
                    Severity.ERROR,
                    name,
                    f"column {name!r} is missing in every row",
                    {"missing_share": feature.missing_share},
                )
            )
            continue
        if feature.levels <= 1:
            out.append(
                Finding(
                    "constant",
                    Severity.WARNING,
                    name,
                    f"column {name!r} has a single value"
                    + (f" ({feature.missing_share:.1%} missing)" if feature.missing_share else ""),
                    {"levels": feature.levels, "missing_share": feature.missing_share},
                )
            )
            continue
        if feature.missing_share >= t.high_missing:
            out.append(
                Finding(
                    "high_missing",
                    Severity.WARNING,
                    name,
                    f"column {name!r} is missing in {feature.missing_share:.1%} of the rows",
                    {"missing_share": feature.missing_share},
                )
            )
        distinct_share = feature.levels / max(non_missing, 1)
        # a float or a timestamp with a value per row is a measurement, not an identifier
        id_like = (
            column.family is not Family.FLOAT
            and name not in temporal
            and feature.levels >= t.id_like_min_levels
            and distinct_share >= t.id_like
        )
        if id_like:
            out.append(
                Finding(
                    "id_like",
                    Severity.WARNING,
                    name,
                    f"column {name!r} has {'about ' if not feature.levels_exact else ''}"
                    f"{feature.levels:,} distinct values in {non_missing:,} rows: an identifier, not a feature",
                    {"levels": feature.levels, "rows": non_missing, "distinct_share": distinct_share},
                )
            )
        if target_entropy > 0:
            share = (ranking.mi - ranking.expected_mi) / target_entropy
            if share >= t.leak_warning:
                severity = Severity.ERROR if share >= t.leak_error else Severity.WARNING
                out.append(
                    Finding(
                        "target_leak",
                        severity,
                        name,
                        f"column {name!r}{_through_value(ranking)} explains {share:.0%} of the target's "
                        "entropy: a likely leak of the target",
                        {
                            "share": share,
                            "mi": ranking.mi,
                            "expected_mi": ranking.expected_mi,
                            "target_entropy": target_entropy,
                        },
                    )
                )
        # a number column is a code (with rare codes) only when forced categorical
        coded = column.family in (Family.STRING, Family.BOOLEAN) or feature.forced
        if feature.kind is FeatureKind.CATEGORICAL and coded and not column.folded and not id_like:
            level_counts = row_totals(feature.table[1:])
            rare = level_counts[(level_counts > 0) & (level_counts < t.rare_count)]
            rare_share = float(rare.sum()) / max(non_missing, 1)
            if rare.size and rare_share >= t.rare_share:
                out.append(
                    Finding(
                        "rare_levels",
                        Severity.INFO,
                        name,
                        f"{rare_share:.1%} of the rows of {name!r} are in {rare.size:,} levels seen fewer "
                        f"than {t.rare_count} times",
                        {"share": rare_share, "levels": int(rare.size)},
                    )
                )
    return out


def _through_value(ranking: FeatureRanking) -> str:
    """A multi-valued column is scored by its best value: name it (" (holding 'clicked')")."""
    if ranking.kind != FeatureKind.MULTIVALUE or not ranking.top_values:
        return ""
    return f" (holding {ranking.top_values[0].value!r})"
