"""The MinHash pair screen of ``check``: it never drops a pair the exhaustive count flags as a
duplicate or near-duplicate, drops almost every unrelated pair, and leaves the findings as
they were."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_mutual_info_score

from outrank_cli.checks.pairs import entropy_ranges, entropy_screen, pair_findings
from outrank_cli.checks.thresholds import Thresholds
from outrank_cli.options import PassOptions
from outrank_cli.pipeline import Request
from outrank_cli.stats.minhash import pairs_in_ranges, screen_pairs
from outrank_cli.stats.pairs import SampleColumns, pair_stats

ROWS = 10_000
LEVELS = (2, 3, 5, 17, 17, 40, 300, 2_000, 5_000)
NEAR = Thresholds().near_duplicate


def _dense(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1].astype(np.int32)


def _kept(sample: SampleColumns, pairs: list[tuple[int, int]], **options) -> set[tuple[int, int]]:
    first, second = np.array(pairs).T
    keep = screen_pairs(sample, first, second, **options)
    return {pair for pair, k in zip(pairs, keep, strict=True) if k}


def _entropy(codes: np.ndarray) -> float:
    p = np.bincount(codes) / codes.shape[0]
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def planted_columns(
    seed: int = 3, levels_list: tuple[int, ...] = LEVELS
) -> tuple[list[str], list[np.ndarray]]:
    """Unrelated columns of 2 to 5,000 levels (uniform and skewed), and planted copies of
    some of them: relabeled, levels merged in twos, and 1%, 3% or 5% of rows changed."""
    rng = np.random.default_rng(seed)
    names: list[str] = []
    columns: list[np.ndarray] = []
    for k, levels in enumerate(levels_list):
        uniform = rng.integers(0, levels, ROWS)
        skewed = np.minimum(rng.geometric(min(3.0 / levels, 0.5), ROWS) - 1, levels - 1)
        for kind, values in (("u", uniform), ("s", skewed)):
            base = _dense(values)
            names.append(f"{kind}{levels}_{k}")
            columns.append(base)
            top = int(base.max()) + 1
            if levels < 5 and kind == "s":
                continue
            relabel = rng.permutation(top)
            names.append(f"{kind}{levels}_{k}_copy")
            columns.append(_dense(relabel[base]))
            names.append(f"{kind}{levels}_{k}_half")
            columns.append(_dense(relabel[base] // 2))
            for share in (0.01, 0.03, 0.05):
                changed = rng.random(ROWS) < share
                noisy = np.where(changed, rng.integers(0, top, ROWS), base)
                names.append(f"{kind}{levels}_{k}_noise{int(share * 100)}")
                columns.append(_dense(noisy))
    return names, columns


@pytest.fixture(scope="module")
def sample() -> SampleColumns:
    names, columns = planted_columns()
    return SampleColumns(
        names=tuple(names),
        codes=tuple(np.ascontiguousarray(c) for c in columns),
        levels=tuple(int(c.max()) + 1 for c in columns),
        target=np.zeros(ROWS, dtype=np.int32),
        n_target=1,
    )


def test_screen_keeps_every_pair_the_exhaustive_count_flags(sample):
    pairs = [(i, j) for i in range(len(sample.names)) for j in range(i + 1, len(sample.names))]
    # the exhaustive method counts the pairs its entropy bound cannot rule out (an exact bound)
    entropy = [_entropy(c) for c in sample.codes]
    bounded = [
        (a, b) for a, b in pairs if min(entropy[a], entropy[b]) / ((entropy[a] + entropy[b]) / 2) >= NEAR
    ]
    flagged = set()
    for a, b in bounded:
        if pair_stats(sample, a, b, with_target=False).redundancy_normalized >= NEAR:
            flagged.add((a, b))
    # the planted copies really are what they are meant to be (scikit-learn, independently)
    for a, b in flagged:
        reference = adjusted_mutual_info_score(sample.codes[a], sample.codes[b], average_method="arithmetic")
        assert reference >= NEAR - 1e-9, (sample.names[a], sample.names[b], reference)
    kinds = {sample.names[b].rsplit("_", 1)[1] for _, b in flagged}
    assert {"copy", "half", "noise1", "noise3", "noise5"} <= kinds
    assert len(flagged) >= 40
    with ThreadPoolExecutor(2) as pool:
        kept = _kept(sample, pairs, pool=pool, seed=0)
    assert flagged <= kept, [(sample.names[a], sample.names[b]) for a, b in flagged - kept]
    # and it is worth running: unrelated pairs are dropped (the planted families are related)
    families = {i: sample.names[i].split("_")[1] for i in range(len(sample.names))}
    unrelated = [p for p in pairs if families[p[0]] != families[p[1]]]
    assert sum(p in kept for p in unrelated) <= 0.02 * len(unrelated)


@pytest.mark.parametrize(("seed", "anchors"), [(0, None), (1, None), (2, None), (0, 256), (1, 256)])
def test_screen_keeps_duplicates_at_any_seed(sample, seed, anchors):
    index = {name: i for i, name in enumerate(sample.names)}
    planted = [
        (index[name.rsplit("_", 1)[0]], i)
        for i, name in enumerate(sample.names)
        if name.endswith(("_copy", "_noise1")) or (name.endswith("_half") and sample.levels[i] >= 20)
    ]
    with ThreadPoolExecutor(2) as pool:
        kept = _kept(sample, planted, pool=pool, seed=seed, anchors=anchors)
    assert kept == set(planted)


def test_findings_equal_with_and_without_the_screen(tmp_path):
    import polars as pl

    names, columns = planted_columns(seed=5, levels_list=(2, 17, 300, 2_000))
    rng = np.random.default_rng(0)
    table = pl.DataFrame({"y": rng.integers(0, 2, ROWS), **dict(zip(names, columns, strict=True))})
    path = tmp_path / "planted.parquet"
    table.write_parquet(path)
    request = Request([str(path)], PassOptions(target="y", categorical=("*",)))
    with request.scored(sample_rows=ROWS) as (scored, pool):
        exhaustive = pair_findings(scored, Thresholds(), pool=pool, minhash_above=10**9)
        screened = pair_findings(scored, Thresholds(), pool=pool, minhash_above=0)
    assert len(exhaustive) >= 15
    assert [(f.code, f.column, f.other, f.values) for f in screened] == [
        (f.code, f.column, f.other, f.values) for f in exhaustive
    ]


def test_entropy_screen_is_the_pairwise_bound(sample):
    entropy = [_entropy(c) for c in sample.codes]
    for bound in (0.0, 0.5, 0.88, 0.999):
        expected = [
            (i, j)
            for i in range(len(entropy))
            for j in range(i + 1, len(entropy))
            if entropy[i] > 0
            and entropy[j] > 0
            and min(entropy[i], entropy[j]) / ((entropy[i] + entropy[j]) / 2.0) >= bound
        ]
        first, second = entropy_screen(sample, bound)
        assert list(zip(first.tolist(), second.tolist(), strict=True)) == expected
        order, stops = entropy_ranges(sample, bound)
        lower, upper = pairs_in_ranges(stops)
        ranged = (sorted((order[i], order[j])) for i, j in zip(lower.tolist(), upper.tolist(), strict=True))
        assert sorted(tuple(int(x) for x in pair) for pair in ranged) == expected


def test_check_reports_each_pair_stage_to_the_end(tmp_path):
    """A wide check is never a silent wait: the progress events name the reading, the
    statistics, each screen (the duplicates' MinHash screen, the leak screen) with its pairs
    judged up to its total, and the pairs counted."""
    from outrank_cli.checks.gate import check_table
    from outrank_cli.progress import Progress

    rng = np.random.default_rng(12)
    n = 400
    frame = pl.DataFrame({f"c{i:02d}": rng.integers(0, 30, n) for i in range(80)})  # alike entropies
    frame = frame.with_columns(pl.Series("y", rng.integers(0, 2, n)))
    path = tmp_path / "wide.parquet"
    frame.write_parquet(path)
    events: list[Progress] = []
    check_table(Request([str(path)], PassOptions(target="y"), progress=events.append))
    phases = [e.phase for e in events]
    assert {"count", "stats", "screen", "pairs"} <= set(phases)
    assert phases.index("count") < phases.index("stats") < phases.index("screen")
    # every run of screen events starts at 0 and ends at its total
    runs: list[list[Progress]] = []
    for before, event in zip([None, *events], events, strict=False):
        if event.phase == "screen":
            if before is None or before.phase != "screen":
                runs.append([])
            runs[-1].append(event)
    assert len(runs) == 2  # the duplicates' screen, then the leak screen
    for run in runs:
        assert run[0].rows == 0 and run[-1].rows == run[-1].total_rows > 0
        assert all(a.rows <= b.rows for a, b in itertools.pairwise(run))
