"""Duplicate and near-duplicate feature pairs, on the row sample.

Pairs are screened by entropy first: normalized MI is at most min(H_a, H_b) / mean(H_a, H_b),
so pairs whose entropies differ too much are never counted. When many pairs are left (wide
tables), a block-MinHash screen (``checks.screen``) drops the pairs whose rows are grouped
unlike each other before the survivors are counted exactly.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.screen import screen_pairs
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.pipeline import Scored
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.stats.pairs import pair_stats

# entropies on the sample and on all rows differ a little; screen with some slack
_SCREEN_SLACK = 0.02
# fewer pairs than this are all counted exactly (a second or two); more go through the MinHash screen
MINHASH_ABOVE = 2_000


def pair_findings(
    scored: Scored,
    t: Thresholds,
    *,
    pool: ThreadPoolExecutor,
    minhash_above: int = MINHASH_ABOVE,
    progress: ProgressCallback = ignore_progress,
) -> list[Finding]:
    """Duplicate and near-duplicate feature pairs, on the sample, after entropy screening
    (and, past ``minhash_above`` pairs, the MinHash screen); ``progress`` hears of the pairs
    counted."""
    columns = scored.sample
    assert columns is not None, "pair findings need a pass with a row sample"
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
    progress(Progress("pairs", 0, len(screened), unit="pairs"))
    if len(screened) > minhash_above:
        screened = screen_pairs(columns, screened, pool=pool, seed=scored.options.seed)
    out: list[Finding] = []
    every = max(len(screened) // 200, 1)
    results = pool.map(lambda pair: pair_stats(columns, pair[0], pair[1], with_target=False), screened)
    for done, stats in enumerate(results, 1):
        if done % every == 0 or done == len(screened):
            progress(Progress("pairs", done, len(screened), unit="pairs"))
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
