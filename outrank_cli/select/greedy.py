"""The greedy forward search of ``select`` over relevance and redundancy.

Relevance (step 1) is exact on all rows; pair statistics come from the row sample. Only the
pairs the greedy path needs are computed: at each step, the newly selected feature against
the remaining signal candidates (O(k F) pairs, not F^2); other columns are paired with the
selected ones only when they are needed to fill ``k``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from outrank_cli.count.values import VALUES_PER_ROW
from outrank_cli.encode.features import FeatureKind
from outrank_cli.options import SearchOptions
from outrank_cli.pipeline import Scored
from outrank_cli.select.additive import AdditiveStage, AdditiveStep
from outrank_cli.select.criteria import CRITERIA, Aggregates
from outrank_cli.stats.multiple import fdr_threshold
from outrank_cli.stats.pairs import PairStats, combined_gain_p, pair_stats

MULTIVALUE_REASON = (
    "multi-valued, its values not in the row sample "
    f"(folded past --max-levels, or over {VALUES_PER_ROW} a row): not searched"
)
STOP_K = "k reached"
STOP_EXHAUSTED = "no candidates left"
STOP_NO_GAIN = "marginal gain at the noise floor"
STOP_NO_SIGNAL = "no feature is significantly relevant"
NO_GAIN = "no gain beyond the selected features above the noise floor"
# A feature is redundant with a selected one when the two are near-duplicates (chance-corrected
# normalized redundancy, arithmetic-mean AMI, at least REDUNDANT_DUPLICATE; 1 for duplicates),
# or when they share at least REDUNDANT_NORMALIZED of their information and, given the selected
# one's strata, less than REDUNDANT_SHARE of its own relevance is left.
REDUNDANT_DUPLICATE = 0.9
REDUNDANT_NORMALIZED = 0.5
REDUNDANT_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Selected:
    name: str
    step: int
    gain: float
    relevance: float
    p_value: float
    most_redundant_with: str | None
    redundancy: float | None
    redundancy_normalized: float | None
    # taken by --k past the point where the automatic search stops: not shown to add
    # significant information given the columns before it
    filled: bool = False
    # its gain given the columns before it passed the gain test (the first column: its
    # relevance); false for the relevant rest the automatic search takes after those
    significant_gain: bool = True
    # taken by the additive gain test (``select.additive``): its gain and p-value are that test's
    additive: bool = False


@dataclass(frozen=True, slots=True)
class Dropped:
    name: str
    reason: str
    relevance: float
    p_value: float
    redundant_with: str | None
    conditional_relevance: float | None
    redundancy_normalized: float | None


def _order_key(scores: np.ndarray) -> np.ndarray:
    """Best first, ties by column order (round off float noise first)."""
    return np.argsort(-np.round(scores, 12), kind="mergesort")


def _shown_to_gain(
    candidates: list[int], scores: np.ndarray, gain_p: Callable[[int], float], *, alpha: float, tests: int
) -> list[int]:
    """The candidates that may still be taken without ``k``: a positive criterion value, and
    a combined conditional test (``combined_gain_p``) that Benjamini-Hochberg at ``alpha``
    rejects among those candidates' tests, counted as ``tests`` (the F features, as for
    relevance).

    The combined test's null is "no gain given any selected feature", the null of the
    criteria that sum or average over the selected (Brown et al., JMLR 2012). Requiring every
    pairwise test to pass on its own (the rule before) is a test of "no gain given some
    selected feature": on a few thousand rows it had too little power, since the test given a
    16-stratum feature has 16 times the degrees of freedom (Vinh, Chan & Bailey, AAAI 2014),
    and one weak pair vetoed a column that every other pair showed to be informative.
    The family stays F (not the fewer candidates left at a step): a pure-noise column that
    slips through the relevance gate is then still caught here (benchmarks/README.md).
    """
    positive = [k for k in candidates if scores[k] > 0]
    p_values = {k: gain_p(k) for k in positive}
    threshold = fdr_threshold(p_values.values(), alpha=alpha, tests=tests)
    return [k for k in positive if p_values[k] <= threshold]


@dataclass(frozen=True, slots=True)
class SearchPath:
    """Where the search went: why it stopped, the features it took in order, and every
    other feature with the reason it was left out."""

    stopped_by: str
    selected: tuple[Selected, ...]
    dropped: tuple[Dropped, ...]


def greedy_search(
    scored: Scored,
    options: SearchOptions,
    *,
    pool: ThreadPoolExecutor,
    cover: dict[int, frozenset[int]] | None = None,
) -> SearchPath:
    """Greedy forward selection with the named criterion; stop at ``k`` or at the noise floor.

    Order of choice: non-redundant signals by the criterion while the gain test shows them
    informative given the selected; then the relevant rest, the other non-redundant signals
    by the criterion while it is above the noise floor (a positive chance-corrected value);
    then the columns the additive gain test shows to add to an additive model of the selected
    ones (``select.additive``: a small effect that the selected ones' large effects mask
    given any one of them, which no marginal or pairwise test sees): the automatic stop.
    The rest is not shown to add information given the columns before it,
    but on a few thousand rows the gain test cannot show what a model still takes from such
    columns, and leaving them out cost a model up to 0.019 AUC on real tables of 1,000 to
    26,000 rows (benchmarks/README.md, "Three splits were too few; and the relevant rest").
    With ``k`` the search stops at
    ``k``, so a subset of ``k`` columns is the start of the automatic one; where the automatic
    search stops short of ``k``, the fill: the other non-redundant signals by the criterion,
    then the other non-redundant columns by relevance, then the redundant ones by relevance,
    so ``k`` columns come back whenever ``k`` non-constant columns exist. (A search with ``k``
    that skipped the gain test took other columns first: lending_club's ``--k 10`` missed
    the automatic subset's second column, and lost 0.019 AUC against all columns where the
    automatic subset gained 0.012.)

    ``cover`` names the columns a combined candidate stands for (``select --interactions``:
    a pair's two columns; every other candidate stands for itself). ``k`` counts columns; a
    pair is a candidate only while neither of its columns is taken: once one is, its other
    column stands on its own as a signal (the pair showed it informative with its partner)
    and the criterion weighs it given the selected features; with ``k`` a pair is passed over
    when only one place is left.
    """
    columns = scored.sample
    assert columns is not None, "select needs a pass with a row sample"
    names = columns.names
    f = len(names)
    by_name = {r.name: r for r in scored.ranking}
    relevance = np.array([by_name[n].score for n in names])
    p_values = np.array([by_name[n].p_value for n in names])
    entropy = np.array([by_name[n].entropy for n in names])
    criterion = CRITERIA[options.criterion]
    agg = Aggregates.start(relevance, alpha=options.redundancy_weight, beta=options.relation_weight)
    pairs: dict[tuple[int, int], PairStats] = {}
    # a multi-valued column is searched as the indicator of its best value, which the row
    # sample holds unless its values share buckets (past --max-levels) or were too many to keep
    searched = [
        by_name[n].kind != FeatureKind.MULTIVALUE or columns.levels[i] > 1 for i, n in enumerate(names)
    ]
    remaining = [i for i in range(f) if entropy[i] > 0 and searched[i]]
    limit = options.k
    alpha = options.significance
    selected: list[Selected] = []
    chosen: list[int] = []
    stopped_by = STOP_EXHAUSTED

    covered = cover or {}
    # with k: the automatic search first, the fill to k once it would stop
    filling = False
    # past the signals shown to gain: the relevant rest, taken while above the noise floor
    resting = False
    taken: set[int] = set()  # the columns selected: a pair taken counts both
    # columns let in by a significant pair of which the other column is taken (--interactions)
    unlocked: set[int] = set()
    # the additive stage, once the signals and their rest are taken (None: not reached yet)
    additive: AdditiveStage | None = None

    # the relevance gate: Benjamini-Hochberg at the significance level over the F features
    gate = fdr_threshold(
        (p_values[i] for i in range(f) if relevance[i] > 0 and searched[i]), alpha=alpha, tests=f
    )

    def is_signal(k: int) -> bool:
        return bool(k in unlocked or (relevance[k] > 0 and p_values[k] <= gate))

    def pair(k: int, j: int) -> PairStats:
        if (k, j) not in pairs:
            pairs[(k, j)] = pair_stats(columns, k, j)
        return pairs[(k, j)]

    def in_order_taken() -> list[int]:
        """The selected features in order, then the other columns of pairs taken (--interactions)."""
        return [*chosen, *sorted(taken.difference(chosen))]

    def redundant_with(k: int, against: Iterable[int] | None = None) -> PairStats | None:
        """The first selected feature (or of ``against``) that ``k`` repeats: a near-duplicate
        of it, or sharing at least REDUNDANT_NORMALIZED of their information with under
        REDUNDANT_SHARE of its (non-negative) relevance left given it, and what is left not
        significant (its conditional test, Bonferroni over the F features, above the level).
        A small conditional term alone proves nothing: conditioning on a many-level column
        leaves little of anything, and a rest that is small but certain is information a model
        uses (Telco's online backup, half redundant with online security, a fifth of its
        relevance left at p · F 1e-20: the automatic subsets that kept such columns lost 0.0015
        AUC less on COMPAS and gained 0.008 on lending_club; benchmarks/README.md)."""
        threshold = REDUNDANT_SHARE * max(float(relevance[k]), 0.0)
        for j in in_order_taken() if against is None else against:
            stats = pair(k, j)
            shared = stats.redundancy_normalized
            if shared >= REDUNDANT_DUPLICATE or (
                shared >= REDUNDANT_NORMALIZED
                and stats.conditional_relevance <= threshold
                and combined_gain_p([stats]) * f > alpha
            ):
                return stats
        return None

    def gain_p(k: int) -> float:
        """The combined test that ``k`` adds information given the selected features."""
        return combined_gain_p([pair(k, j) for j in chosen])

    def columns_of(k: int) -> frozenset[int]:
        return covered.get(k, frozenset((k,)))

    def unlock(columns: frozenset[int]) -> None:
        """Make ``columns`` signals; give the criterion their terms for the selected so far."""
        fresh = [k for k in columns if k in remaining and not is_signal(k)]
        unlocked.update(columns)
        for k in fresh:
            for j in chosen:
                record(pair(k, j))

    def two_places(combined: int, signals: list[int], scores: np.ndarray) -> int:
        """``combined`` (a pair, the best candidate) or the best single signal: a pair takes
        two places, so it is taken only when its value is at least what the best single
        column and the best single column after it would add in those two places (the
        criterion given the selected features and that first column; 0 when none adds
        anything). Against the best single alone, a pair of which one column carries most of
        the value won its step: MovieLens' ``year & userId`` (0.152 bits against 0.123 for
        ``userId``) took ``--k 2`` where ``userId`` and ``movieId`` lose 0.036 AUC less."""
        singles = [k for k in signals if len(columns_of(k)) == 1]
        if not singles:
            return combined
        first = singles[int(_order_key(scores[singles])[0])]
        rest = [k for k in singles if k != first]
        following = 0.0
        if rest:
            what_if = agg.copy()
            what_if.n_selected = len(chosen) + 1
            for stats in pool.map(lambda k: pair(k, first), rest):
                what_if.add(
                    stats.a,
                    float(relevance[first]),
                    stats.conditional_relevance,
                    stats.redundancy - stats.redundancy_expected,
                )
            after = criterion(what_if)
            following = max([0.0, *(float(after[k]) for k in rest if redundant_with(k, [first]) is None)])
        return combined if scores[combined] >= scores[first] + following else first

    def record(stats: PairStats) -> None:
        """Give the criterion the terms of candidate ``stats.a`` given selected ``stats.b``."""
        agg.add(
            stats.a,
            float(relevance[stats.b]),
            stats.conditional_relevance,
            stats.redundancy - stats.redundancy_expected,
        )

    while True:
        if limit is not None and len(taken) >= limit:
            stopped_by = STOP_K
            break
        if covered:
            # a pair with a column taken is judged as its other column: that one becomes a
            # candidate signal (the pair's test showed it informative with its partner), and
            # the criterion weighs it given the selected features like any column
            given_way = set()
            for k in remaining:
                members = columns_of(k)
                if len(members) > 1:
                    # a column that repeats a selected one counts as taken
                    held = {m for m in members if m in taken or redundant_with(m, sorted(taken)) is not None}
                    if held:
                        unlock(members - held)
                        given_way.add(k)
            remaining = [k for k in remaining if k not in given_way and k not in taken]
            if limit is not None:
                remaining = [k for k in remaining if len(columns_of(k)) <= limit - len(taken)]
        # While signals are chosen every selected feature is a signal, and every remaining
        # signal has its pairs with them; a redundant signal stays redundant.
        signals = [k for k in remaining if is_signal(k) and redundant_with(k) is None]
        scores = relevance if not chosen else criterion(agg)
        step: AdditiveStep | None = None
        if chosen and not filling:
            shown = [] if resting else _shown_to_gain(signals, scores, gain_p, alpha=alpha, tests=f)
            resting = not shown
            signals = shown or [k for k in signals if scores[k] > 0]
            if not signals and AdditiveStage.applies(columns):
                if additive is None:
                    additive = AdditiveStage(columns, alpha=alpha, tests=f)
                additive.follow(in_order_taken())
                step = additive.next(
                    [k for k in remaining if len(columns_of(k)) == 1],
                    lambda k: redundant_with(k) is not None,
                    pool,
                )
            if not signals and step is None and limit is not None:
                filling = True  # where the automatic search stops: fill k
                continue
        if step is not None:
            best = step.column
        elif signals:
            best = signals[int(_order_key(scores[signals])[0])]
            if len(columns_of(best)) > 1:
                best = two_places(best, signals, scores)
        elif limit is not None and remaining:
            # fill k by relevance: first a column that repeats no selected one, then any
            scores = relevance
            ordered = [remaining[i] for i in _order_key(relevance[remaining])]
            best = next((k for k in ordered if redundant_with(k) is None), ordered[0])
        else:
            if limit is not None or not remaining:
                stopped_by = STOP_EXHAUSTED
            else:
                stopped_by = STOP_NO_GAIN if chosen else STOP_NO_SIGNAL
            break
        gain = float(scores[best]) if step is None else step.gain
        p_value, closest = float(p_values[best]), None
        if chosen and (signals or step is not None):
            against = [pair(best, j) for j in chosen]
            p_value = gain_p(best) if step is None else step.p_value
            closest = max(against, key=lambda s: s.redundancy_normalized)
        selected.append(
            Selected(
                names[best],
                len(chosen) + 1,
                gain,
                float(relevance[best]),
                p_value,
                None if closest is None else names[closest.b],
                None if closest is None else closest.redundancy,
                None if closest is None else closest.redundancy_normalized,
                filled=step is None and (filling or not signals),
                significant_gain=step is not None or not (filling or resting or not signals),
                additive=step is not None,
            )
        )
        chosen.append(best)
        taken |= columns_of(best)
        remaining.remove(best)
        agg.n_selected = len(chosen)
        if not signals and step is None:
            continue  # past the signals, no criterion needs pair statistics any more
        new = best
        needed = [k for k in remaining if is_signal(k)]
        # (a pair's two-places comparison may have counted some of them already)
        for stats in pool.map(lambda k, j=new: pair(k, j), needed):
            pairs[(stats.a, new)] = stats
            record(stats)
    dropped = []
    for i in range(f):
        if i in chosen:
            continue
        rel, p = float(relevance[i]), float(p_values[i])
        if entropy[i] <= 0:
            dropped.append(Dropped(names[i], "constant", rel, p, None, None, None))
            continue
        if not searched[i]:
            dropped.append(Dropped(names[i], MULTIVALUE_REASON, rel, p, None, None, None))
            continue
        if not is_signal(i):
            dropped.append(Dropped(names[i], "no signal", rel, p, None, None, None))
            continue
        # a signal is left out only after the first step
        hit = redundant_with(i)
        if hit is not None:
            reason = f"redundant with {names[hit.b]}"
        else:
            hit = min((pair(i, j) for j in chosen), key=lambda s: s.conditional_relevance)
            reason = STOP_K if stopped_by == STOP_K else NO_GAIN
        dropped.append(
            Dropped(
                names[i], reason, rel, p, names[hit.b], hit.conditional_relevance, hit.redundancy_normalized
            )
        )
    return SearchPath(stopped_by, tuple(selected), tuple(dropped))
