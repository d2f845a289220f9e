"""``interactions``: the feature pairs that tell about the target more together, on the row sample.

The statistics are in ``stats.interactions``; this module chooses which pairs to evaluate
(all of them, or the best ``max_pairs`` after the screen), corrects their p-values for every
pair looked at, and orders them: significant pairs first, then by synergy, then by gain.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from outrank_cli.encode.features import FeatureKind
from outrank_cli.options import InteractionOptions
from outrank_cli.pipeline import Request, RunInfo, Scored
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.stats.interactions import (
    SCREEN_LEVELS,
    SCREEN_ROWS,
    PairInteraction,
    SingleScore,
    pair_interaction,
    sampled_rows,
    screen,
    single_score,
)

EXHAUSTIVE = "exhaustive"
SCREENED = "screened"


@dataclass(frozen=True, slots=True)
class Interaction:
    """One pair in a report; information in bits, p-values corrected for ``pairs_total``."""

    a: str
    b: str
    score: float
    gain: float
    synergy: float
    p_value: float
    significant: bool
    joint_p_value: float
    mi: float
    expected_mi: float
    a_score: float
    b_score: float
    combinations: int
    screen_deviate: float | None


@dataclass(frozen=True, slots=True)
class Screening:
    """How the pairs were chosen: ``exhaustive`` (every pair evaluated) or ``screened``."""

    method: str
    pairs_total: int
    pairs_screened: int
    pairs_evaluated: int
    rows: int | None
    levels: int | None


@dataclass(frozen=True, slots=True)
class InteractionSearch:
    """Every evaluated pair, best first (see ``order``), and how they were found."""

    pairs: tuple[Interaction, ...]
    screening: Screening


@dataclass(frozen=True, slots=True)
class InteractionsResult:
    run: RunInfo
    pair_options: InteractionOptions
    pairs: tuple[Interaction, ...]
    screening: Screening
    timings: dict[str, float]


def _order_key(item: tuple[Interaction, int, int]) -> tuple[bool, float, float, int, int]:
    """Significant first, then by synergy and gain; ties by the columns' order in the table."""
    p, a, b = item
    return (not p.significant, -round(p.synergy, 12), -round(p.gain, 12), a, b)


def pair_features(scored: Scored) -> list[int]:
    """The sample columns pairs are made of: not multi-valued, not constant on the sample."""
    columns = scored.sample
    assert columns is not None, "pairs need a pass with a row sample"
    kinds = {r.name: r.kind for r in scored.ranking}
    return [
        i
        for i, name in enumerate(columns.names)
        if kinds.get(name) != FeatureKind.MULTIVALUE and columns.rows > 0 and _varies(columns.codes[i])
    ]


def _varies(codes: np.ndarray) -> bool:
    """Whether ``codes`` hold two values: their first rows mostly tell (10,000 columns of 20,000
    rows compared whole took 0.1 s)."""
    return bool(np.any(codes[:64] != codes[0]) or np.any(codes != codes[0]))


def search_interactions(
    scored: Scored,
    options: InteractionOptions,
    *,
    pool: ThreadPoolExecutor,
    screen_rows: int = SCREEN_ROWS,
    progress: ProgressCallback = ignore_progress,
) -> InteractionSearch:
    """Evaluate the pairs of the searchable features of a scored pass with a row sample
    (screened on ``screen_rows`` sampled rows when there are more than ``max_pairs``)."""
    columns = scored.sample
    assert columns is not None, "interactions need a pass with a row sample"
    features = pair_features(scored)
    total = len(features) * (len(features) - 1) // 2
    deviates: dict[tuple[int, int], float] = {}
    if total <= options.max_pairs:
        chosen = [(a, b) for x, a in enumerate(features) for b in features[x + 1 :]]
        screening = Screening(EXHAUSTIVE, total, 0, total, None, None)
    else:
        first, second, deviate = screen(
            columns, features, seed=scored.options.seed, pool=pool, screen_rows=screen_rows, progress=progress
        )
        # best deviate first; ties by position, so the choice is the same on every run
        best = np.argsort(-np.round(deviate, 9), kind="mergesort")[: options.max_pairs]
        chosen = [(int(first[k]), int(second[k])) for k in best]
        deviates = {pair: float(deviate[k]) for pair, k in zip(chosen, best, strict=True)}
        rows = int(sampled_rows(columns.rows, screen_rows, seed=scored.options.seed).shape[0])
        screening = Screening(SCREENED, total, total, len(chosen), rows, SCREEN_LEVELS)
    involved = sorted({i for pair in chosen for i in pair})
    singles: dict[int, SingleScore] = dict(
        zip(involved, pool.map(lambda i: single_score(columns, i), involved), strict=True)
    )
    evaluated: list[PairInteraction] = []
    for stats in pool.map(
        lambda pair: pair_interaction(columns, pair[0], pair[1], singles[pair[0]], singles[pair[1]]), chosen
    ):
        evaluated.append(stats)
        if len(evaluated) % 64 == 0 or len(evaluated) == len(chosen):
            progress(Progress("pairs", len(evaluated), len(chosen), unit="pairs evaluated"))
    looked_at = max(total, 1)
    pairs = []
    for stats in evaluated:
        p_value = min(stats.gain_p * looked_at, 1.0)
        pairs.append(
            (
                Interaction(
                    a=columns.names[stats.a],
                    b=columns.names[stats.b],
                    score=stats.score,
                    gain=stats.gain,
                    synergy=stats.synergy,
                    p_value=p_value,
                    significant=bool(stats.gain > 0 and p_value <= options.significance),
                    joint_p_value=min(stats.joint_p * looked_at, 1.0),
                    mi=stats.mi,
                    expected_mi=stats.expected_mi,
                    a_score=stats.a_score,
                    b_score=stats.b_score,
                    combinations=stats.combinations,
                    screen_deviate=deviates.get((stats.a, stats.b)),
                ),
                stats.a,
                stats.b,
            )
        )
    pairs.sort(key=_order_key)
    return InteractionSearch(tuple(p for p, _, _ in pairs), screening)


def find_interactions(request: Request, options: InteractionOptions | None = None) -> InteractionsResult:
    """The ``top`` pairs of features by interaction, from one pass with a row sample."""
    options = options or InteractionOptions()
    options.validate()
    with request.scored(sample_rows=options.sample_rows) as (scored, pool):
        started = time.perf_counter()
        search = search_interactions(scored, options, pool=pool, progress=request.progress)
    return InteractionsResult(
        run=scored.run_info(),
        pair_options=options,
        pairs=search.pairs[: options.top],
        screening=search.screening,
        timings=scored.timings(pairs=time.perf_counter() - started),
    )
