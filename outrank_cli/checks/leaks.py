"""``pair_leak``: two columns that together determine the target though neither alone does.

A leak split over two columns (an order id and a line number whose combination is the label,
a timestamp pair whose difference is the outcome) passes the single-column ``target_leak``
check. The pairs come from the interaction search on the row sample (``select.interactions``:
every pair screened on coarse codes, the best evaluated exactly); a pair is a leak when its
chance-corrected joint relevance is at least ``leak_warning`` (an error from ``leak_error``)
of the target's entropy while each of its columns alone stays under ``leak_warning``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from outrank_cli.checks.findings import Finding, Severity
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.options import InteractionOptions
from outrank_cli.pipeline import Scored
from outrank_cli.select.interactions import search_interactions

# a leak is a large effect: a small screen finds it, so the gate stays cheap on wide tables
LEAK_SCREEN_ROWS = 4_096
LEAK_PAIRS = 200


def pair_leak_findings(scored: Scored, t: Thresholds, *, pool: ThreadPoolExecutor) -> list[Finding]:
    """A ``pair_leak`` finding for every pair that determines much of the target together."""
    target_entropy = scored.target.entropy
    if scored.sample is None or target_entropy <= 0:
        return []
    options = InteractionOptions(max_pairs=LEAK_PAIRS, sample_rows=max(scored.sample.rows, 100))
    search = search_interactions(scored, options, pool=pool, screen_rows=LEAK_SCREEN_ROWS)
    out = []
    for p in search.pairs:
        share = p.score / target_entropy
        alone = max(p.a_score, p.b_score) / target_entropy
        if share < t.leak_warning or alone >= t.leak_warning:
            continue
        severity = Severity.ERROR if share >= t.leak_error else Severity.WARNING
        out.append(
            Finding(
                "pair_leak",
                severity,
                p.a,
                f"columns {p.a!r} and {p.b!r} together explain {share:.0%} of the target's entropy "
                f"(alone at most {max(alone, 0.0):.0%}): a likely leak of the target split over two columns",
                {
                    "share": share,
                    "share_alone": alone,
                    "score": p.score,
                    "target_entropy": target_entropy,
                    "sample_rows": scored.sample.rows,
                },
                other=p.b,
            )
        )
    return out
