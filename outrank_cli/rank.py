"""``rank``: relevance of every feature to the target, from one streaming pass."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from outrank_cli import engine
from outrank_cli.columns import ColumnPlan, plan_columns, split_patterns
from outrank_cli.counting import TableCounts, default_threads
from outrank_cli.engine import ENGINES
from outrank_cli.errors import UsageError
from outrank_cli.features import EncodedFeature, encode_feature
from outrank_cli.kernels.warmup import warm_up_in_background
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.source import Source, resolve
from outrank_cli.stats import CORRECTIONS, LN2, TableSummary, information, relevance


@dataclass(frozen=True, kw_only=True)
class RankOptions:
    """Options of a ranking run (keyword-only; defaults match the CLI)."""

    target: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    bins: int = 16
    max_levels: int = 65_536
    correction: str = "ami"
    permutations: int = 200
    seed: int = 0
    separator: str | None = None
    input_format: str | None = None
    threads: int | None = None
    batch_rows: int | None = None
    storage_options: dict[str, str] = field(default_factory=dict)
    null_values: tuple[str, ...] | None = None
    engine: str = "local"
    scheduler: str | None = None
    workers: int | None = None
    dashboard: bool = False

    def validate(self) -> None:
        if self.bins < 2 or self.bins > 4096:
            raise UsageError(f"--bins must be between 2 and 4096, got {self.bins}")
        if self.max_levels < 2 or self.max_levels > 16_777_216:
            raise UsageError(f"--max-levels must be between 2 and 16777216, got {self.max_levels}")
        if self.correction not in CORRECTIONS:
            raise UsageError(f"unknown --correction {self.correction!r}; valid: {', '.join(CORRECTIONS)}")
        if self.permutations < 1 or self.permutations > 100_000:
            raise UsageError(f"--permutations must be between 1 and 100000, got {self.permutations}")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"--threads must be >= 1, got {self.threads}")
        if self.batch_rows is not None and self.batch_rows < 1:
            raise UsageError(f"--batch-rows must be >= 1, got {self.batch_rows}")
        if self.engine not in ENGINES:
            raise UsageError(f"unknown --engine {self.engine!r}; valid: {', '.join(ENGINES)}")
        if self.workers is not None and self.workers < 1:
            raise UsageError(f"--workers must be >= 1, got {self.workers}")
        if self.engine == "local" and (self.scheduler or self.workers):
            raise UsageError("--scheduler and --workers need --engine dask")

    def reported(self) -> dict[str, object]:
        """The options that change results, for the report (no paths, no threads)."""
        where = {
            "threads",
            "batch_rows",
            "storage_options",
            "target",
            "engine",
            "scheduler",
            "workers",
            "dashboard",
        }
        out = {k: v for k, v in asdict(self).items() if k not in where}
        out["include"] = list(self.include)
        out["exclude"] = list(self.exclude)
        return out


@dataclass(frozen=True, slots=True)
class FeatureRanking:
    """One feature's line in the ranking; information quantities in bits."""

    name: str
    rank: int
    score: float
    mi: float
    expected_mi: float
    ami_normalized: float
    symmetric_uncertainty: float
    p_value: float
    entropy: float
    levels: int
    levels_exact: bool
    missing_share: float
    kind: str
    bins: int | None


@dataclass(frozen=True, slots=True)
class TargetInfo:
    name: str
    kind: str
    levels: int
    entropy: float
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    bin_edges: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class RankResult:
    paths: tuple[str, ...]
    rows: int
    rows_dropped: int
    target: TargetInfo
    options: RankOptions
    features: tuple[FeatureRanking, ...]
    skipped: tuple[tuple[str, str], ...]
    timings: dict[str, float]


def target_info(counts: TableCounts) -> TargetInfo:
    t = counts.target
    class_counts = np.asarray(t.class_counts, dtype=np.int64)
    return TargetInfo(
        name=t.name,
        kind=str(t.kind),
        levels=int(np.count_nonzero(class_counts)),
        entropy=information.entropy(class_counts) / LN2,
        labels=t.labels,
        counts=tuple(int(c) for c in class_counts),
        bin_edges=t.edges,
    )


