"""`redundancy` on a wide table: past ``SCREEN_AFTER`` counted pairs the rest are screened, and
the planted duplicates and near-duplicates still come out first with their exact values."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_mutual_info_score

from outrank_cli.options import PassOptions, RedundancyOptions
from outrank_cli.pipeline import Request
from outrank_cli.select import redundancy
from outrank_cli.select.redundancy import redundant_pairs


@pytest.fixture(scope="module")
def wide_csv(tmp_path_factory):
    """90 unrelated 40-level columns (with the copies 4,278 pairs of similar entropies: the bound prunes none),
    a duplicate, a copy with 3% of rows changed and one with levels merged in twos."""
    rng = np.random.default_rng(5)
    n = 6_000
    data = {f"c{i:02d}": rng.integers(0, 40, n) for i in range(90)}
    noisy = data["c10"].copy()
    changed = rng.random(n) < 0.03
    noisy[changed] = rng.integers(0, 40, changed.sum())
    data.update({"dup_c03": data["c03"].copy(), "noisy_c10": noisy, "half_c20": data["c20"] // 2})
    data["y"] = rng.integers(0, 2, n)
    path = tmp_path_factory.mktemp("redundancy") / "wide.csv"
    pl.DataFrame(data).write_csv(path)
    return path, pl.DataFrame(data)


def test_planted_pairs_survive_the_screen_with_exact_values(wide_csv, monkeypatch):
    path, frame = wide_csv
    request = Request([str(path)], PassOptions(target="y", categorical=("*",)))
    screened = redundant_pairs(request, RedundancyOptions(top=3))
    assert screened.pairs_screened_out is not None and screened.pairs_screened_out > 2_000
    assert screened.pairs_total == 93 * 92 // 2
    got = {(p.a, p.b): p.normalized for p in screened.pairs}
    assert set(got) == {("c03", "dup_c03"), ("c10", "noisy_c10"), ("c20", "half_c20")}
    for (a, b), value in got.items():
        # scikit-learn's arithmetic-mean AMI on the raw values (all columns have <= 40 levels)
        assert value == pytest.approx(adjusted_mutual_info_score(frame[a], frame[b]), abs=1e-9)
    monkeypatch.setattr(redundancy, "SCREEN_AFTER", 10**9)
    exhaustive = redundant_pairs(request, RedundancyOptions(top=3))
    assert exhaustive.pairs_screened_out is None and exhaustive.pairs == screened.pairs


def test_the_report_says_how_many_pairs_were_screened_out(cli, wide_csv):
    path, _ = wide_csv
    doc = cli("redundancy", path, "-t", "y", "-f", "json", "--top", "3").json()
    assert doc["pairs_screened_out"] > 2_000
    assert doc["pairs_evaluated"] + doc["pairs_screened_out"] <= doc["pairs_total"]


@pytest.mark.parametrize("head", [1, 7, 100, 1_000, 10_000])
@pytest.mark.parametrize("spread", ["ties", "close", "wide"])
def test_the_pairs_ahead_of_the_screen_are_the_head_of_the_full_order(head, spread):
    rng = np.random.default_rng(2)
    entropy = {
        "ties": np.round(rng.uniform(0.1, 3.0, 60), 1),  # many equal bounds: ties at the cut
        "close": 1.0 + rng.uniform(0, 1e-9, 60),  # bounds apart by less than the rounding
        "wide": np.exp(rng.uniform(-20, 3, 60)),  # bounds near 0
    }[spread]
    live = np.flatnonzero(rng.random(60) < 0.9)
    pairs = [(int(a), int(b)) for i, a in enumerate(live) for b in live[i + 1 :]]

    def key(pair: tuple[int, int]) -> tuple[float, int, int]:
        low, high = sorted((entropy[pair[0]], entropy[pair[1]]))
        return (-round(low / ((low + high) / 2.0), 12), *pair)

    expected = sorted(pairs, key=key)
    bound, first, second = redundancy._by_bound(entropy, live, head)
    ahead = list(zip(first.tolist(), second.tolist(), strict=True))
    # the head: at least head pairs, in order, and every pair tied with the last of them
    assert len(ahead) >= min(head, len(pairs)) and ahead == expected[: len(ahead)]
    if head < len(pairs):
        cut = key(expected[head - 1])[0]
        assert len(ahead) == sum(key(p)[0] <= cut for p in pairs)
    else:
        assert len(ahead) == len(pairs)
    np.testing.assert_allclose(bound, [-key(p)[0] for p in ahead], atol=1e-12)
