"""``check``: every data-quality finding of one pass, and whether the gate fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from outrank_cli.checks.columns import column_findings
from outrank_cli.checks.drift import ColumnProfile, TableProfile, drift_findings, load_baseline
from outrank_cli.checks.findings import Finding, Severity, is_ignored, parse_ignores
from outrank_cli.checks.leaks import pair_leak_findings
from outrank_cli.checks.pairs import pair_findings
from outrank_cli.errors import UsageError
from outrank_cli.options import CheckOptions
from outrank_cli.pipeline import Request, RunInfo
from outrank_cli.stats.ranking import FeatureRanking, TargetInfo


@dataclass(frozen=True, slots=True)
class CheckResult:
    run: RunInfo
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
        columns={
            r.name: ColumnProfile(
                r.kind,
                r.levels,
                r.missing_share,
                r.score,
                r.rank,
                None if r.other_view is None else r.other_view.kind,
            )
            for r in ranking
        },
    )


def check_table(request: Request, gate: CheckOptions | None = None) -> CheckResult:
    """Run the pass and return every finding that is not ignored, and whether the gate fails."""
    gate = gate or CheckOptions()
    gate.validate()
    baseline = load_baseline(Path(gate.baseline)) if gate.baseline else None
    target = request.options.target
    if baseline is not None and baseline.target_name and baseline.target_name != target:
        # drift against another target's report would be invented: its target "is gone"
        raise UsageError(
            f"--baseline {gate.baseline!r} was made for target {baseline.target_name!r}, but this run's "
            f"target is {target!r}; pass a baseline saved with --target {target!r} (or rerun with "
            f"--target {baseline.target_name!r})"
        )
    ignores = parse_ignores(list(gate.ignore))
    t = gate.thresholds
    with request.scored(sample_rows=gate.sample_rows, narrow_codes=True) as (scored, pool):
        findings = column_findings(scored, t) + pair_findings(scored, t, pool=pool, progress=request.progress)
        findings += pair_leak_findings(scored, t, pool=pool, progress=request.progress)
    findings += [
        Finding(
            "duplicate_column_name",
            Severity.ERROR,
            new,
            f"the header of {scored.source.paths[0]} repeats the column name {old!r}; "
            f"this copy is read as {new!r}: rename it in the file",
            {"name": old, "renamed_to": new},
            other=old,
        )
        for old, new in scored.source.renamed_columns()
    ]
    findings += [
        Finding(
            "unparsable_values",
            Severity.WARNING,
            u.column,
            f"{u.count:,} values of numeric column {u.column!r} are no number and count as missing, "
            f"the first {u.example!r} at {u.path} line {u.line}; fix them or mark them with --null-values",
            {"count": u.count, "example": u.example, "path": u.path, "line": u.line},
        )
        for u in scored.run_info().unparsable
    ]
    if baseline is not None:
        findings += drift_findings(baseline, profile_of(scored.target, scored.ranking), t)
    kept = [f for f in findings if not is_ignored(f, ignores)]
    kept.sort(key=lambda f: (-f.severity.level, f.code, f.column or "", f.other or ""))
    threshold = None if gate.fail_on == "never" else Severity(gate.fail_on).level
    failed = threshold is not None and any(f.severity.level >= threshold for f in kept)
    return CheckResult(
        run=scored.run_info(),
        gate=gate,
        columns=scored.ranking,
        findings=tuple(kept),
        ignored=len(findings) - len(kept),
        failed=failed,
        timings=scored.timings(),
    )
