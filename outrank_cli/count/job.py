"""One counting pass, as the engines receive it."""

from __future__ import annotations

from dataclasses import dataclass

from outrank_cli.encode.columns import ColumnPlan
from outrank_cli.options import EncodeOptions
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.source import Source
from outrank_cli.source.batches import batch_rows_for


@dataclass(frozen=True, kw_only=True)
class CountJob:
    """What to read (``source``, ``plan``), how to encode it, and what to keep.

    ``batch_rows`` is the user's choice (None: about 4M cells per batch); ``sample_rows > 0``
    keeps a uniform sample of that many encoded rows, chosen with ``seed``.
    """

    source: Source
    plan: ColumnPlan
    encode: EncodeOptions
    batch_rows: int | None = None
    sample_rows: int = 0
    seed: int = 0
    progress: ProgressCallback = ignore_progress

    @property
    def rows_per_batch(self) -> int:
        return self.batch_rows or batch_rows_for(len(self.plan.features) + 1)
