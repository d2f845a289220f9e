"""``check``: data-quality findings from the same pass and statistics (DESIGN "Data-quality").

Single-column findings come from the exact count tables; pair findings (duplicates) from the
row sample, after screening pairs by entropy: normalized MI is at most
min(H_a, H_b) / mean(H_a, H_b), so pairs whose entropies differ too much are never counted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from outrank_cli.drift import ColumnProfile, TableProfile, drift_findings, load_baseline
from outrank_cli.errors import UsageError
from outrank_cli.features import FeatureKind
from outrank_cli.findings import Finding, Severity, is_ignored, parse_ignores
from outrank_cli.keys import Family
from outrank_cli.pairs import pair_stats
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.rank import FeatureRanking, TargetInfo
from outrank_cli.select import Prepared, SelectOptions, prepare
from outrank_cli.stats import LN2, information
from outrank_cli.thresholds import Thresholds

# entropies on the sample and on all rows differ a little; screen with some slack
_SCREEN_SLACK = 0.02


@dataclass(frozen=True, kw_only=True)
class CheckOptions(SelectOptions):
    """Options of ``check``: the pass options, the gate and the baseline."""

    sample_rows: int = 200_000
    fail_on: str = "error"
    ignore: tuple[str, ...] = ()
    baseline: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)

    def validate(self) -> None:
        super().validate()
        if self.fail_on not in {s.value for s in Severity} | {"never"}:
            raise UsageError(f"unknown --fail-on {self.fail_on!r}; valid: error, warning, info, never")

    def reported(self) -> dict[str, object]:
        out = super().reported()
        for key in ("k", "criterion", "significance", "redundancy_weight", "relation_weight", "thresholds"):
            out.pop(key, None)
        out["thresholds"] = dict(self.thresholds.__dict__)
        out["ignore"] = list(self.ignore)
        return out


@dataclass(frozen=True, slots=True)
class CheckResult:
    paths: tuple[str, ...]
    rows: int
    rows_dropped: int
    sample_rows: int
    target: TargetInfo
    options: CheckOptions
    columns: tuple[FeatureRanking, ...]
    findings: tuple[Finding, ...]
    ignored: int
    failed: bool
    timings: dict[str, float]

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts


def column_findings(prepared: Prepared, t: Thresholds) -> list[Finding]:
    """Findings about single columns and the target, from the exact counts."""
    out: list[Finding] = []
    counts = prepared.counts
    rows = counts.rows
    target = counts.target
    by_name = {r.name: r for r in prepared.ranking}
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
    for feature, column in zip(prepared.encoded, counts.columns, strict=True):
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
        id_like = (
            column.family is not Family.FLOAT
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
                        f"column {name!r} explains {share:.0%} of the target's entropy: a likely leak of the target",
                        {
                            "share": share,
                            "mi": ranking.mi,
                            "expected_mi": ranking.expected_mi,
                            "target_entropy": target_entropy,
                        },
                    )
                )
        if feature.kind is FeatureKind.CATEGORICAL and not column.folded and not id_like:
            level_counts = feature.table[1:].sum(axis=1)
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


def pair_findings(prepared: Prepared, t: Thresholds) -> list[Finding]:
    """Duplicate and near-duplicate feature pairs, on the sample, after entropy screening."""
    columns = prepared.columns
    entropies = []
    for codes, levels in zip(columns.codes, columns.levels, strict=True):
        counts = np.bincount(codes, minlength=levels).astype(np.float64)
        p = counts[counts > 0] / max(codes.shape[0], 1)
        entropies.append(float(-(p * np.log(p)).sum()))
    live = [i for i, h in enumerate(entropies) if h > 0]
    screened = []
    for x, i in enumerate(live):
        for j in live[x + 1 :]:
            low, high = sorted((entropies[i], entropies[j]))
            if low / ((low + high) / 2.0) >= t.near_duplicate - _SCREEN_SLACK:
                screened.append((i, j))
    out: list[Finding] = []
    with ThreadPoolExecutor(max_workers=prepared.threads) as pool:
        for stats in pool.map(
            lambda pair: pair_stats(columns, pair[0], pair[1], with_target=False), screened
        ):
            a, b = columns.names[stats.a], columns.names[stats.b]
            values = {
                "normalized": stats.redundancy_normalized,
                "mi": stats.redundancy,
                "sample_rows": columns.rows,
            }
            if stats.redundancy_normalized >= t.duplicate:
                out.append(
                    Finding(
                        "duplicate",
                        Severity.WARNING,
                        a,
                        f"columns {a!r} and {b!r} carry the same information (normalized MI "
                        f"{stats.redundancy_normalized:.3f}); keep one",
                        values,
                        other=b,
                    )
                )
            elif stats.redundancy_normalized >= t.near_duplicate:
                out.append(
                    Finding(
                        "near_duplicate",
                        Severity.INFO,
                        a,
                        f"columns {a!r} and {b!r} nearly repeat each other (normalized MI "
                        f"{stats.redundancy_normalized:.3f})",
                        values,
                        other=b,
                    )
                )
    return out


def profile_of(target: TargetInfo, ranking: Sequence[FeatureRanking]) -> TableProfile:
    return TableProfile(
        target_name=target.name,
        target_kind=target.kind,
        target_labels=target.labels,
        target_counts=target.counts,
        columns=tuple(
            ColumnProfile(r.name, r.kind, r.levels, r.missing_share, r.score, r.rank) for r in ranking
        ),
    )


def check_table(
    paths: Sequence[str], options: CheckOptions, *, progress: ProgressCallback = ignore_progress
) -> CheckResult:
    """Run the pass and return every finding that is not ignored, and whether the gate fails."""
    baseline = load_baseline(Path(options.baseline)) if options.baseline else None
    ignores = parse_ignores(list(options.ignore))
    known = {
        "target_missing",
        "class_imbalance",
        "empty",
        "constant",
        "high_missing",
        "id_like",
        "target_leak",
        "rare_levels",
        "duplicate",
        "near_duplicate",
        "column_added",
        "column_removed",
        "kind_changed",
        "missing_share_drift",
        "levels_drift",
        "relevance_collapse",
        "relevance_jump",
        "rank_drift",
        "target_drift",
    }
    for code, _ in ignores:
        if code not in known:
            raise UsageError(f"unknown finding code {code!r} in --ignore; valid: {', '.join(sorted(known))}")
    prepared = prepare(paths, options, progress)
    t = options.thresholds
    from outrank_cli.rank import target_info

    info = target_info(prepared.counts)
    findings = column_findings(prepared, t) + pair_findings(prepared, t)
    if baseline is not None:
        findings += drift_findings(baseline, profile_of(info, prepared.ranking), t)
    kept = [f for f in findings if not is_ignored(f, ignores)]
    kept.sort(key=lambda f: (-f.severity.level, f.code, f.column or "", f.other or ""))
    threshold = None if options.fail_on == "never" else Severity(options.fail_on).level
    failed = threshold is not None and any(f.severity.level >= threshold for f in kept)
    counts = prepared.counts
    return CheckResult(
        paths=counts.source.paths,
        rows=counts.rows,
        rows_dropped=counts.rows_dropped,
        sample_rows=prepared.columns.rows,
        target=info,
        options=options,
        columns=prepared.ranking,
        findings=tuple(kept),
        ignored=len(findings) - len(kept),
        failed=failed,
        timings={
            "read_and_count_seconds": round(counts.seconds, 4),
            "total_seconds": round(time.perf_counter() - prepared.started, 4),
        },
    )
