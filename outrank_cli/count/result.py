"""The result of a pass (``TableCounts``) and the end-of-pass work that makes it canonical."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from outrank_cli.count.counter import ColumnCounter
from outrank_cli.count.sample import RowSample
from outrank_cli.count.state import PassState
from outrank_cli.encode.columns import ColumnPlan
from outrank_cli.encode.features import ColumnCounts
from outrank_cli.encode.keys import key_to_value
from outrank_cli.encode.target import BinnedTarget, ClassTarget, TargetKind, kind_for
from outrank_cli.errors import InputError, TargetError
from outrank_cli.parallel import map_in_chunks
from outrank_cli.source import Source
from outrank_cli.source.problems import where


@dataclass(frozen=True, slots=True)
class TargetSummary:
    """The encoded target: kind, class counts (rows per code) and, if binned, bin edges."""

    name: str
    kind: TargetKind
    class_counts: np.ndarray
    labels: tuple[str, ...]
    edges: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class TableCounts:
    """Everything the statistics stages need from the pass."""

    source: Source
    rows: int
    rows_dropped: int
    target: TargetSummary
    columns: tuple[ColumnCounts, ...]
    skipped: tuple[tuple[str, str], ...]
    seconds: float
    sample: RowSample | None = None
    plan: ColumnPlan | None = None  # how each column was counted (views, multi-valued)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)  # text values by key


def _finish_counters(
    counters: list[ColumnCounter],
    width: int,
    pool: ThreadPoolExecutor | None,
    mapping: np.ndarray | None = None,
) -> None:
    """``ColumnCounter.close`` every counter (target columns in canonical order, ``finish``),
    the biggest first, on ``pool`` (the sorts and re-aggregations of big columns run in numpy,
    mostly outside the GIL)."""

    def finish(counter: ColumnCounter) -> None:
        counter.close(width, mapping)

    if pool is None or len(counters) < 2:
        for counter in counters:
            finish(counter)
        return
    map_in_chunks(pool, finish, sorted(counters, key=lambda c: -c.n_levels))


def _results(counters: list[ColumnCounter]) -> list[ColumnCounts]:
    """Every finished counter's final counts; the results take over the counters' tables."""
    return [counter.result(spent=True) for counter in counters]


def _pending_recode(counter: ColumnCounter) -> np.ndarray | None:
    """The counter's code maps not yet applied to the row sample, as one map (old code ->
    newest code; None when there are none); they count as applied from now on."""
    recode = None
    for remap in counter.pending_remaps:
        recode = remap if recode is None else remap[recode]
    counter.pending_remaps.clear()
    return recode


def finish_pass(
    state: PassState,
    source: Source,
    plan: ColumnPlan,
    *,
    seconds: float,
    pool: ThreadPoolExecutor | None = None,
) -> TableCounts:
    """Checks on the target, canonical orders, final coarsening; the result of the pass."""
    rows, dropped = state.rows, state.dropped
    if rows == 0:
        raise InputError(f"{where(source)}: the table has no data rows")
    if rows == dropped:
        raise TargetError(
            f"target column {plan.target!r} is missing in every one of the {rows} rows; choose another --target"
        )
    encoder = state.target
    if int(np.count_nonzero(encoder.class_counts)) < 2:
        raise TargetError(
            f"target column {plan.target!r} has a single value in all {rows - dropped} rows with a "
            "target, so nothing can be informative about it; choose another --target"
        )
    width = max(encoder.n_levels, 1)
    sample = state.sample
    if not state.columns_finished:
        mapping = encoder.canonical_order() if isinstance(encoder, ClassTarget) else None
        if sample is not None and mapping is not None:
            sample.remap_target(mapping)
        _finish_counters(state.counters, width, pool, mapping)
    recode = [_pending_recode(counter) for counter in state.counters]
    if sample is not None:
        sample.finish(recode)  # each column reordered and re-coded when it is read
    return TableCounts(
        source=source,
        rows=rows,
        rows_dropped=dropped,
        target=_summarize_target(encoder),
        columns=tuple(_results(state.counters)),
        skipped=plan.skipped,
        seconds=seconds,
        sample=sample,
        plan=plan,
        value_labels={state.counters[i].name: labels for i, labels in state.value_labels.items()},
    )


def _summarize_target(encoder: ClassTarget | BinnedTarget) -> TargetSummary:
    if isinstance(encoder, BinnedTarget):
        if encoder.binned:
            labels = tuple(f"bin {i}" for i in range(encoder.n_levels))
        else:
            labels = tuple(
                _number_label(key_to_value(int(k) << encoder.key_shift, encoder.family))
                for k in encoder.cell_keys
            )
        return TargetSummary(
            encoder.name,
            kind_for(encoder.n_levels, binned=encoder.binned),
            encoder.class_counts,
            labels,
            tuple(encoder.edges),
        )
    return TargetSummary(
        encoder.name,
        kind_for(encoder.n_levels, binned=False),
        encoder.class_counts,
        tuple(encoder.labels),
        (),
    )


def _number_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
