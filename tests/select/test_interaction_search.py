"""`interactions`, `select --interactions` and check's `pair_leak`: planted pairs are found
(XOR first with p < 1e-6, a zero-mean ID x ID table among the first pairs), noise pairs are not
significant, the screen recalls the planted pairs, and the reports keep their contract.

The pair statistics themselves are checked against scikit-learn in tests/stats/test_interaction_stats.py;
here only ``Request``, the options and the command functions come from the package."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import mutual_info_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

from outrank_cli.options import InteractionOptions, PassOptions
from outrank_cli.pipeline import Request
from outrank_cli.select.interactions import find_interactions

LN2 = math.log(2.0)
NOISE = ("noise_2", "noise_5", "noise_17", "noise_60", "noise_200", "noise_700")


def xor_table(n: int = 20_000, seed: int = 0) -> pl.DataFrame:
    """y = a XOR b with 10% of labels flipped, a weak single signal, noise of 2..700 levels."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    weak = rng.integers(0, 4, n)
    y = a ^ b
    flip = rng.random(n) < 0.1
    y = np.where(flip, 1 - y, y)
    y = np.where((weak == 0) & (rng.random(n) < 0.15), 1, y)
    data = {"a": a, "weak": weak, "b": b}
    for name in NOISE:
        data[name] = rng.integers(0, int(name.split("_")[1]), n)
    data["y"] = y
    return pl.DataFrame(data)


