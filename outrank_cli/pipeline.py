"""The one pipeline every command runs: resolve, plan, count, bin, score.

``run_pass`` reads the table once (DESIGN "Data flow"): the source is resolved (or taken
over from the command's ``EarlyStart``), the columns planned, every column counted against
the target by the chosen engine, numeric columns binned, and every feature scored. With
``sample_rows``, the pass also keeps a uniform row sample whose codes the pairwise stages
(select, redundancy, the pair checks) use. All threads of a run come from one pool
(``worker_pool``), which the command opens and hands to each stage.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from outrank_cli.count.engine import ENGINES, count
from outrank_cli.count.job import CountJob
from outrank_cli.count.result import TableCounts
from outrank_cli.count.sample import INDICATOR_LEVELS, RowSample
from outrank_cli.encode.columns import plan_columns
from outrank_cli.encode.features import ColumnCounts, EncodedFeature, encode_views
from outrank_cli.encode.multivalue import delimited_as_text
from outrank_cli.encode.target import TargetKind
from outrank_cli.errors import UsageError
from outrank_cli.kernels.warmup import warm_up_in_background
from outrank_cli.options import PassOptions
from outrank_cli.parallel import OnDemand, map_in_chunks
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.source import Source, resolve
from outrank_cli.source.early import EarlyStart
from outrank_cli.source.table import Unparsable
from outrank_cli.stats.pairs import Gather, Result, SampleColumns, StoredCodes
from outrank_cli.stats.ranking import FeatureRanking, TargetInfo, score_features, target_info
from outrank_cli.stats.relevance import CORRECTIONS


def default_threads() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def check_options(options: PassOptions) -> None:
    """Every value in range and every name in its registry (``UsageError`` otherwise)."""
    options.validate()
    for flag, name, registry in (
        ("--correction", options.score.correction, CORRECTIONS),
        ("--engine", options.engine.engine, ENGINES),
    ):
        if name not in registry:
            raise UsageError(f"unknown {flag} {name!r}; valid: {', '.join(registry)}")


@contextmanager
def worker_pool(options: PassOptions) -> Iterator[ThreadPoolExecutor]:
    """The run's thread pool: ``--threads`` workers (default: every core). The options are
    checked first, so a bad value is a usage error before any thread starts."""
    check_options(options)
    threads = options.engine.threads or default_threads()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outrank") as pool:
        yield pool


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What every report says about its run: the input, its rows, the target, the options.

    ``sample_rows`` is the size of the row sample (None when none was kept); ``skipped``
    lists the columns of unsupported types with the reason.
    """

    paths: tuple[str, ...]
    rows: int
    rows_dropped: int
    sample_rows: int | None
    target: TargetInfo
    options: PassOptions
    skipped: tuple[tuple[str, str], ...]
    renamed: tuple[tuple[str, str], ...] = ()  # repeated header names: (name, the copy's new name)
    unparsable: tuple[Unparsable, ...] = ()  # numeric CSV columns' values that are no number


@dataclass(frozen=True, slots=True)
class Scored:
    """The pass over the table, its encoded features and their exact relevance; with a
    row sample, the final codes of every feature on it (``sample``)."""

    counts: TableCounts
    encoded: tuple[EncodedFeature, ...]
    ranking: tuple[FeatureRanking, ...]
    target: TargetInfo
    sample: SampleColumns | None
    options: PassOptions
    started: float
    stats_seconds: float

    @property
    def source(self) -> Source:
        return self.counts.source

    def run_info(self) -> RunInfo:
        return RunInfo(
            paths=self.counts.source.paths,
            rows=self.counts.rows,
            rows_dropped=self.counts.rows_dropped,
            sample_rows=None if self.sample is None else self.sample.rows,
            target=self.target,
            options=self.options,
            skipped=self.counts.skipped,
            renamed=self.counts.source.renamed_columns(),
            unparsable=self.counts.source.unparsable_values(),
        )

    def timings(self, **phases: float) -> dict[str, float]:
        """Seconds of the pass, of each named phase after it, and of the whole run so far."""
        return {
            "read_and_count_seconds": round(self.counts.seconds, 4),
            **{f"{name}_seconds": round(seconds, 4) for name, seconds in phases.items()},
            "total_seconds": round(time.perf_counter() - self.started, 4),
        }


@dataclass(frozen=True)
class Request:
    """One run over a table: the input, the options, and (from the command line) the early
    start and a progress callback. Every command of the library takes one::

        rank_table(Request(["data.csv"], PassOptions(target="y")))
    """

    paths: Sequence[str]
    options: PassOptions
    early: EarlyStart | None = None
    progress: ProgressCallback = ignore_progress

    @contextmanager
    def scored(
        self, *, sample_rows: int = 0, every_column: bool = True, narrow_codes: bool = False
    ) -> Iterator[tuple[Scored, ThreadPoolExecutor]]:
        """The scored pass (with a row sample of ``sample_rows``), and the run's thread pool
        for the stages that follow; the pool closes when the block ends. Without
        ``every_column``, a column's sample codes are made when first read (``OnDemand``):
        a greedy search reads those of a few signals among thousands of columns. With
        ``narrow_codes``, the sample codes of columns of up to 65,536 levels stay ``uint16``
        (``sample_columns``): for stages whose kernels read them as they are."""
        with worker_pool(self.options) as pool:
            yield (
                run_pass(
                    self.paths,
                    self.options,
                    pool=pool,
                    sample_rows=sample_rows,
                    every_column=every_column,
                    narrow_codes=narrow_codes,
                    early=self.early,
                    progress=self.progress,
                ),
                pool,
            )


