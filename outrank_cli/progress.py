"""Progress reporting from the library: a callback, never printing (DESIGN invariant 5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event: ``phase`` ("target" pre-pass, "count", "stats"), rows so far."""

    phase: str
    rows: int
    total_rows: int | None = None


ProgressCallback = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    """The default callback: report nothing."""
