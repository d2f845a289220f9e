"""Options of a run, composed from small parts: read, encode, engine, score, search, check.

Every command runs the same pipeline with ``PassOptions`` (the table, its columns and the parts
every command shares); ``select``, ``redundancy`` and ``check`` add their own part. All parts
are frozen, keyword-only dataclasses whose defaults match the command line; ``validate`` raises
``UsageError`` with the option's name, the value and the valid range. Names that pick from a
registry (``--correction``, ``--engine``, ``--criterion``) are checked against the registry by
the stage that owns it (``pipeline.check_options``, ``select.subset``). Nothing here imports
numpy or polars: the command line builds these before the heavy imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.errors import UsageError

FAIL_ON = ("error", "warning", "info", "never")


def _at_least(name: str, value: int | None, low: int) -> None:
    if value is not None and value < low:
        raise UsageError(f"{name} must be >= {low}, got {value}")


def finite(name: str, value: float) -> None:
    """Refuse NaN and infinities, which compare false with every bound and pass range checks."""
    if not math.isfinite(value):
        raise UsageError(f"{name} must be a finite number, got {value}")


def _probability(name: str, value: float) -> None:
    finite(name, value)
    if not 0.0 < value < 1.0:
        raise UsageError(f"{name} must be between 0 and 1, got {value}")


def _between(name: str, value: int, low: int, high: int) -> None:
    if value < low or value > high:
        raise UsageError(f"{name} must be between {low} and {high}, got {value}")


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How the input is read: CSV dialect, format, remote settings, batch size."""

    separator: str | None = None
    input_format: str | None = None
    null_values: tuple[str, ...] | None = None
    storage_options: dict[str, str] = field(default_factory=dict)
    batch_rows: int | None = None

    def validate(self) -> None:
        _at_least("--batch-rows", self.batch_rows, 1)


@dataclass(frozen=True, kw_only=True)
class EncodeOptions:
    """How columns become codes: equal-frequency bins of numbers, the level cap."""

    bins: int = 16
    max_levels: int = 65_536

    def validate(self) -> None:
        _between("--bins", self.bins, 2, 4096)
        _between("--max-levels", self.max_levels, 2, 16_777_216)


@dataclass(frozen=True, kw_only=True)
class EngineOptions:
    """Where the pass runs: threads on this machine, or a Dask cluster."""

    engine: str = "local"
    threads: int | None = None
    scheduler: str | None = None
    workers: int | None = None
    dashboard: bool = False

    def validate(self) -> None:
        _at_least("--threads", self.threads, 1)
        _at_least("--workers", self.workers, 1)
        if self.engine == "local" and (self.scheduler or self.workers):
            raise UsageError("--scheduler and --workers need --engine dask")


@dataclass(frozen=True, kw_only=True)
class ScoreOptions:
    """The relevance score: the chance correction and its permutations."""

    correction: str = "ami"
    permutations: int = 200

    def validate(self) -> None:
        _between("--permutations", self.permutations, 1, 100_000)


@dataclass(frozen=True, kw_only=True)
class PassOptions:
    """One pass over a table: the target, the feature columns, and the shared parts.

    ``seed`` seeds every random draw (permutations, the row sample, the ``outrank``
    background). ``categorical`` / ``numeric`` (column names or globs) force the view of number
    columns; ``multivalue`` (``NAME:SEP``) names text columns that hold SEP-separated values.
    """

    target: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    multivalue: tuple[str, ...] = ()
    seed: int = 0
    read: ReadOptions = field(default_factory=ReadOptions)
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    engine: EngineOptions = field(default_factory=EngineOptions)
    score: ScoreOptions = field(default_factory=ScoreOptions)

    def validate(self) -> None:
        self.encode.validate()
        self.score.validate()
        self.read.validate()
        self.engine.validate()

    def reported(self) -> dict[str, Any]:
        """The options that change results, for the report (no paths, threads or engine)."""
        return {
            "include": list(self.include),
            "exclude": list(self.exclude),
            "bins": self.encode.bins,
            "max_levels": self.encode.max_levels,
            "correction": self.score.correction,
            "permutations": self.score.permutations,
            "seed": self.seed,
            "separator": self.read.separator,
            "input_format": self.read.input_format,
            "null_values": None if self.read.null_values is None else list(self.read.null_values),
            "categorical": list(self.categorical),
            "numeric": list(self.numeric),
            "multivalue": list(self.multivalue),
        }


def _sample_rows(value: int) -> None:
    if value < 100:
        raise UsageError(f"--sample-rows must be >= 100, got {value}")


