"""``check``: every data-quality finding of one pass, and whether the gate fails."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from outrank_cli.checks.columns import column_findings
from outrank_cli.checks.drift import ColumnProfile, TableProfile, drift_findings, load_baseline
from outrank_cli.checks.findings import Finding, Severity, is_ignored, parse_ignores
from outrank_cli.checks.pairs import pair_findings
from outrank_cli.options import CheckOptions, PassOptions
from outrank_cli.pipeline import run_pass, worker_pool
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.source.early import EarlyStart
from outrank_cli.stats.ranking import FeatureRanking, TargetInfo


@dataclass(frozen=True, slots=True)
class CheckResult:
    paths: tuple[str, ...]
    rows: int
    rows_dropped: int
    sample_rows: int
    target: TargetInfo
    options: PassOptions
    gate: CheckOptions
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


def profile_of(target: TargetInfo, ranking: Sequence[FeatureRanking]) -> TableProfile:
    """What a drift comparison needs of a run (the same as a saved report gives)."""
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
    paths: Sequence[str],
    options: PassOptions,
    gate: CheckOptions | None = None,
    *,
    early: EarlyStart | None = None,
    progress: ProgressCallback = ignore_progress,
) -> CheckResult:
    """Run the pass and return every finding that is not ignored, and whether the gate fails."""
    gate = gate or CheckOptions()
    gate.validate()
    baseline = load_baseline(Path(gate.baseline)) if gate.baseline else None
    ignores = parse_ignores(list(gate.ignore))
    t = gate.thresholds
    with worker_pool(options) as pool:
        scored = run_pass(
            paths, options, pool=pool, sample_rows=gate.sample_rows, early=early, progress=progress
        )
        findings = column_findings(scored, t) + pair_findings(scored, t, pool=pool)
    if baseline is not None:
        findings += drift_findings(baseline, profile_of(scored.target, scored.ranking), t)
    kept = [f for f in findings if not is_ignored(f, ignores)]
    kept.sort(key=lambda f: (-f.severity.level, f.code, f.column or "", f.other or ""))
    threshold = None if gate.fail_on == "never" else Severity(gate.fail_on).level
    failed = threshold is not None and any(f.severity.level >= threshold for f in kept)
    counts = scored.counts
    assert scored.sample is not None
    return CheckResult(
        paths=counts.source.paths,
        rows=counts.rows,
        rows_dropped=counts.rows_dropped,
        sample_rows=scored.sample.rows,
        target=scored.target,
        options=options,
        gate=gate,
        columns=scored.ranking,
        findings=tuple(kept),
        ignored=len(findings) - len(kept),
        failed=failed,
        timings={
            "read_and_count_seconds": round(counts.seconds, 4),
            "total_seconds": round(time.perf_counter() - scored.started, 4),
        },
    )
