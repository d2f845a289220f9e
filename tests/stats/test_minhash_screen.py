"""``stats.minhash``: the screen that counts agreements first keeps exactly the pairs that
judging every pair in full (``minhash_excess`` on each, the screen before issue 14) keeps."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from outrank_cli.kernels import hashing, screen
from outrank_cli.kernels.njit.screen import _LEFT_ROOM
from outrank_cli.progress import Progress
from outrank_cli.stats import minhash
from outrank_cli.stats.pairs import SampleColumns

ROWS = 3_000


def per_pair_screen(
    columns: SampleColumns, first: np.ndarray, second: np.ndarray, *, seed: int, anchors: int
) -> np.ndarray:
    """The screen as it was: every column signed, every pair judged in full."""
    rng = np.random.default_rng(seed)
    anchor_rows = np.sort(rng.choice(columns.rows, size=min(anchors, columns.rows), replace=False))
    row_hash = hashing.mix64_array(np.arange(columns.rows, dtype=np.uint64), seed)
    signed = [
        screen.block_minhash(codes, row_hash, anchor_rows, levels=levels)
        for codes, levels in zip(columns.codes, columns.levels, strict=True)
    ]
    signatures = np.stack([s for s, _ in signed])
    blocks = np.stack([b for _, b in signed])
    excess, informative = screen.minhash_excess(signatures, blocks, first, second, rows=columns.rows)
    kept: np.ndarray = (informative < minhash.MIN_ANCHORS) | (excess >= minhash.MIN_EXCESS * informative)
    return kept


def mixed_columns(seed: int) -> SampleColumns:
    """Columns of 2 to 100 levels (chance agreement up to a third), many levels, nearly all
    distinct (fewer than MIN_ANCHORS informative anchors), all distinct, constant, and copies:
    exact, relabeled, levels merged, a few rows changed."""
    rng = np.random.default_rng(seed)
    columns: list[np.ndarray] = []
    for levels in (2, 2, 3, 5, 17, 17, 100, 400, 1_500):
        columns.append(rng.integers(0, levels, ROWS))
    for repeated in (20, 40, 150):  # all distinct but for a few rows
        values = np.arange(ROWS)
        values[rng.choice(ROWS, repeated, replace=False)] = rng.integers(0, 10, repeated)
        columns.append(values)
    columns.append(rng.permutation(ROWS))
    columns.append(np.zeros(ROWS, dtype=np.int64))
    for base in [*columns[:9], columns[10]]:
        columns.append(base.copy())
        columns.append(base // 2)
        noisy = base.copy()
        changed = rng.random(ROWS) < 0.05
        noisy[changed] = rng.integers(0, int(base.max()) + 1, changed.sum())
        columns.append(noisy)
    codes = [np.unique(c, return_inverse=True)[1].astype(np.int32) for c in columns]
    return SampleColumns(
        names=tuple(f"c{i}" for i in range(len(codes))),
        codes=tuple(codes),
        levels=tuple(int(c.max()) + 1 for c in codes),
        target=np.zeros(ROWS, dtype=np.int32),
        n_target=1,
    )


@pytest.mark.parametrize(
    ("seed", "anchors", "chunk", "room"),
    [(0, 256, 50, 2), (1, 100, 10**6, 1024), (2, 1024, 7, 1), (3, 64, 300, 5)],
)
def test_screen_keeps_what_judging_every_pair_in_full_keeps(seed, anchors, chunk, room, monkeypatch):
    # small chunks and room: many ranges of first columns, and ranges judged again for room
    monkeypatch.setattr(minhash, "CHUNK_PAIRS", chunk)
    monkeypatch.setattr(minhash, "KEPT_ROOM", room)
    columns = mixed_columns(seed)
    n = len(columns.codes)
    first, second = (x.astype(np.int64) for x in np.triu_indices(n, k=1))
    expected = per_pair_screen(columns, first, second, seed=seed, anchors=anchors)
    # the cases are all there: pairs kept and dropped, and kept for lack of anchors
    assert 0 < expected.sum() < expected.shape[0]
    with ThreadPoolExecutor(2) as pool:
        kept = minhash.screen_pairs(columns, first, second, pool=pool, seed=seed, anchors=anchors)
        np.testing.assert_array_equal(kept, expected)
        # a part of the pairs, in another order, with repeats and a column left out
        pick = np.random.default_rng(seed).choice(first.shape[0], 300)
        part = minhash.screen_pairs(columns, second[pick], first[pick], pool=pool, seed=seed, anchors=anchors)
        np.testing.assert_array_equal(part, expected[pick])
        # every pair of a set of columns, without listing them
        features = np.arange(1, n, dtype=np.int64)
        got_first, got_second = minhash.screened_pairs(
            columns, features, pool=pool, seed=seed, anchors=anchors
        )
    listed = {
        (a, b) for a, b, k in zip(first.tolist(), second.tolist(), expected.tolist(), strict=True) if k and a
    }
    assert sorted(zip(got_first.tolist(), got_second.tolist(), strict=True)) == sorted(listed)
    # partner ranges: features in another order, each with the next ones up to its stop
    order = np.random.default_rng(seed).permutation(n)
    stops = np.random.default_rng(seed + 1).integers(0, n + 1, n)
    with ThreadPoolExecutor(2) as pool:
        got_first, got_second = minhash.screened_pairs(
            columns, order, pool=pool, seed=seed, anchors=anchors, stops=stops
        )
    kept = {(a, b) for a, b, k in zip(first.tolist(), second.tolist(), expected.tolist(), strict=True) if k}
    lower, upper = minhash.pairs_in_ranges(stops)
    in_ranges = {
        (min(order[i], order[j]), max(order[i], order[j])) for i, j in zip(lower, upper, strict=True)
    }
    assert all(j < stops[i] for i, j in zip(lower, upper, strict=True)) and len(in_ranges) == lower.shape[0]
    got = sorted((min(a, b), max(a, b)) for a, b in zip(got_first.tolist(), got_second.tolist(), strict=True))
    assert got == sorted(kept & in_ranges)


def test_pairs_left_by_the_first_cut_are_settled_in_batches():
    """Columns of few levels agree by chance at a third of the anchors or more, so the first
    cut (fingerprint agreements) leaves most of their pairs: more than the kernel settles at a
    time, in one range of first columns and in one list."""
    rng = np.random.default_rng(5)
    base = [rng.integers(0, levels, ROWS) for levels in rng.integers(2, 6, 140)]
    # and some that repeat each other, to be kept
    base += [base[i] // 2 for i in range(10)] + [base[i].copy() for i in range(10, 20)]
    codes = [np.unique(c, return_inverse=True)[1].astype(np.int32) for c in base]
    columns = SampleColumns(
        names=tuple(f"c{i}" for i in range(len(codes))),
        codes=tuple(codes),
        levels=tuple(int(c.max()) + 1 for c in codes),
        target=np.zeros(ROWS, dtype=np.int32),
        n_target=1,
    )
    n, anchors, seed = len(codes), 256, 5
    first, second = (x.astype(np.int64) for x in np.triu_indices(n, k=1))
    expected = per_pair_screen(columns, first, second, seed=seed, anchors=anchors)
    assert 0 < expected.sum() < expected.shape[0]
    # the pairs whose signatures alone agree at a tenth of the anchors pass the first cut
    rng_anchors = np.random.default_rng(seed)
    anchor_rows = np.sort(rng_anchors.choice(ROWS, size=anchors, replace=False))
    row_hash = hashing.mix64_array(np.arange(ROWS, dtype=np.uint64), seed)
    signatures = np.stack(
        [
            screen.block_minhash(c, row_hash, anchor_rows, levels=lv)[0]
            for c, lv in zip(codes, columns.levels, strict=True)
        ]
    )
    agreeing = (signatures[first] == signatures[second]).sum(axis=1)
    assert int((agreeing >= minhash.MIN_EXCESS * anchors).sum()) > 2 * _LEFT_ROOM
    with ThreadPoolExecutor(1) as pool:
        np.testing.assert_array_equal(
            minhash.screen_pairs(columns, first, second, pool=pool, seed=seed, anchors=anchors), expected
        )
        got_first, got_second = minhash.screened_pairs(
            columns, np.arange(n), pool=pool, seed=seed, anchors=anchors
        )
    kept = {(a, b) for a, b, k in zip(first.tolist(), second.tolist(), expected.tolist(), strict=True) if k}
    assert sorted(zip(got_first.tolist(), got_second.tolist(), strict=True)) == sorted(kept)


def test_anchor_count():
    assert minhash.anchor_count(10) == minhash.ANCHORS
    assert minhash.anchor_count(minhash.COMPARISONS // 500) == 500
    assert minhash.anchor_count(10**12) == minhash.FEWEST_ANCHORS


def test_the_screen_reports_the_pairs_it_has_judged(monkeypatch):
    """Stage "screen": from 0 to every pair in the ranges, rising, a report per range judged."""
    monkeypatch.setattr(minhash, "CHUNK_PAIRS", 40)
    columns = mixed_columns(4)
    n = len(columns.codes)
    stops = np.random.default_rng(9).integers(0, n + 1, n)
    events: list[Progress] = []
    with ThreadPoolExecutor(2) as pool:
        minhash.screened_pairs(
            columns, np.arange(n), pool=pool, seed=4, anchors=128, stops=stops, progress=events.append
        )
    total = minhash.pairs_in_ranges(stops)[0].shape[0]
    assert total > 4 * 40  # several ranges
    assert {(e.phase, e.total_rows, e.unit) for e in events} == {("screen", total, "pairs")}
    done = [e.rows for e in events]
    assert done[0] == 0 and done[-1] == total and len(done) > 4
    assert all(a <= b for a, b in itertools.pairwise(done))
