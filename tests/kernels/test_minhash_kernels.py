"""Block MinHash kernels against plain-Python references."""

from __future__ import annotations

import numpy as np
import pytest

from outrank_cli.kernels import hashing, screen

MASK = (1 << 64) - 1


def naive_signature(
    codes: np.ndarray, row_hash: np.ndarray, anchors: np.ndarray
) -> tuple[list[int], list[int]]:
    """For each anchor r: the hash of the other row of r's level that comes next after r's
    own hash, cyclically (0xFF..FF when r is alone), and how many other rows there are."""
    signatures, blocks = [], []
    for r in anchors:
        others = [int(row_hash[s]) for s in range(codes.shape[0]) if codes[s] == codes[r] and s != r]
        own = int(row_hash[r])
        blocks.append(len(others))
        signatures.append(min(others, key=lambda h: (h - own) & MASK) if others else MASK)
    return signatures, blocks


@pytest.mark.parametrize(
    ("rows", "levels", "n_anchors"),
    [
        (1, 1, 1),
        (50, 1, 10),
        (300, 4, 300),
        (400, 150, 64),
        (2_000, 17, 256),
        (1_500, 1_400, 500),
        (200, 2, 0),
    ],
)
def test_block_minhash_matches_reference(rows, levels, n_anchors):
    rng = np.random.default_rng(rows + levels)
    codes = rng.integers(0, levels, rows).astype(np.int32)
    row_hash = hashing.mix64_array(np.arange(rows, dtype=np.uint64), 7)
    anchors = np.sort(rng.choice(rows, n_anchors, replace=False))
    signature, block = screen.block_minhash(codes, row_hash, anchors, levels=levels)
    expected_signature, expected_block = naive_signature(codes, row_hash, anchors)
    assert block.tolist() == expected_block
    assert [s for s, b in zip(signature.tolist(), expected_block, strict=True) if b] == [
        s for s, b in zip(expected_signature, expected_block, strict=True) if b
    ]


def naive_excess(signatures, blocks, a, b, rows):
    excess = informative = 0.0
    for j in range(signatures.shape[1]):
        x, y = int(blocks[a, j]), int(blocks[b, j])
        if x == 0 and y == 0:
            continue
        informative += 1
        if x and y:
            shared = x * y / (rows - 1)
            excess += float(signatures[a, j] == signatures[b, j]) - shared / (x + y - shared)
    return excess, informative


def test_minhash_excess_matches_reference():
    rng = np.random.default_rng(0)
    signatures = rng.integers(0, 3, (5, 40)).astype(np.uint64)
    blocks = rng.integers(0, 4, (5, 40)).astype(np.int32)
    a, b = np.array([0, 1, 2, 4]), np.array([1, 3, 4, 4])
    excess, informative = screen.minhash_excess(signatures, blocks, a, b, rows=100)
    for p in range(4):
        want = naive_excess(signatures, blocks, a[p], b[p], 100)
        assert excess[p] == pytest.approx(want[0]) and informative[p] == want[1]
    shares = screen.block_shares(blocks, 100)
    np.testing.assert_array_equal(shares, blocks / 99.0)
    given = screen.minhash_excess(signatures, blocks, a, b, rows=100, shares=shares)
    np.testing.assert_array_equal(given[0], excess)
    with pytest.raises(ValueError, match="shares must be"):
        screen.minhash_excess(signatures, blocks, a, b, rows=100, shares=shares[:, :-1])


def test_duplicate_columns_agree_everywhere_and_checks_raise():
    codes = np.repeat(np.arange(100, dtype=np.int32), 5)
    row_hash = hashing.mix64_array(np.arange(500, dtype=np.uint64), 1)
    anchors = np.arange(0, 500, 7)
    s1, b1 = screen.block_minhash(codes, row_hash, anchors, levels=100)
    s2, b2 = screen.block_minhash((99 - codes).astype(np.int32), row_hash, anchors, levels=100)
    excess, informative = screen.minhash_excess(np.stack([s1, s2]), np.stack([b1, b2]), [0], [1], rows=500)
    assert informative[0] == anchors.shape[0] and excess[0] == pytest.approx(
        anchors.shape[0] * (1 - 16 / 499 / (8 - 16 / 499))
    )
    with pytest.raises(ValueError, match="codes must lie"):
        screen.block_minhash(codes, row_hash, anchors, levels=50)
    with pytest.raises(ValueError, match="anchor rows"):
        screen.block_minhash(codes, row_hash, np.array([500]), levels=100)


