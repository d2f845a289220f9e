"""``pair_leak``: two columns that together determine the target though neither alone does.

A leak split over two columns (an order id and a line number whose combination is the label,
a timestamp pair whose difference is the outcome) passes the single-column ``target_leak``
check. A pair is a leak when its chance-corrected joint relevance (``stats.interactions``: the
pair as one variable of its combinations, with its exact expected MI) is at least
``leak_warning`` of the target's entropy (an error from ``leak_error``) while each of its
columns alone stays under ``leak_warning``.

A leak is a large effect, so the gate stays cheap on wide tables: with more than
``LEAK_PAIRS`` pairs, the pairs are screened on ``LEAK_SCREEN_ROWS`` rows of the sample (the
coarse gain test of ``stats.interactions.screen``, blind to the columns' own relevance) and
only the best ``LEAK_PAIRS`` get their joint relevance computed on the whole sample.

The screen looks at every pair up to ``LEAK_SCREEN_PAIRS`` pairs (1,000 columns). Beyond, the
pairs screened are those with at least one of the K most relevant columns, K as large as
that budget allows (50 of 10,000 columns), and a ``pair_leak_partial`` note says so: all
pairs of 10,000 columns (50 million) took 100 s, two thirds of the whole ``check``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.pipeline import Scored
from outrank_cli.progress import ProgressCallback, ignore_progress
from outrank_cli.select.interactions import pair_features
from outrank_cli.stats.interactions import joint_score, screen, single_score
from outrank_cli.stats.relevance import LN2

LEAK_SCREEN_ROWS = 2_048
LEAK_PAIRS = 50
LEAK_SCREEN_PAIRS = 499_500  # every pair of 1,000 columns: about a second of screening


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def leading_columns(n: int, budget: int) -> int:
    """The largest K whose pairs with at least one of K given columns among ``n`` (all pairs but
    those among the other ``n - K``) are at most ``budget``; ``n`` when every pair fits."""
    k = 0
    while k < n and _pairs(n) - _pairs(n - k - 1) <= budget:
        k += 1
    return k


def screened_pairs(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(first, second)``, ``first < second``, of the pairs with at least one of
    the ``k`` most relevant features by ``scores`` (ties by position), in position order:
    every pair when ``k`` covers them all."""
    n = scores.shape[0]
    if k >= n:
        first, second = np.triu_indices(n, k=1)
        return first, second
    lead = np.sort(np.lexsort((np.arange(n), -np.round(scores, 12)))[:k])
    rest = np.setdiff1d(np.arange(n), lead)
    among_first, among_second = np.triu_indices(k, k=1)
    with_rest = np.repeat(lead, rest.shape[0]), np.tile(rest, k)
    a = np.concatenate([lead[among_first], np.minimum(*with_rest)])
    b = np.concatenate([lead[among_second], np.maximum(*with_rest)])
    order = np.lexsort((b, a))
    return a[order], b[order]


def _candidates(
    scored: Scored, pool: ThreadPoolExecutor, progress: ProgressCallback
) -> tuple[list[tuple[int, int]], Finding | None]:
    """The pairs whose joint relevance is computed, and a note when the screen left pairs out."""
    columns = scored.sample
    assert columns is not None
    features = pair_features(scored)
    total = _pairs(len(features))
    if total <= LEAK_PAIRS:
        return [(a, b) for x, a in enumerate(features) for b in features[x + 1 :]], None
    chosen, lead = None, len(features)
    if total > LEAK_SCREEN_PAIRS:  # a fixed budget: past 1,000 columns it costs the same
        score = {r.name: r.score for r in scored.ranking}
        scores = np.array([score.get(columns.names[f], 0.0) for f in features], dtype=np.float64)
        lead = leading_columns(len(features), LEAK_SCREEN_PAIRS)
        chosen = screened_pairs(scores, lead)
    first, second, deviate = screen(
        columns,
        features,
        seed=scored.options.seed,
        pool=pool,
        screen_rows=LEAK_SCREEN_ROWS,
        pairs=chosen,
        progress=progress,
    )
    best = np.argsort(-np.round(deviate, 9), kind="mergesort")[:LEAK_PAIRS]
    note = None
    if chosen is not None:
        note = Finding(
            "pair_leak_partial",
            Severity.INFO,
            None,
            f"{len(features):,} columns make {total:,} pairs: pair leaks were looked for among the "
            f"{first.shape[0]:,} pairs with one of the {lead} most relevant columns only",
            {"pairs_total": total, "pairs_screened": int(first.shape[0]), "leading_columns": lead},
        )
    return [(int(first[k]), int(second[k])) for k in best], note


def pair_leak_findings(
    scored: Scored, t: Thresholds, *, pool: ThreadPoolExecutor, progress: ProgressCallback = ignore_progress
) -> list[Finding]:
    """A ``pair_leak`` finding for every pair that determines much of the target together;
    ``progress`` hears of the pairs screened (stage "screen")."""
    columns = scored.sample
    target_entropy = scored.target.entropy
    if columns is None or target_entropy <= 0:
        return []
    pairs, note = _candidates(scored, pool, progress)
    involved = sorted({i for pair in pairs for i in pair})
    alone = dict(
        zip(involved, pool.map(lambda i: single_score(columns, i).score / LN2, involved), strict=True)
    )
    out = [] if note is None else [note]
    for (a, b), score in zip(pairs, pool.map(lambda pair: joint_score(columns, *pair), pairs), strict=True):
        share = score / target_entropy
        share_alone = max(alone[a], alone[b]) / target_entropy
        if share < t.leak_warning or share_alone >= t.leak_warning:
            continue
        name_a, name_b = columns.names[a], columns.names[b]
        out.append(
            Finding(
                "pair_leak",
                Severity.ERROR if share >= t.leak_error else Severity.WARNING,
                name_a,
                f"columns {name_a!r} and {name_b!r} together explain {share:.0%} of the target's entropy "
                f"(alone at most {max(share_alone, 0.0):.0%}): a likely leak of the target split over two columns",
                {
                    "share": share,
                    "share_alone": share_alone,
                    "score": score,
                    "target_entropy": target_entropy,
                    "sample_rows": columns.rows,
                },
                other=name_b,
            )
        )
    return out