def run_pass(
    paths: Sequence[str],
    options: PassOptions,
    *,
    pool: ThreadPoolExecutor,
    sample_rows: int = 0,
    every_column: bool = True,
    narrow_codes: bool = False,
    early: EarlyStart | None = None,
    progress: ProgressCallback = ignore_progress,
) -> Scored:
    """Resolve the input, plan the columns, count them in one pass, score every feature
    (``every_column`` and ``narrow_codes``: see ``Request.scored``)."""
    started = time.perf_counter()
    check_options(options)
    warm_up_in_background()
    try:
        source = early.source(paths, options.read) if early is not None else None
        if source is None:
            source = resolve(paths, options.read)
        source = delimited_as_text(source, options.multivalue)
        plan = plan_columns(
            source.schema(),
            target=options.target,
            include=options.include,
            exclude=options.exclude,
            categorical=options.categorical,
            numeric=options.numeric,
            multivalue=options.multivalue,
        )
        job = CountJob(
            source=source,
            plan=plan,
            encode=options.encode,
            batch_rows=options.read.batch_rows,
            sample_rows=sample_rows,
            seed=options.seed,
            progress=progress,
        )
        counts = count(job, options.engine, pool=pool, early=early)
    finally:
        if early is not None:
            early.close()
    stats_started = time.perf_counter()
    progress(Progress("stats", counts.rows))
    counted = counts.plan
    assert counted is not None  # the plan the pass ended with (a CSV column may have been re-typed)

    def views(column: ColumnCounts) -> tuple[EncodedFeature, ...]:
        forced = counted.views.get(column.name)
        multivalue = column.name in counted.multivalue
        rows = counts.rows - counts.rows_dropped
        return encode_views(column, bins=options.encode.bins, forced=forced, multivalue=multivalue, rows=rows)

    candidates = map_in_chunks(pool, views, counts.columns)
    ranked, encoded = score_features(candidates, counts, options.score, seed=options.seed, pool=pool)
    ranking = tuple(ranked)
    sample = None
    if counts.sample is not None:
        sample = sample_columns(
            encoded,
            counts.sample,
            pool if every_column else None,
            narrow=narrow_codes,
            target_ordered=counts.target.kind is TargetKind.NUMERIC,
        )
    return Scored(
        counts=counts,
        encoded=encoded,
        ranking=ranking,
        target=target_info(counts),
        sample=sample,
        options=options,
        started=started,
        stats_seconds=time.perf_counter() - stats_started,
    )


def sample_columns(
    encoded: Sequence[EncodedFeature],
    sample: RowSample,
    pool: ThreadPoolExecutor | None,
    *,
    narrow: bool = False,
    target_ordered: bool = False,
) -> SampleColumns:
    """The final codes of every feature on the row sample (numeric columns as their bins),
    converted on ``pool``, or each when first read (``OnDemand``) without one; ``int32``, or
    with ``narrow`` ``uint16`` wherever they fit (``RowSample.final_codes``).

    The sample hands each column's storage back as it is converted (``RowSample.final_codes``):
    on a wide table a second copy of the sample would raise the peak memory. Call it once.
    A numeric view of three or more bins is ``ordered`` (its pairs are trend-tested), and the
    target when ``target_ordered`` (a numeric target's bins). Without a pool a column not yet
    read can also be read where the sample stores it (``SampleColumns.stored``): the
    additive stage tests every column so, without making 10,000 code arrays.
    """

    # a multi-valued column: the indicator of its best value, when its values are on record
    indicator = [f.value_key is not None and sample.values.kept(i) for i, f in enumerate(encoded)]

    def convert(index: int) -> np.ndarray:
        key = encoded[index].value_key
        if indicator[index] and key is not None:
            return sample.indicator_codes(index, key)
        return sample.final_codes(index, encoded[index].sample_map, narrow=narrow)

    codes: Sequence[np.ndarray]
    stored: StoredCodes | None = None
    if pool is None:
        on_demand = codes = OnDemand(convert, len(encoded))

        def read_stored(index: int, use: Callable[[Gather], Result]) -> Result:
            if indicator[index]:
                return use(Gather(on_demand[index]))
            return on_demand.read(
                index,
                lambda made: use(Gather(made)),
                lambda: use(Gather(*sample.stored(index, encoded[index].sample_map))),
            )

        stored = read_stored
    else:
        codes = tuple(map_in_chunks(pool, convert, range(len(encoded))))
    return SampleColumns(
        names=tuple(f.name for f in encoded),
        codes=codes,
        levels=tuple(INDICATOR_LEVELS if indicator[i] else f.sample_levels for i, f in enumerate(encoded)),
        target=np.ascontiguousarray(sample.target_codes()),
        n_target=int(encoded[0].table.shape[1]) if encoded else 1,
        ordered=tuple(not indicator[i] and f.ordered for i, f in enumerate(encoded)),
        target_ordered=target_ordered,
        stored=stored,
    )