def brute_force_screen(signatures, blocks, shares, min_anchors, min_excess):
    """Every pair (a, b), a < b, judged with plain loops: agreements and informative anchors
    counted one anchor at a time, and the verdict of the full excess (minhash_excess's sum)."""
    n, k = signatures.shape
    kept = set()
    for a in range(n):
        for b in range(a + 1, n):
            informative = agreements = 0
            excess = 0.0
            for j in range(k):
                x, y = int(blocks[a, j]), int(blocks[b, j])
                if x == 0 and y == 0:
                    continue
                informative += 1
                if x and y:
                    agree = signatures[a, j] == signatures[b, j]
                    agreements += int(agree)
                    shared = x * shares[b, j]
                    excess = excess + float(agree) - shared / (x + y - shared)
            assert excess <= agreements  # what the screen's first cut relies on
            if informative < min_anchors or excess >= min_excess * informative:
                kept.add((a, b))
    return kept


def packed(signatures, blocks):
    """The screen kernels' fingerprints and occupied-anchor bits (as ``stats.minhash`` builds them)."""
    n, k = signatures.shape
    padded = -(-k // 128) * 128
    byte = np.zeros((n, padded), dtype=np.uint8)
    byte[:, :k] = (signatures % np.uint64(254) + np.uint64(2)).astype(np.uint8)
    occupied = np.zeros((n, padded), dtype=bool)
    occupied[:, :k] = blocks > 0
    words = np.zeros((n, -(-k // 64) * 8), dtype=np.uint8)
    bits = np.packbits(blocks > 0, axis=1, bitorder="little")
    words[:, : bits.shape[1]] = bits
    return (
        np.where(occupied, byte, np.uint8(0)).view(np.uint64),
        np.where(occupied, byte, np.uint8(1)).view(np.uint64),
        words.view(np.uint64),
    )


def synthetic_signatures(seed: int, k: int):
    """Signatures and blocks of columns of every kind the screen meets: few values (chance
    agreement up to a half), many, empty blocks at most anchors (fewer informative anchors
    than MIN_ANCHORS), duplicates, and pairs planted to agree at exactly a given number of
    anchors around the cut, with small blocks (almost no chance agreement) and large ones."""
    rng = np.random.default_rng(seed)
    signatures, blocks = [], []
    for values in (2, 3, 10, 1000, 2**62):
        for _ in range(3):
            signatures.append(rng.integers(0, values, k, dtype=np.uint64))
            blocks.append(rng.integers(1, 3000, k).astype(np.int32))
    for empty in (0.5, 0.8, 0.9, 0.97):
        signatures.append(rng.integers(0, 4, k, dtype=np.uint64))
        blocks.append(np.where(rng.random(k) < empty, 0, rng.integers(1, 5, k)).astype(np.int32))
    signatures.append(signatures[3].copy())
    blocks.append(blocks[3].copy())
    base = rng.integers(1, 2**62, k, dtype=np.uint64)
    for agree in (k // 10 - 1, k // 10, k // 10 + 1, k // 10 + 2, -(-k // 10)):
        other = rng.integers(1, 2**62, k, dtype=np.uint64)
        chosen = rng.choice(k, max(agree, 0), replace=False)
        other[chosen] = base[chosen]
        signatures.append(other)
        blocks.append(np.ones(k, dtype=np.int32))
    # large blocks: the chance terms (a fifth an anchor) decide, around 0.3 k agreements
    for agree in range(-(-3 * k // 10) - 2, -(-3 * k // 10) + 3):
        other = rng.integers(1, 2**62, k, dtype=np.uint64)
        chosen = rng.choice(k, max(agree, 0), replace=False)
        other[chosen] = base[chosen]
        signatures.append(other)
        blocks.append(np.full(k, 1000, dtype=np.int32))
    signatures.append(base)
    blocks.append(np.ones(k, dtype=np.int32))
    signatures.append(base.copy())
    blocks.append(np.full(k, 1000, dtype=np.int32))
    return np.stack(signatures), np.stack(blocks)


@pytest.mark.parametrize("k", [8, 64, 100, 256, 300])
@pytest.mark.parametrize("chance", [True, False])
def test_pair_screen_kernels_match_brute_force(k, chance):
    signatures, blocks = synthetic_signatures(k, k)
    rows = 3001
    # without chance terms (shares 0) excess = agreements: the agreement cut is met exactly
    shares = screen.block_shares(blocks, rows) if chance else np.zeros(blocks.shape)
    expected = brute_force_screen(signatures, blocks, shares, 64, 0.1)
    n = signatures.shape[0]
    first, second = (x.astype(np.int64) for x in np.triu_indices(n, k=1))
    excess, informative = screen.minhash_excess(signatures, blocks, first, second, rows=rows, shares=shares)
    full = {
        (a, b)
        for a, b, e, i in zip(first.tolist(), second.tolist(), excess, informative, strict=True)
        if i < 64 or e >= 0.1 * i
    }
    assert full == expected
    if k >= 100:  # pairs kept and dropped (with fewer anchors, all are kept)
        assert 0 < len(expected) < first.shape[0]
    fingerprints_a, fingerprints_b, occupied = packed(signatures, blocks)
    arrays = (fingerprints_a, fingerprints_b, occupied, signatures, blocks, shares)
    kept = screen.screen_listed_pairs(*arrays, first, second, min_anchors=64, min_excess=0.1)
    assert {
        (a, b) for a, b, keep in zip(first.tolist(), second.tolist(), kept, strict=True) if keep
    } == expected
    room = np.empty(first.shape[0], dtype=np.int64), np.empty(first.shape[0], dtype=np.int64)
    everything = np.full(n, n, dtype=np.int64)
    got = set()
    for start, stop in ((0, 5), (5, 17), (17, n)):
        count = screen.screen_pair_ranges(
            *arrays, everything, start, stop, *room, min_anchors=64, min_excess=0.1
        )
        got |= set(zip(room[0][:count].tolist(), room[1][:count].tolist(), strict=True))
    assert got == expected
    # partner ranges of their own: (a, b) for b < stops[a]
    stops = np.random.default_rng(k).integers(0, n + 1, n)
    count = screen.screen_pair_ranges(*arrays, stops, 0, n, *room, min_anchors=64, min_excess=0.1)
    got = set(zip(room[0][:count].tolist(), room[1][:count].tolist(), strict=True))
    assert got == {(a, b) for a, b in expected if b < stops[a]}
    # with no room, the count alone
    nothing = np.empty(0, dtype=np.int64)
    assert screen.screen_pair_ranges(
        *arrays, everything, 0, n, nothing, nothing, min_anchors=64, min_excess=0.1
    ) == len(expected)
    # the column summaries computed once and handed in: the same verdicts
    summaries = screen.column_summaries(occupied, blocks, shares)
    kept_with = screen.screen_listed_pairs(
        *arrays, first, second, min_anchors=64, min_excess=0.1, summaries=summaries
    )
    assert np.array_equal(kept_with, kept)
    count = screen.screen_pair_ranges(
        *arrays, stops, 0, n, *room, min_anchors=64, min_excess=0.1, summaries=summaries
    )
    assert set(zip(room[0][:count].tolist(), room[1][:count].tolist(), strict=True)) == {
        (a, b) for a, b in expected if b < stops[a]
    }


@pytest.mark.parametrize("k", [8, 64, 300])
def test_column_summaries_are_occupied_anchors_and_the_smallest_block(k):
    signatures, blocks = synthetic_signatures(k, k)
    blocks[1] = 0  # a column of empty blocks only
    blocks[2, 3 % k] = 1  # a smallest block met twice: its first place gives the share
    blocks[2, (k - 1)] = 1
    shares = np.arange(blocks.size, dtype=np.float64).reshape(blocks.shape) / blocks.size
    _, _, occupied = packed(signatures, blocks)
    got = screen.column_summaries(occupied, blocks, shares)
    for c in range(blocks.shape[0]):
        sizes = [int(x) for x in blocks[c]]
        assert got.occupied[c] == sum(1 for x in sizes if x > 0)
        if not any(sizes):
            assert got.least_block[c] == 0 and got.least_share[c] == 0.0
            continue
        least = min(x for x in sizes if x > 0)
        assert got.least_block[c] == least
        assert got.least_share[c] == shares[c, sizes.index(least)]