def score_features(
    features: Sequence[EncodedFeature], options: RankOptions, *, threads: int
) -> list[FeatureRanking]:
    """Relevance of each feature, sorted best first (ties keep input column order)."""

    def one(feature: EncodedFeature) -> tuple[EncodedFeature, object]:
        summary = TableSummary.of(feature.table, permutations=options.permutations, seed=options.seed)
        return feature, relevance(summary, correction=options.correction)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        scored = list(pool.map(one, features))
    scores = np.array([r.score for _, r in scored], dtype=np.float64)  # type: ignore[attr-defined]
    # round so that float noise from summation order cannot reorder ties
    order = np.argsort(-np.round(scores, 12), kind="mergesort")
    out = []
    for position, index in enumerate(order, start=1):
        feature, rel = scored[index]
        out.append(
            FeatureRanking(
                name=feature.name,
                rank=position,
                score=rel.score,
                mi=rel.mi,
                expected_mi=rel.expected_mi,
                ami_normalized=rel.ami_normalized,
                symmetric_uncertainty=rel.symmetric_uncertainty,
                p_value=rel.p_value,
                entropy=rel.entropy,
                levels=feature.levels,
                levels_exact=feature.levels_exact,
                missing_share=feature.missing_share,
                kind=str(feature.kind),
                bins=feature.bins,
            )
        )
    return out


def count_with_engine(
    source: Source,
    plan: ColumnPlan,
    options: RankOptions,
    *,
    threads: int,
    sample_rows: int = 0,
    progress: ProgressCallback = ignore_progress,
) -> TableCounts:
    """The counting pass with the options' engine, level cap, bins and seed."""
    return engine.count(
        source,
        plan,
        engine=options.engine,
        max_levels=options.max_levels,
        bins=options.bins,
        threads=threads,
        batch_rows=options.batch_rows,
        sample_rows=sample_rows,
        seed=options.seed,
        scheduler=options.scheduler,
        workers=options.workers,
        dashboard=options.dashboard,
        progress=progress,
    )


@dataclass(frozen=True, slots=True)
class RankedPass:
    """The pass over the table, its encoded features and their exact relevance."""

    counts: TableCounts
    encoded: tuple[EncodedFeature, ...]
    ranking: tuple[FeatureRanking, ...]
    threads: int
    started: float
    stats_seconds: float


def ranked_pass(
    paths: Sequence[str],
    options: RankOptions,
    *,
    sample_rows: int = 0,
    progress: ProgressCallback = ignore_progress,
) -> RankedPass:
    """Resolve the input, plan the columns, count them in one pass, score every feature."""
    started = time.perf_counter()
    options.validate()
    warm_up_in_background()
    source = resolve(
        paths,
        separator=options.separator,
        file_format=options.input_format,
        storage_options=options.storage_options,
        null_values=options.null_values,
    )
    plan = plan_columns(
        source.schema(),
        target=options.target,
        include=split_patterns(options.include),
        exclude=split_patterns(options.exclude),
    )
    threads = options.threads or default_threads()
    counts = count_with_engine(
        source, plan, options, threads=threads, sample_rows=sample_rows, progress=progress
    )
    stats_started = time.perf_counter()
    progress(Progress("stats", counts.rows))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        encoded = tuple(pool.map(lambda c: encode_feature(c, bins=options.bins), counts.columns))
    ranking = tuple(score_features(encoded, options, threads=threads))
    return RankedPass(counts, encoded, ranking, threads, started, time.perf_counter() - stats_started)


def rank_table(
    paths: Sequence[str], options: RankOptions, *, progress: ProgressCallback = ignore_progress
) -> RankResult:
    """Rank every feature column of the table at ``paths`` by relevance to ``options.target``."""
    ranked = ranked_pass(paths, options, progress=progress)
    counts = ranked.counts
    finished = time.perf_counter()
    return RankResult(
        paths=counts.source.paths,
        rows=counts.rows,
        rows_dropped=counts.rows_dropped,
        target=target_info(counts),
        options=options,
        features=ranked.ranking,
        skipped=counts.skipped,
        timings={
            "read_and_count_seconds": round(counts.seconds, 4),
            "statistics_seconds": round(ranked.stats_seconds, 4),
            "total_seconds": round(finished - ranked.started, 4),
        },
    )
