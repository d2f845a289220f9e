"""``gather_codes``: a row sample column's codes in a new order, mapped, in one pass (checked
against numpy's fancy indexing)."""

from __future__ import annotations

import numpy as np
import pytest

from outrank_cli.kernels.encoding import gather_codes


@pytest.mark.parametrize("dtype", [np.uint16, np.int32])
@pytest.mark.parametrize("mapped", [False, True])
def test_gather_codes_is_remap_of_codes_in_order(dtype, mapped):
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 60_000 if dtype == np.uint16 else 200_000, 5_000).astype(dtype)
    order = rng.permutation(5_000)[:3_000]
    remap = rng.integers(-5, 2**31 - 1, int(codes.max()) + 1).astype(np.int64) if mapped else None
    got = gather_codes(codes, order, remap)
    want = codes[order].astype(np.int64) if remap is None else remap[codes[order]]
    assert got.dtype == np.int32 and got.shape == (3_000,)
    np.testing.assert_array_equal(got, want)


def test_gather_codes_of_nothing():
    assert gather_codes(np.zeros(0, dtype=np.uint16), np.zeros(0, dtype=np.int64)).shape == (0,)
