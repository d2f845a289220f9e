"""``select --interactions``: pairs that matter only together as candidates of the greedy search.

A greedy search over single columns never takes a part of a XOR: alone it has no relevance.
With ``--interactions`` the pairs that ``interactions`` finds significant with a positive
synergy (the best ``MAX_PAIR_CANDIDATES``) join the search as combined columns: the pair is
one variable of its combinations (codes on the row sample), its relevance is its joint
chance-corrected score with the joint p-value (corrected for the pairs looked at). The search
treats it like any column, except that a pair takes two places: it is taken only when it is
worth at least the best single column and the best one after it (``greedy_search``). When it
takes one, both columns enter the subset, ``--k`` counts columns (a pair is two), and a
candidate whose columns are all in the subset already is no longer one. Afterwards the path
is written in columns again: a pair's step lists both of its columns (once each: a column
already taken alone is not repeated), the pairs not taken are reported apart, and a column of a
taken pair is never listed as dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from outrank_cli.options import InteractionOptions, SearchOptions
from outrank_cli.pipeline import Scored
from outrank_cli.select.greedy import Dropped, SearchPath, Selected
from outrank_cli.select.interactions import Interaction, search_interactions
from outrank_cli.stats.pairs import SampleColumns

# combined candidates at most: each costs the search one more column
MAX_PAIR_CANDIDATES = 10
PAIR_KIND = "pair"


def pair_name(a: str, b: str) -> str:
    return f"{a} & {b}"


@dataclass(frozen=True, slots=True)
class PairCandidate:
    """A combined candidate and whether the search took it (``step``: the step that took it)."""

    a: str
    b: str
    score: float
    gain: float
    synergy: float
    p_value: float
    step: int | None


@dataclass(frozen=True, slots=True)
class CombinedSearch:
    """The scored pass with the combined candidates added, and the pairs behind them."""

    scored: Scored
    pairs: tuple[Interaction, ...]
    pairs_looked_at: int
    cover: dict[int, frozenset[int]]  # a combined candidate's index -> its two columns' indices


def combined_codes(a: np.ndarray, b: np.ndarray, levels_b: int) -> tuple[np.ndarray, int]:
    """Codes ``0..m-1`` of the combinations of ``a`` and ``b`` present, and ``m``."""
    keys = a.astype(np.int64) * levels_b + b
    _, codes = np.unique(keys, return_inverse=True)
    return np.ascontiguousarray(codes.astype(np.int32)), int(codes.max()) + 1 if codes.size else 1


def with_pair_candidates(scored: Scored, search: SearchOptions, *, pool: object) -> CombinedSearch:
    """``scored`` with the best significant synergistic pairs added as combined columns."""
    columns = scored.sample
    assert columns is not None
    options = InteractionOptions(significance=search.significance, sample_rows=search.sample_rows)
    found = search_interactions(scored, options, pool=pool)  # type: ignore[arg-type]
    pairs = tuple(p for p in found.pairs if p.significant and p.synergy > 0)[:MAX_PAIR_CANDIDATES]
    if not pairs:
        return CombinedSearch(scored, (), found.screening.pairs_total, {})
    index = {name: i for i, name in enumerate(columns.names)}
    by_name = {r.name: r for r in scored.ranking}
    names, codes, levels = list(columns.names), list(columns.codes), list(columns.levels)
    ranking = list(scored.ranking)
    cover: dict[int, frozenset[int]] = {}
    for p in pairs:
        a, b = index[p.a], index[p.b]
        cover[len(names)] = frozenset((a, b))
        code, count = combined_codes(columns.codes[a], columns.codes[b], columns.levels[b])
        shares = np.bincount(code, minlength=count) / max(code.shape[0], 1)
        shares = shares[shares > 0]
        names.append(pair_name(p.a, p.b))
        codes.append(code)
        levels.append(count)
        first = by_name[p.a]
        ranking.append(
            replace(
                first,
                name=pair_name(p.a, p.b),
                score=p.score,
                mi=p.mi,
                expected_mi=p.expected_mi,
                p_value=p.joint_p_value,
                entropy=float(-(shares * np.log2(shares)).sum()),
                levels=count,
                kind=PAIR_KIND,
                bins=None,
                other_view=None,
                top_values=(),
            )
        )
    sample = SampleColumns(
        names=tuple(names),
        codes=tuple(codes),
        levels=tuple(levels),
        target=columns.target,
        n_target=columns.n_target,
        # a pair's combined codes have no order
        ordered=(*columns.ordered, *(False for _ in range(len(names) - len(columns.names))))
        if columns.ordered
        else (),
        target_ordered=columns.target_ordered,
    )
    return CombinedSearch(
        replace(scored, sample=sample, ranking=tuple(ranking)), pairs, found.screening.pairs_total, cover
    )


@dataclass(frozen=True, slots=True)
class InColumns:
    """The path in columns, every combined candidate, and the pair each column came in with."""

    path: SearchPath
    candidates: tuple[PairCandidate, ...]
    taken_with: dict[str, str]


def in_columns(path: SearchPath, pairs: tuple[Interaction, ...]) -> InColumns:
    """The search path with combined candidates written as their columns (see the module
    docstring), and every combined candidate with the step that took it (None if none did)."""
    members = {pair_name(p.a, p.b): (p.a, p.b) for p in pairs}
    taken: dict[str, int] = {}
    taken_with: dict[str, str] = {}
    selected: list[Selected] = []
    seen: set[str] = set()
    for s in path.selected:
        names = members.get(s.name, (s.name,))
        if s.name in members:
            taken[s.name] = s.step
        for name in names:
            if name not in seen:
                seen.add(name)
                selected.append(replace(s, name=name))
                if s.name in members:
                    taken_with[name] = s.name
    dropped: list[Dropped] = [d for d in path.dropped if d.name not in members and d.name not in seen]
    candidates = tuple(
        PairCandidate(p.a, p.b, p.score, p.gain, p.synergy, p.p_value, taken.get(pair_name(p.a, p.b)))
        for p in pairs
    )
    return InColumns(replace(path, selected=tuple(selected), dropped=tuple(dropped)), candidates, taken_with)
