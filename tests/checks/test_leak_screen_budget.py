"""check's pair-leak screen on wide tables: every pair up to a budget, beyond it the pairs with
one of the most relevant columns (counted by brute force here), and a note that says so."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import polars as pl
import pytest

from outrank_cli.checks import leaks


@pytest.mark.parametrize("n", [2, 3, 10, 57])
@pytest.mark.parametrize("budget", [1, 9, 40, 100, 10_000])
def test_leading_columns_is_the_largest_count_within_the_budget(n, budget):
    def pairs_with_one_of(k: int) -> int:
        return sum(1 for a, b in combinations(range(n), 2) if a < k or b < k)

    k = leaks.leading_columns(n, budget)
    if pairs_with_one_of(n) <= budget:
        assert k == n
    else:
        assert pairs_with_one_of(k) <= budget < pairs_with_one_of(k + 1)


def test_screened_pairs_are_those_with_one_of_the_most_relevant_columns():
    scores = np.array([0.1, 0.5, 0.0, 0.5, 0.2, 0.0, 0.3])  # ties: the earlier column first
    assert leaks.leading_columns(7, 11) == 2  # 2 leading columns: 6 + 5 pairs
    first, second = leaks.screened_pairs(scores, 2)
    expected = sorted((a, b) for a, b in combinations(range(7), 2) if {a, b} & {1, 3})
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == expected
    everything = leaks.screened_pairs(scores, leaks.leading_columns(7, 21))
    assert list(zip(*(x.tolist() for x in everything), strict=True)) == list(combinations(range(7), 2))


def _leak_table(path, *, relevant_part: bool) -> None:
    rng = np.random.default_rng(4)
    n = 10_000
    order, line = rng.integers(0, 30, n), rng.integers(0, 8, n)
    label = rng.integers(0, 2, (30, 8))
    if not relevant_part:  # a XOR: neither column tells anything alone
        order, line = rng.integers(0, 2, n), rng.integers(0, 2, n)
        label = np.array([[0, 1], [1, 0]])
    noise = {f"n{i}": rng.integers(0, 3 + 7 * i, n) for i in range(9)}
    pl.DataFrame({"order": order, **noise, "line": line, "y": label[order, line]}).write_csv(path)


def test_past_the_budget_a_leak_with_a_relevant_part_is_still_found_and_a_note_says_so(
    cli, tmp_path, monkeypatch
):
    monkeypatch.setattr(leaks, "LEAK_SCREEN_PAIRS", 20)  # 11 columns, 55 pairs: 2 leading
    _leak_table(tmp_path / "leak.csv", relevant_part=True)
    findings = cli("check", tmp_path / "leak.csv", "-t", "y", "-f", "json").json()["findings"]
    found = [f for f in findings if f["code"] == "pair_leak"]
    assert [{f["column"], f["other"]} for f in found] == [{"order", "line"}]
    notes = [f for f in findings if f["code"] == "pair_leak_partial"]
    assert len(notes) == 1 and notes[0]["severity"] == "info"
    assert notes[0]["values"] == {"pairs_total": 55, "pairs_screened": 19, "leading_columns": 2}


def test_past_the_budget_a_leak_between_two_irrelevant_columns_can_be_missed(cli, tmp_path, monkeypatch):
    _leak_table(tmp_path / "xor.csv", relevant_part=False)
    whole = cli("check", tmp_path / "xor.csv", "-t", "y", "-f", "json").json()["findings"]
    assert [f["code"] for f in whole if f["code"].startswith("pair_leak")] == ["pair_leak"]
    monkeypatch.setattr(leaks, "LEAK_SCREEN_PAIRS", 20)
    partial = cli("check", tmp_path / "xor.csv", "-t", "y", "-f", "json").json()["findings"]
    assert [f["code"] for f in partial if f["code"].startswith("pair_leak")] == ["pair_leak_partial"]