def wide_table(n: int = 30_000, noise: int = 56, seed: int = 1) -> pl.DataFrame:
    """Integer IDs of 2..5,000 levels, a XOR pair of flags, and a 50 x 40 ID pair whose effect is
    a zero-mean table of logits over its combinations (no marginal effect by construction)."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for k, levels in enumerate(np.round(np.geomspace(2, 5_000, noise)).astype(int)):
        data[f"id{k}_{levels}"] = rng.integers(0, levels, n)
    flag_a, flag_b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    u, v = rng.integers(0, 50, n), rng.integers(0, 40, n)
    effect = rng.normal(0.0, 1.0, (50, 40))
    effect -= effect.mean(axis=1, keepdims=True)
    effect -= effect.mean(axis=0, keepdims=True)
    logit = 1.0 * (2 * (flag_a ^ flag_b) - 1) + effect[u, v]
    data.update({"flag_a": flag_a, "pair_u": u, "flag_b": flag_b, "pair_v": v})
    data["y"] = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return pl.DataFrame(data)


@pytest.fixture(scope="module")
def xor_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("interactions") / "xor.csv"
    xor_table().write_csv(path)
    return path


@pytest.fixture(scope="module")
def wide_parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("interactions") / "wide.parquet"
    wide_table().write_parquet(path)
    return path


def pairs_of(doc: dict) -> list[tuple[str, str]]:
    return [tuple(sorted((p["a"], p["b"]))) for p in doc["pairs"]]


def test_xor_is_the_first_pair_and_no_noise_pair_is_significant(cli, xor_csv):
    result = cli("interactions", xor_csv, "-t", "y", "-f", "json", "--top", "1000")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["command"] == "interactions"
    first = doc["pairs"][0]
    assert (first["a"], first["b"]) == ("a", "b")
    assert first["significant"] and first["p_value"] < 1e-6
    assert next(i for i, p in enumerate(doc["pairs"]) if p["p_value"] < 1e-6) == 0
    # 1 - H(0.1 and the weak nudge) bits, about half of H(y); the parts alone have none
    assert first["score"] > 0.4 and abs(first["a_score"]) < 1e-3 and abs(first["b_score"]) < 1e-3
    assert first["synergy"] == pytest.approx(first["score"] - first["a_score"] - first["b_score"], abs=1e-9)
    # best first: significant pairs, then by synergy within each group
    flags = [p["significant"] for p in doc["pairs"]]
    assert flags == sorted(flags, reverse=True)
    for group in (True, False):
        synergies = [p["synergy"] for p in doc["pairs"] if p["significant"] is group]
        assert synergies == sorted(synergies, reverse=True)
    noise_pairs = [p for p in doc["pairs"] if p["a"] in NOISE and p["b"] in NOISE]
    assert len(noise_pairs) == 15 and not any(p["significant"] for p in noise_pairs)
    screening = doc["screening"]
    assert screening == {
        "method": "exhaustive",
        "pairs_total": 36,
        "pairs_screened": 0,
        "pairs_evaluated": 36,
        "rows": None,
        "levels": None,
    }
    assert len(doc["pairs"]) == 36
    assert doc["options"]["max_pairs"] == 1000 and doc["options"]["top"] == 1000


def test_reported_joint_figures_equal_sklearn_on_the_combined_codes(cli, xor_csv):
    doc = cli("interactions", xor_csv, "-t", "y", "-f", "json").json()
    table = xor_table()
    y = table["y"].to_numpy()
    # columns of at most 16 values: every view of them is the partition by value
    few = {"a", "b", "weak", "noise_2", "noise_5"}
    checked = [p for p in doc["pairs"] if {p["a"], p["b"]} <= few]
    assert len(checked) == 10
    for p in checked:
        a, b = table[p["a"]].to_numpy(), table[p["b"]].to_numpy()
        combined = a * (int(b.max()) + 1) + b
        mi = mutual_info_score(y, combined)
        expected = expected_mutual_information(contingency_matrix(y, combined, sparse=False), len(y))
        assert p["mi"] == pytest.approx(mi / LN2, rel=1e-9)
        assert p["score"] == pytest.approx((mi - expected) / LN2, rel=1e-6, abs=1e-9)
        assert p["combinations"] == len(np.unique(combined))
        # Bonferroni over the 36 pairs looked at
        assert p["p_value"] <= 1.0


def test_the_screen_recalls_the_planted_pairs_and_reports_what_it_did(wide_parquet):
    request = Request([str(wide_parquet)], PassOptions(target="y"))
    screened = find_interactions(request, InteractionOptions(max_pairs=40, top=40))
    total = 60 * 59 // 2
    s = screened.screening
    assert (s.method, s.pairs_total, s.pairs_screened, s.pairs_evaluated) == ("screened", total, total, 40)
    assert s.rows == 30_000 and s.levels == 16
    order = [tuple(sorted((p.a, p.b))) for p in screened.pairs]
    assert order.index(("flag_a", "flag_b")) < 5
    assert order.index(("pair_u", "pair_v")) < 5
    planted = {("flag_a", "flag_b"), ("pair_u", "pair_v")}
    assert all(p.significant for p in screened.pairs if tuple(sorted((p.a, p.b))) in planted)
    significant = [p for p in screened.pairs if p.significant]
    # every significant pair involves a planted column (their other columns add nothing)
    planted_columns = {"flag_a", "flag_b", "pair_u", "pair_v"}
    assert all({p.a, p.b} & planted_columns for p in significant)
    # the exact figures of a pair do not depend on how it was found
    exhaustive = find_interactions(request, InteractionOptions(max_pairs=total, top=total))
    assert exhaustive.screening.method == "exhaustive"
    by_pair = {(p.a, p.b): p for p in exhaustive.pairs}
    for p in screened.pairs[:5]:
        twin = by_pair[(p.a, p.b)]
        assert (twin.score, twin.gain, twin.synergy, twin.p_value) == (p.score, p.gain, p.synergy, p.p_value)
        assert p.screen_deviate is not None and twin.screen_deviate is None


def test_the_screen_never_uses_single_relevance(wide_parquet):
    """The parts of a XOR have no relevance: they still come out on top of the screen, whatever
    budget is left for the exact evaluation."""
    request = Request([str(wide_parquet)], PassOptions(target="y"))
    result = find_interactions(request, InteractionOptions(max_pairs=2, top=2))
    assert {tuple(sorted((p.a, p.b))) for p in result.pairs} == {("flag_a", "flag_b"), ("pair_u", "pair_v")}


def test_select_with_interactions_takes_the_xor_pair(cli, xor_csv):
    plain = cli("select", xor_csv, "-t", "y", "-f", "json").json()
    assert not {"a", "b"} & {s["name"] for s in plain["selected"]}
    assert "pair_candidates" not in plain and "interactions" not in plain["options"]
    result = cli("select", xor_csv, "-t", "y", "-f", "json", "--interactions")
    assert result.code == 0, result.err
    doc = result.json()
    names = [s["name"] for s in doc["selected"]]
    assert names[:2] == ["a", "b"] and len(set(names)) == len(names)
    assert doc["selected"][0]["pair"] == doc["selected"][1]["pair"] == "a & b"
    assert doc["selected"][0]["step"] == doc["selected"][1]["step"] == 1
    assert doc["options"]["interactions"] is True
    assert doc["pair_candidates"][0]["a"] == "a" and doc["pair_candidates"][0]["step"] == 1
    dropped = {d["name"] for d in doc["dropped"]}
    assert not {"a", "b", "a & b"} & dropped
    lines = cli("select", xor_csv, "-t", "y", "-f", "names", "--interactions").out.splitlines()
    assert lines[:2] == ["a", "b"] and len(lines) == len(set(lines))
    rows = list(
        csv.DictReader(io.StringIO(cli("select", xor_csv, "-t", "y", "-f", "csv", "--interactions").out))
    )
    assert rows[0]["pair"] == "a & b"


def test_check_reports_a_leak_split_over_two_columns(cli, tmp_path):
    rng = np.random.default_rng(4)
    n = 10_000
    order, line = rng.integers(0, 30, n), rng.integers(0, 8, n)
    label = rng.integers(0, 2, (30, 8))
    # 12 columns: 66 pairs, more than check evaluates without its screen
    noise = {f"n{i}": rng.integers(0, 3 + 7 * i, n) for i in range(9)}
    pl.DataFrame(
        {"order": order, "x": rng.integers(0, 5, n), **noise, "line": line, "y": label[order, line]}
    ).write_csv(tmp_path / "leak.csv")
    result = cli("check", tmp_path / "leak.csv", "-t", "y", "-f", "json")
    assert result.code == 1, result.err
    leaks = [f for f in result.json()["findings"] if f["code"] == "pair_leak"]
    assert len(leaks) == 1
    assert {leaks[0]["column"], leaks[0]["other"]} == {"order", "line"}
    assert leaks[0]["severity"] == "error" and leaks[0]["values"]["share"] > 0.9
    assert leaks[0]["values"]["share_alone"] < 0.5
    ignored = cli("check", tmp_path / "leak.csv", "-t", "y", "-f", "json", "--ignore", "pair_leak")
    assert ignored.code == 0


def test_names_csv_and_directory_outputs(cli, xor_csv, tmp_path):
    names = cli("interactions", xor_csv, "-t", "y", "-f", "names")
    assert names.code == 0 and names.out == "a\tb\n"
    rows = list(csv.DictReader(io.StringIO(cli("interactions", xor_csv, "-t", "y", "-f", "csv").out)))
    assert list(rows[0])[:7] == ["a", "b", "score", "gain", "synergy", "p_value", "significant"]
    assert rows[0]["significant"] == "true" and len(rows) == 36
    out = tmp_path / "reports"
    out.mkdir()
    assert cli("interactions", xor_csv, "-t", "y", "-o", str(out) + "/").code == 0
    assert sorted(p.name for p in out.iterdir()) == ["interactions.csv", "interactions.json"]
    table = cli("interactions", xor_csv, "-t", "y", "-f", "table", "--top", "3")
    assert "all 36 pairs evaluated" in table.out and "1 significant of 3 shown" in table.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--max-pairs", "0"), "--max-pairs must be >= 1, got 0"),
        (("--top", "0"), "--top must be >= 1, got 0"),
        (("--significance", "1.5"), "--significance must be between 0 and 1, got 1.5"),
        (("--significance", "nan"), "--significance must be a finite number, got nan"),
        (("--sample-rows", "10"), "--sample-rows must be >= 100, got 10"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(cli, xor_csv, args, message):
    result = cli("interactions", xor_csv, "-t", "y", *args)
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_k_counts_columns_with_interactions(cli, xor_csv, k):
    doc = cli("select", xor_csv, "-t", "y", "-f", "json", "--interactions", "--k", str(k)).json()
    names = [s["name"] for s in doc["selected"]]
    assert len(names) == k == len(set(names)), names
    assert doc["stopped_by"] == "k reached"
    taken = doc["pair_candidates"][0]["step"]
    if k == 1:  # no room for a pair: it is passed over, one column fills k
        assert taken is None and names[0] not in {"a & b"}
    else:
        assert taken == 1 and names[:2] == ["a", "b"]


def test_a_pair_is_passed_over_when_one_place_is_left(cli, wide_parquet):
    doc = cli("select", wide_parquet, "-t", "y", "-f", "json", "--interactions", "--k", "3").json()
    names = [s["name"] for s in doc["selected"]]
    assert len(names) == 3 == len(set(names)), names
    steps = {c["a"]: c["step"] for c in doc["pair_candidates"]}
    # the stronger pair takes two places; the other pair does not fit in the one left
    assert steps["flag_a"] == 1 and steps["pair_u"] is None
    assert names[:2] == ["flag_a", "flag_b"]


def test_a_pair_with_a_taken_column_gives_way_to_its_other_column(cli, tmp_path):
    """Three flags that matter only in pairs (each pair's XOR moves the logit), none alone.
    Once a pair is taken, the pairs that share a column with it are no candidates; the third
    flag, which has no relevance of its own, comes in alone, weighed given the two taken."""
    rng = np.random.default_rng(7)
    n = 20_000
    a, b, c = (rng.integers(0, 2, n) for _ in range(3))
    logit = 2.0 * ((a ^ b) + (a ^ c) + (b ^ c)) - 3.0
    data = {"a": a, "b": b, "c": c, "noise": rng.integers(0, 50, n)}
    data["y"] = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    pl.DataFrame(data).write_csv(tmp_path / "three.csv")
    plain = cli("select", tmp_path / "three.csv", "-t", "y", "-f", "json").json()
    assert plain["selected"] == []  # no flag is relevant alone
    doc = cli("select", tmp_path / "three.csv", "-t", "y", "-f", "json", "--interactions").json()
    names = [s["name"] for s in doc["selected"]]
    assert sorted(names) == ["a", "b", "c"], names
    candidates = doc["pair_candidates"]
    assert len(candidates) == 3
    taken = [c for c in candidates if c["step"] is not None]
    assert len(taken) == 1 and taken[0]["step"] == 1
    third = next(s for s in doc["selected"] if s["name"] not in (taken[0]["a"], taken[0]["b"]))
    assert third["pair"] is None and third["step"] == 2 and abs(third["relevance"]) < 0.01


def test_a_pair_with_a_copy_of_a_taken_column_gives_way(cli, tmp_path):
    """y depends on a XOR b and on a XOR e; a_copy repeats a. After (a, b) is taken, the pair
    (a_copy, e) would bring in a copy of a: it gives way, and e comes in alone."""
    rng = np.random.default_rng(11)
    n = 20_000
    a, b, e = (rng.integers(0, 2, n) for _ in range(3))
    logit = 2.0 * (a ^ b) + 2.0 * (a ^ e) - 2.0
    data = {"a": a, "b": b, "e": e, "a_copy": a.copy(), "noise": rng.integers(0, 30, n)}
    data["y"] = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    pl.DataFrame(data).write_csv(tmp_path / "copy.csv")
    doc = cli("select", tmp_path / "copy.csv", "-t", "y", "-f", "json", "--interactions").json()
    names = [s["name"] for s in doc["selected"]]
    assert sorted(names) == ["a", "b", "e"], (names, doc["pair_candidates"])
    assert len([c for c in doc["pair_candidates"] if c["step"] is not None]) == 1


def _chance_corrected_joint(y: np.ndarray, *columns: np.ndarray) -> float:
    """I(columns; y) in bits, less its expected value under permutation (scikit-learn)."""
    combined = np.zeros(len(y), dtype=np.int64)
    for column in columns:
        combined = combined * (int(column.max()) + 1) + column
    mi = mutual_info_score(y, combined)
    expected = expected_mutual_information(contingency_matrix(y, combined, sparse=False), len(y))
    return float((mi - expected) / LN2)


def test_a_pair_takes_two_places_only_when_it_beats_two_single_columns(cli, tmp_path):
    """``a`` (40 IDs) carries most of the signal and ``c`` (a flag) only flips ``a``'s effect, so
    the pair ``a & c`` is the best candidate of step 1 (above ``b``, the best single column).
    But ``b`` (``a``'s group and a level of its own) and then ``a`` tell more in the same two
    places: with ``--k 2`` the search takes them and passes the pair over. The pair won step 1
    against ``b`` alone before, and ``--k 2`` returned ``a`` and ``c``."""
    rng = np.random.default_rng(5)
    n = 30_000
    a, own, c = rng.integers(0, 40, n), rng.integers(0, 3, n), rng.integers(0, 2, n)
    b = (a % 4) * 3 + own
    effect_a = np.array([-1.5, -0.5, 0.5, 1.5])[np.arange(40) % 4] + rng.normal(0.0, 0.5, 40)
    flip = rng.choice([-0.6, 0.6], 40)
    logit = effect_a[a] + np.array([-0.9, 0.0, 0.9])[own] + (2 * c - 1) * flip[a]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    pl.DataFrame({"a": a, "b": b, "c": c, "noise": rng.integers(0, 30, n), "y": y}).write_csv(
        tmp_path / "places.csv"
    )
    # what the two subsets tell, independently of the search
    two_singles = _chance_corrected_joint(y, a, b)
    the_pair = _chance_corrected_joint(y, a, c)
    assert two_singles > the_pair + 0.01
    assert _chance_corrected_joint(y, a, c) > max(_chance_corrected_joint(y, col) for col in (a, b, c))

    doc = cli("select", tmp_path / "places.csv", "-t", "y", "-f", "json", "--interactions", "--k", "2").json()
    pair = next(p for p in doc["pair_candidates"] if {p["a"], p["b"]} == {"a", "c"})
    assert pair["score"] == pytest.approx(the_pair, rel=1e-6)
    assert [s["name"] for s in doc["selected"]] == ["b", "a"]
    assert pair["step"] is None and all(s["pair"] is None for s in doc["selected"])
    # the comparison the search made: b's relevance and a's gain given b against the pair
    first, second = doc["selected"]
    assert first["gain"] + second["gain"] > pair["score"] > first["gain"]
    # without --k the search goes on and takes the pair at step 2 (a, with c): the subset of
    # --k 2 is the start of the automatic one
    automatic = cli("select", tmp_path / "places.csv", "-t", "y", "-f", "json", "--interactions").json()
    assert [s["name"] for s in automatic["selected"]][:1] == ["b"]
    assert {s["name"] for s in automatic["selected"]} >= {"a", "b", "c"}


def test_pair_candidates_keep_the_order_of_the_columns(xor_csv):
    # the combined search's sample: each column keeps whether its codes are ordered bins (its
    # gain test has the trend test), a pair's combined codes are not ordered, the target as is
    from outrank_cli.options import SearchOptions
    from outrank_cli.select.combined import with_pair_candidates

    request = Request([str(xor_csv)], PassOptions(target="y"))
    with request.scored(sample_rows=20_000) as (scored, pool):
        combined = with_pair_candidates(scored, SearchOptions(interactions=True), pool=pool)
    plain, sample = scored.sample, combined.scored.sample
    assert plain is not None and sample is not None
    assert len(sample.names) > len(plain.names)  # the XOR pair is a candidate
    assert any(plain.ordered)
    assert sample.ordered == (*plain.ordered, *([False] * (len(sample.names) - len(plain.names))))
    assert sample.target_ordered is plain.target_ordered is False


def test_pairs_leave_out_a_column_constant_on_the_sample(tmp_path):
    """A column with one value on the sampled rows pairs with nothing; one with a second value
    on two rows only (which the quick look at the first sampled rows misses) still pairs."""
    rng = np.random.default_rng(7)
    n = 3_000
    late = np.zeros(n, dtype=np.int64)
    late[[1_000, 2_500]] = 1
    frame = pl.DataFrame(
        {
            "a": rng.integers(0, 4, n),
            "same": np.full(n, 5),
            "b": rng.integers(0, 3, n),
            "late": late,
            "y": rng.integers(0, 2, n),
        }
    )
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    result = find_interactions(Request([str(path)], PassOptions(target="y")), InteractionOptions(top=50))
    assert result.screening.pairs_total == 3  # a, b and late: 3 pairs, none with "same"
    named = {frozenset((p.a, p.b)) for p in result.pairs}
    assert named == {frozenset(("a", "b")), frozenset(("a", "late")), frozenset(("b", "late"))}
