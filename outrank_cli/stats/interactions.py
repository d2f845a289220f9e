"""Order-2 interactions: what two features tell about the target together (DESIGN "Statistics").

For a pair (A, B) on the row sample, the pair is one variable of |A|·|B| levels (its non-empty
combinations) and everything is chance-corrected with the exact expected MI under permutation,
as for a single column (Vinh, Epps & Bailey 2010):

* ``score`` = I(A,B;Y) - E[I(A,B;Y)], the joint relevance;
* ``gain`` = score - max(score(A), score(B)): what the pair adds over its better column;
* ``synergy`` = score - score(A) - score(B): positive when the pair tells more than its two
  columns separately (a XOR: both parts have none alone), about zero when they add up,
  negative when they repeat each other;
* the gain's p-value: the test that the other column is independent of the target given the
  better one, I(other;Y|better) against its stratified exact expected value and degrees of
  freedom (the calibrated chi-square of ``relevance.calibrated_p``), Bonferroni-corrected for
  every pair looked at; the joint relevance's calibrated p as ``joint_p_value``, likewise.

Pairs come from the row sample. All pairs are evaluated exactly while there are at most
``max_pairs`` of them; beyond that, every pair is screened first (``screen``): each feature is
cut to at most ``SCREEN_LEVELS`` coarse levels (its most frequent levels keep their own, the
rest are hashed into shared buckets) on ``SCREEN_ROWS`` sampled rows, and the kernel's gain
test on that coarse table ranks the pairs. The screen never looks at the columns' own
relevance (the parts of a XOR have none); the best ``max_pairs`` pairs are then evaluated
exactly on the full sample.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from outrank_cli.encode.cells import column_totals, row_totals
from outrank_cli.kernels import lazy_module
from outrank_cli.parallel import map_in_chunks
from outrank_cli.progress import Progress, ProgressCallback, ignore_progress
from outrank_cli.stats.pairs import SampleColumns
from outrank_cli.stats.relevance import LN2, calibrated_p

information = lazy_module("outrank_cli.kernels.information")
joint = lazy_module("outrank_cli.kernels.joint")
screening = lazy_module("outrank_cli.kernels.interactions")

# coarse levels per feature in the screen: enough for flags, small categories and the
# bins of numeric columns (16 by default) to keep every level
SCREEN_LEVELS = 16
# of which the most frequent keep their own level; the rest share hashed buckets
SCREEN_KEPT = 8
# rows of the screen: the gain test of a XOR or of a 50 x 40 combination table with a
# moderate effect is many standard deviations above noise there; the cost is linear in it
SCREEN_ROWS = 32_768


@dataclass(frozen=True, slots=True)
class SingleScore:
    """A feature's own relevance on the sample (nats)."""

    mi: float
    expected_mi: float

    @property
    def score(self) -> float:
        return self.mi - self.expected_mi


@dataclass(frozen=True, slots=True)
class PairInteraction:
    """Joint statistics of features ``a`` and ``b`` (indices into the sample); bits."""

    a: int
    b: int
    score: float
    gain: float
    synergy: float
    mi: float
    expected_mi: float
    a_score: float
    b_score: float
    gain_p: float  # uncorrected: the caller knows how many pairs were looked at
    joint_p: float
    combinations: int  # non-empty (a, b) cells


def single_score(columns: SampleColumns, feature: int) -> SingleScore:
    """I(F;Y) and its expected value on the sample, in nats."""
    levels, classes = columns.levels[feature], columns.n_target
    cells = columns.codes[feature].astype(np.int64) * classes + columns.target
    table = np.bincount(cells, minlength=levels * classes).reshape(levels, classes)
    return SingleScore(
        mi=information.mutual_information(table),
        expected_mi=information.expected_mutual_information(column_totals(table), row_totals(table)),
    )