@dataclass(frozen=True, kw_only=True)
class SearchOptions:
    """The greedy subset search of ``select``."""

    k: int | None = None
    criterion: str = "jmi"
    # the false-discovery level of the automatic stop. At 0.01 the subsets of 13 real tables lost
    # up to 0.019 AUC more (phone_churn), and the generated tables of 1,000 and 3,000 rows gave
    # 204 of their 412 planted columns against 237 at 0.05, for 3 noise columns among the 81
    # taken at 1,000 rows (within the 5 % the level promises; benchmarks/README.md)
    significance: float = 0.05
    sample_rows: int = 1_000_000
    redundancy_weight: float = 1.0
    relation_weight: float = 1.0
    interactions: bool = False

    def validate(self) -> None:
        if self.k is not None and self.k < 1:
            raise UsageError(f"--k must be >= 1, got {self.k}; leave it out to stop automatically")
        finite("--significance", self.significance)
        finite("--redundancy-weight", self.redundancy_weight)
        finite("--relation-weight", self.relation_weight)
        if not 0.0 < self.significance < 1.0:
            raise UsageError(f"--significance must be between 0 and 1, got {self.significance}")
        _sample_rows(self.sample_rows)

    def reported(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "criterion": self.criterion,
            "significance": self.significance,
            "sample_rows": self.sample_rows,
            "redundancy_weight": self.redundancy_weight,
            "relation_weight": self.relation_weight,
            # only when asked for: reports without it keep their bytes
            **({"interactions": True} if self.interactions else {}),
        }


@dataclass(frozen=True, kw_only=True)
class RedundancyOptions:
    """The pair search of ``redundancy``."""

    top: int = 50
    sample_rows: int = 1_000_000

    def validate(self) -> None:
        _at_least("--top", self.top, 1)
        _sample_rows(self.sample_rows)

    def reported(self) -> dict[str, Any]:
        # the report has always carried select's search options too (same sample)
        return SearchOptions(sample_rows=self.sample_rows).reported()


@dataclass(frozen=True, kw_only=True)
class InteractionOptions:
    """The pair search of ``interactions``: how many pairs are evaluated exactly and reported."""

    top: int = 50
    max_pairs: int = 1_000
    significance: float = 0.01
    sample_rows: int = 200_000

    def validate(self) -> None:
        _at_least("--top", self.top, 1)
        _at_least("--max-pairs", self.max_pairs, 1)
        _probability("--significance", self.significance)
        _sample_rows(self.sample_rows)

    def reported(self) -> dict[str, Any]:
        return {
            "top": self.top,
            "max_pairs": self.max_pairs,
            "significance": self.significance,
            "sample_rows": self.sample_rows,
        }


@dataclass(frozen=True, kw_only=True)
class CheckOptions:
    """The gate of ``check``: what fails it, what is ignored, the baseline, the thresholds."""

    sample_rows: int = 200_000
    fail_on: str = "error"
    ignore: tuple[str, ...] = ()
    baseline: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)

    def validate(self) -> None:
        _sample_rows(self.sample_rows)
        if self.fail_on not in FAIL_ON:
            raise UsageError(f"unknown --fail-on {self.fail_on!r}; valid: {', '.join(FAIL_ON)}")

    def reported(self) -> dict[str, Any]:
        return {
            "sample_rows": self.sample_rows,
            "fail_on": self.fail_on,
            "ignore": list(self.ignore),
            "baseline": self.baseline,
            "thresholds": dict(self.thresholds.__dict__),
        }


@dataclass(frozen=True, kw_only=True)
class EvaluateOptions:
    """The cross-validation: folds, the row sample, the model's size."""

    folds: int = 5
    sample_rows: int = 100_000
    trees: int = 100
    learning_rate: float = 0.1
    seed: int = 0
    threads: int | None = None  # OpenMP threads of the model (None: all cores)

    def validate(self) -> None:
        if not 2 <= self.folds <= 50:
            raise UsageError(f"--folds must be between 2 and 50, got {self.folds}")
        if self.sample_rows < 100:
            raise UsageError(f"--sample-rows must be >= 100, got {self.sample_rows}")
        if not 1 <= self.trees <= 10_000:
            raise UsageError(f"--trees must be between 1 and 10000, got {self.trees}")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"--threads must be >= 1, got {self.threads}")
        if not 0.0 < self.learning_rate <= 1.0:
            raise UsageError(f"--learning-rate must be in (0, 1], got {self.learning_rate}")

    def reported(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "sample_rows": self.sample_rows,
            "trees": self.trees,
            "learning_rate": self.learning_rate,
            "seed": self.seed,
        }
