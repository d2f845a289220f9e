"""Progress reporting from the library: a callback, never printing (DESIGN invariant 5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event: ``phase`` ("target" pre-pass, "count", "stats", and after the pass
    "screen" (pairs judged by a screen before any is counted), "pairs" or "selection"; ``evaluate``'s
    "model" and "search" count fits), how much is done
    (``rows``, or the ``unit`` counted) and of how much in all (``total_rows``; None when
    unknown, an estimate for CSV)."""

    phase: str
    rows: int
    total_rows: int | None = None
    unit: str = "rows"


ProgressCallback = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    """The default callback: report nothing."""