def _pair_cells(columns: SampleColumns, first: int, second: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-empty (first, second) cells with their target counts, grouped by ``first``."""
    cells: tuple[np.ndarray, np.ndarray, np.ndarray] = joint.pair_table(
        columns.codes[first],
        columns.codes[second],
        columns.target,
        levels_b=columns.levels[second],
        n_target=columns.n_target,
    )
    return cells


def _joint_mi(counts: np.ndarray) -> tuple[float, float, int]:
    """I, E[I] (nats) and the classes present, of a (combinations x classes) count table."""
    combination_counts = row_totals(counts)
    class_counts = column_totals(counts)
    mi = information.mutual_information(counts)
    expected = information.expected_mutual_information(class_counts, combination_counts)
    return mi, expected, int(np.count_nonzero(class_counts))


def joint_score(columns: SampleColumns, a: int, b: int) -> float:
    """The pair's joint relevance I(A,B;Y) - E[I(A,B;Y)] on the sample, in bits (no tests)."""
    _, _, counts = _pair_cells(columns, a, b)
    mi, expected, _ = _joint_mi(counts)
    return (mi - expected) / LN2


def pair_interaction(
    columns: SampleColumns, a: int, b: int, single_a: SingleScore, single_b: SingleScore
) -> PairInteraction:
    """The exact joint statistics of ``a`` and ``b`` on the sample (see the module docstring)."""
    better, other = (a, b) if single_a.score >= single_b.score else (b, a)
    # cells grouped by the better column's code: its levels are the conditional test's strata
    cell_better, _, counts = _pair_cells(columns, better, other)
    mi, expected, classes = _joint_mi(counts)
    cells = counts.shape[0]
    cmi, cmi_expected, df = joint.conditional_mi(cell_better, counts)
    score = (mi - expected) / LN2
    a_score, b_score = single_a.score / LN2, single_b.score / LN2
    return PairInteraction(
        a=a,
        b=b,
        score=score,
        gain=score - max(a_score, b_score),
        synergy=score - a_score - b_score,
        mi=mi / LN2,
        expected_mi=expected / LN2,
        a_score=a_score,
        b_score=b_score,
        gain_p=calibrated_p(cmi, cmi_expected, df),
        joint_p=calibrated_p(mi, expected, float((cells - 1) * (classes - 1))),
        combinations=cells,
    )


def coarse_codes(
    codes: np.ndarray, levels: int, *, seed: int, rows: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """``(uint8 codes, levels)`` of ``codes`` (of ``codes[rows]`` when given): at most
    ``SCREEN_LEVELS`` levels. A feature with that few present levels keeps them all
    (renumbered); otherwise its ``SCREEN_KEPT`` most frequent levels keep their own (ties by
    code) and every other level goes to one of the remaining buckets by a hash of its code,
    so a many-level column keeps part of any pattern over its levels. One compiled pass (the
    numpy steps apart took 80-90 us a column, a second of ``check`` at 10,000 columns)."""
    picked = np.arange(codes.shape[0]) if rows is None else rows
    coarse, count = screening.coarse_codes(
        codes, picked, levels=levels, n_coarse=SCREEN_LEVELS, kept=SCREEN_KEPT, seed=seed
    )
    return coarse, count


def sampled_rows(rows: int, wanted: int, *, seed: int) -> np.ndarray:
    """The sample rows the screen uses: all ``rows``, or ``wanted`` of them drawn with ``seed``."""
    if rows <= wanted:
        return np.arange(rows)
    return np.sort(np.random.default_rng(seed).choice(rows, wanted, replace=False))


def screen(
    columns: SampleColumns,
    features: list[int],
    *,
    seed: int,
    pool: ThreadPoolExecutor,
    screen_rows: int = SCREEN_ROWS,
    chunk: int = 4096,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    progress: ProgressCallback = ignore_progress,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of ``features`` (or the ``pairs`` given, as positions in ``features``) with
    its screening deviate on ``screen_rows`` sampled rows: ``(first, second, deviate)``,
    ``first[k] < second[k]`` (indices into the sample), in the order of ``features``."""
    rows = sampled_rows(columns.rows, screen_rows, seed=seed)
    coarse = np.empty((len(features), rows.shape[0]), dtype=np.uint8)
    levels = np.empty(len(features), dtype=np.int64)

    def coarsen(feature: int) -> tuple[np.ndarray, int]:
        return coarse_codes(columns.codes[feature], columns.levels[feature], seed=seed, rows=rows)

    # on the pool: 10,000 columns one after the other took 1.0-1.3 s, 0.8-0.9 s in chunks on 2 threads
    for position, (codes, count) in enumerate(map_in_chunks(pool, coarsen, features)):
        coarse[position], levels[position] = codes, count
    target = np.ascontiguousarray(columns.target[rows])
    first, second = np.triu_indices(len(features), k=1) if pairs is None else pairs
    parts = [(start, min(start + chunk, first.shape[0])) for start in range(0, first.shape[0], chunk)]

    def run(part: tuple[int, int]) -> np.ndarray:
        start, stop = part
        deviate: np.ndarray = screening.screen_pairs(
            coarse,
            target,
            n_target=columns.n_target,
            levels=levels,
            first=first[start:stop],
            second=second[start:stop],
        )
        return deviate

    total = int(first.shape[0])
    progress(Progress("screen", 0, total, unit="pairs"))
    done: list[np.ndarray] = []
    for part, deviate in zip(parts, pool.map(run, parts), strict=True):
        done.append(deviate)
        progress(Progress("screen", part[1], total, unit="pairs"))
    deviates = np.concatenate(done) if done else np.zeros(0)
    index = np.asarray(features, dtype=np.int64)
    return index[first], index[second], deviates
