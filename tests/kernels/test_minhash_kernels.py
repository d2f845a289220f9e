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
    ("rows", "levels", "n_anchors"), [(1, 1, 1), (50, 1, 10), (300, 4, 300), (400, 150, 64)]
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
