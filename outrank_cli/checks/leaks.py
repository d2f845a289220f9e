"""``pair_leak``: two columns that together determine the target though neither alone does.

A leak split over two columns (an order id and a line number whose combination is the label,
a timestamp pair whose difference is the outcome) passes the single-column ``target_leak``
check. A pair is a leak when its chance-corrected joint relevance (``stats.interactions``: the
pair as one variable of its combinations, with its exact expected MI) is at least
``leak_warning`` of the target's entropy (an error from ``leak_error``) while each of its
columns alone stays under ``leak_warning``.

A leak is a large effect, so the gate stays cheap on wide tables: with more than
``LEAK_PAIRS`` pairs, every pair is screened on ``LEAK_SCREEN_ROWS`` rows of the sample (the
coarse gain test of ``stats.interactions.screen``, blind to the columns' own relevance) and
only the best ``LEAK_PAIRS`` get their joint relevance computed on the whole sample.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.pipeline import Scored
from outrank_cli.select.interactions import pair_features
from outrank_cli.stats.interactions import joint_score, screen, single_score
from outrank_cli.stats.relevance import LN2

LEAK_SCREEN_ROWS = 2_048
LEAK_PAIRS = 50


def _candidates(scored: Scored, pool: ThreadPoolExecutor) -> list[tuple[int, int]]:
    columns = scored.sample
    assert columns is not None
    features = pair_features(scored)
    if len(features) * (len(features) - 1) // 2 <= LEAK_PAIRS:
        return [(a, b) for x, a in enumerate(features) for b in features[x + 1 :]]
    first, second, deviate = screen(
        columns, features, seed=scored.options.seed, pool=pool, screen_rows=LEAK_SCREEN_ROWS
    )
    best = np.argsort(-np.round(deviate, 9), kind="mergesort")[:LEAK_PAIRS]
    return [(int(first[k]), int(second[k])) for k in best]


def pair_leak_findings(scored: Scored, t: Thresholds, *, pool: ThreadPoolExecutor) -> list[Finding]:
    """A ``pair_leak`` finding for every pair that determines much of the target together."""
    columns = scored.sample
    target_entropy = scored.target.entropy
    if columns is None or target_entropy <= 0:
        return []
    pairs = _candidates(scored, pool)
    involved = sorted({i for pair in pairs for i in pair})
    alone = dict(
        zip(involved, pool.map(lambda i: single_score(columns, i).score / LN2, involved), strict=True)
    )
    out = []
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
