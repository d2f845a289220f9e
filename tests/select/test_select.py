"""`select` and `redundancy`: the greedy search step by step against the plain-Python reference
(every criterion, with and without --k), duplicates, noise, stopping, reproducibility, output
formats and bad options.

Only ``Request``, the options and ``select_features`` come from the package, so these tests hold
however the package is laid out inside."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from tables import selection_table

from outrank_cli.pipeline import Request
from outrank_cli.select import PassOptions, SearchOptions, select_features
from tests import reference

LN2 = math.log(2.0)


@pytest.fixture(scope="module")
def selection_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("select") / "table.csv"
    selection_table().write_csv(path)
    return path


def test_automatic_stop_keeps_one_per_duplicate_group_all_signal_no_noise(cli, selection_csv):
    result = cli("select", selection_csv, "-t", "y", "-f", "json")
    assert result.code == 0, result.err
    doc = result.json()
    chosen = [s["name"] for s in doc["selected"]]
    assert len([c for c in chosen if c in {"s1", "s1_copy", "s1_near"}]) == 1
    assert len([c for c in chosen if c in {"s2", "s2_scaled"}]) == 1
    assert "s3" in chosen
    assert len(chosen) == 3
    assert doc["stopped_by"] == "marginal gain at the noise floor"
    reasons = {d["name"]: d["reason"] for d in doc["dropped"]}
    for noise in ("id", "noise_cat", "noise_num", "noise_hc"):
        assert reasons[noise] == "no signal"
    assert reasons["s1_copy"] == "redundant with s1"
    assert reasons["s2_scaled"] == "redundant with s2"
    assert reasons["s1_near"] == "redundant with s1"
    assert [s["step"] for s in doc["selected"]] == [1, 2, 3]
    assert doc["selected"][0]["most_redundant_with"] is None
    assert doc["selected"][1]["most_redundant_with"] in chosen


def test_duplicates_only_fill_k_after_every_other_column(cli, selection_csv):
    # 10 non-constant columns, 3 of them repeat a signal: --k 7 takes none of those
    doc = cli("select", selection_csv, "-t", "y", "-f", "json", "--k", "7").json()
    chosen = [s["name"] for s in doc["selected"]]
    assert len(chosen) == 7 and doc["stopped_by"] == "k reached"
    assert not {"s1_copy", "s1_near", "s2_scaled"} & set(chosen)
    # signals come before noise when noise has to fill k
    assert set(chosen[:3]) == {"s1", "s2", "s3"}
    # --k returns k columns whenever k non-constant columns exist: the repeats come last
    doc = cli("select", selection_csv, "-t", "y", "-f", "json", "--k", "10").json()
    chosen = [s["name"] for s in doc["selected"]]
    assert len(chosen) == 10 and doc["stopped_by"] == "k reached"
    assert set(chosen[7:]) == {"s1_copy", "s1_near", "s2_scaled"}


def test_the_fill_of_k_is_marked_in_every_format(cli, selection_csv):
    # the automatic search takes 3 columns (s1, s2, s3); --k 5 fills two more
    doc = cli("select", selection_csv, "-t", "y", "-f", "json", "--k", "5").json()
    assert [s["filled"] for s in doc["selected"]] == [False, False, False, True, True]
    assert [s["significant_gain"] for s in doc["selected"]] == [True, True, True, False, False]
    rows = cli("select", selection_csv, "-t", "y", "-f", "csv", "--k", "5").out.splitlines()
    assert rows[0].split(",")[-3:] == ["filled", "significant_gain", "additive"]
    assert [row.split(",")[-3] for row in rows[1:]] == ["false", "false", "false", "true", "true"]
    assert [row.split(",")[-1] for row in rows[1:]] == ["false"] * 5
    table = cli("select", selection_csv, "-t", "y", "-f", "table", "--k", "5").out
    assert "steps 4 to 5: the fill of --k past the automatic stop" in " ".join(table.split())
    # --k within the automatic subset: nothing is the fill, and the table says nothing
    doc = cli("select", selection_csv, "-t", "y", "-f", "json", "--k", "2").json()
    assert [s["filled"] for s in doc["selected"]] == [False, False]
    assert "the fill" not in cli("select", selection_csv, "-t", "y", "-f", "table", "--k", "2").out


def test_deterministic_function_of_selected_is_dropped(cli, tmp_path):
    frame = selection_table(n=20_000, seed=5).with_columns(
        (pl.col("s1").is_in(["c", "d"])).cast(pl.String).alias("s1_coarse")
    )
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    doc = cli("select", path, "-t", "y", "-f", "json").json()
    reasons = {d["name"]: d["reason"] for d in doc["dropped"]}
    assert "s1" in [s["name"] for s in doc["selected"]]
    assert reasons["s1_coarse"] == "redundant with s1"


def test_reproducible_across_runs_and_formats(cli, tmp_path, selection_csv):
    parquet = tmp_path / "t.parquet"
    pl.read_csv(selection_csv).write_parquet(parquet)
    runs = [cli("select", p, "-t", "y", "-f", "json").json() for p in (selection_csv, selection_csv, parquet)]
    for doc in runs:
        doc.pop("timings")
        doc["input"].pop("paths")
    assert runs[0] == runs[1] == runs[2]


# -- the greedy search against the plain-Python reference (tests/reference.py) -----------------
CRITERIA = ("jmi", "mrmr", "cmim", "jmim", "3mr")


def criteria_table(n: int = 3_000, seed: int = 132) -> pl.DataFrame:
    """Categorical columns only (strings and one small-integer column, so nothing is binned).

    Signals of different shapes, so that the criteria part ways: ``s1`` the strongest; ``combo``
    (the high half of s1 with a signal of its own) is second by relevance, but half of it
    repeats s1; ``inter_a`` and ``inter_b`` act mostly together (a XOR b); ``weak`` is a weak
    small-integer signal; ``z`` acts only together with the parity of s1. ``s1_copy`` (a
    duplicate spelled differently) and ``s1_pair`` (a function of s1) are redundant; ``s2`` and
    ``s2_noisy`` are too weak to count; ``noise_cat``, ``noise_hc`` (300 levels) and ``const``
    carry nothing.
    """
    rng = np.random.default_rng(seed)
    s1 = rng.integers(0, 4, n)
    s2 = rng.integers(0, 3, n)
    a = rng.integers(0, 2, n)
    b = rng.integers(0, 2, n)
    hidden = rng.integers(0, 2, n)
    z = rng.integers(0, 2, n)
    weak = rng.integers(0, 5, n)
    logit = (
        0.51 * (s1 - 1.5)
        + 1.22 * (a ^ b)
        + 0.13 * a
        + 0.73 * b
        + 0.32 * (s2 == 2)
        + 0.62 * hidden
        + 0.77 * (weak == 0)
        + 0.6 * (z * (2 * (s1 % 2) - 1))
        + 0.31 * z
        - 1.0
    )
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    s2_noisy = np.where(rng.random(n) < 0.21, rng.integers(0, 3, n), s2)
    return pl.DataFrame(
        {
            "noise_cat": rng.integers(0, 6, n).astype(str),
            "s1": np.array(list("abcd"))[s1],
            "combo": np.array([f"m{u}{v}" for u, v in zip(s1 // 2, hidden, strict=True)]),
            "inter_a": np.array(["no", "yes"])[a],
            "s1_copy": np.array(list("WXYZ"))[s1],
            "const": np.array(["same"] * n),
            "s2": np.array(list("pqr"))[s2],
            "z": np.array(["zo", "zi"])[z],
            "s2_noisy": np.array(list("pqr"))[s2_noisy],
            "inter_b": np.array(["lo", "hi"])[b],
            "weak": weak,
            "s1_pair": np.array(["ab", "ab", "cd", "cd"])[s1],
            "noise_hc": np.array([f"h{v}" for v in rng.integers(0, 300, n)]),
            "y": y,
        }
    )


@dataclass(frozen=True)
class ReferenceCase:
    """A table on disk for the library and as label lists for the reference."""

    path: str
    rows: int
    columns: dict[str, list]
    target: list
    cache: reference.SearchCache

    def library(self, *, significance: float = 0.01, **options):
        # the sample is the whole table, so pair statistics see the same rows as the reference
        search = SearchOptions(sample_rows=self.rows, significance=significance, **options)
        return select_features(Request([self.path], PassOptions(target="y")), search)

    def reference(
        self, *, criterion: str = "jmi", k: int | None = None, significance: float = 0.01, **weights
    ) -> reference.SelectionReference:
        return reference.greedy_select(
            self.columns,
            self.target,
            criterion=criterion,
            k=k,
            significance=significance,
            cache=self.cache,
            **weights,
        )


def _case(frame: pl.DataFrame, path) -> ReferenceCase:
    frame.write_csv(path)
    read = pl.read_csv(path)  # the types the library sees (digits-only text reads as integers)
    return ReferenceCase(
        path=str(path),
        rows=read.height,
        columns={name: read[name].to_list() for name in read.columns if name != "y"},
        target=read["y"].to_list(),
        cache=reference.SearchCache(),
    )


@pytest.fixture(scope="module")
def criteria_case(tmp_path_factory) -> ReferenceCase:
    return _case(criteria_table(), tmp_path_factory.mktemp("criteria") / "table.csv")


def _close(got: float | None, expected: float | None, *, rel: float = 1e-9) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    # A chance-corrected score is I - E[I]: for a noise column, two numbers near 1e-3 bits
    # that cancel to 1e-6 or less. Both sides get each to about 1e-11 relative (log-gamma of
    # arguments near N), so the difference is only good to about 1e-14 bits absolute.
    return math.isclose(got, expected, rel_tol=rel, abs_tol=1e-12)


def assert_same_search(got, expected) -> None:
    """The library's result equals the reference's, step by step; never the other way round."""
    path = [s.name for s in expected.selected]
    for position, (mine, theirs) in enumerate(zip(got.selected, expected.selected, strict=False)):
        where = f"step {position + 1} (reference path {path[: position + 1]})"
        assert mine.name == theirs.name, f"{where}: library chose {mine.name}"
        assert mine.step == theirs.step == position + 1
        # an additive step: the library's backfitting against the reference's exact least
        # squares, converged to a 1e-12 relative change of the residual sum of squares
        rel = 1e-6 if theirs.additive else 1e-9
        assert _close(mine.gain, theirs.gain, rel=rel), f"{where}: gain {mine.gain!r} != {theirs.gain!r}"
        assert _close(mine.relevance, theirs.relevance), f"{where}: relevance {mine.relevance!r}"
        # library chi-square tail against scipy's: both far more accurate than any threshold
        assert _close(mine.p_value, theirs.p_value, rel=max(rel, 1e-8)), f"{where}: p {mine.p_value!r}"
        assert mine.most_redundant_with == theirs.most_redundant_with, where
        assert mine.filled == theirs.filled, where
        assert mine.significant_gain == theirs.significant_gain, where
        assert mine.additive == theirs.additive, where
        assert _close(mine.redundancy, theirs.redundancy), where
        assert _close(mine.redundancy_normalized, theirs.redundancy_normalized), where
    assert [s.name for s in got.selected] == path
    assert got.stopped_by == expected.stopped_by
    assert [(d.name, d.reason) for d in got.dropped] == [(d.name, d.reason) for d in expected.dropped]
    for mine, theirs in zip(got.dropped, expected.dropped, strict=True):
        assert mine.redundant_with == theirs.redundant_with, mine.name
        assert _close(mine.conditional_relevance, theirs.conditional_relevance), mine.name


@pytest.mark.parametrize("k", [None, 3, 7])
@pytest.mark.parametrize("criterion", CRITERIA)
def test_greedy_search_matches_reference(criteria_case, criterion, k):
    got = criteria_case.library(criterion=criterion, k=k)
    assert_same_search(got, criteria_case.reference(criterion=criterion, k=k))


@pytest.mark.parametrize("criterion", CRITERIA)
def test_automatic_stop_at_a_strict_level_matches_reference(criteria_case, criterion):
    # at 1e-8 `weak` is still a signal (p 5.7e-10, x 13 features) but its combined gain given
    # the selected features (p about 1.2e-9, x 13) is no longer significant
    got = criteria_case.library(criterion=criterion, significance=1e-8)
    expected = criteria_case.reference(criterion=criterion, significance=1e-8)
    assert_same_search(got, expected)
    # so `weak` is not shown to gain: it comes last of the criterion's steps, in the relevant
    # rest (its criterion value is above the noise floor), where at 0.01 its gain test passes
    by_criterion = [s for s in expected.selected if not s.additive]
    step = by_criterion[-1]
    assert step.name == "weak" and not step.significant_gain and not step.filled
    assert step.p_value * 13 > 1e-8
    assert all(s.significant_gain for s in by_criterion[:-1])
    assert next(
        s for s in criteria_case.reference(criterion=criterion).selected if s.name == "weak"
    ).significant_gain
    if criterion in ("mrmr", "3mr"):
        # their scores can be negative: `combo` (s1's halves crossed with a hidden factor) is
        # under the floor, and the additive test, given all of them at once, shows its gain
        combo = expected.selected[-1]
        assert combo.name == "combo" and combo.additive and combo.significant_gain
        assert combo.step == len(by_criterion) + 1 and combo.p_value * 13 <= 1e-8
    else:
        assert not any(s.additive for s in expected.selected)


@pytest.mark.parametrize("criterion", CRITERIA)
def test_automatic_stop_pools_the_evidence_of_every_selected_feature(criteria_case, criterion):
    # inter_a acts with inter_b (a XOR b): given inter_b its gain is overwhelming, given s1 it
    # is not significant at 1e-4 / 13 on its own. The stop tests the gain given all selected
    # features at once, so one weak pair no longer vetoes it.
    got = criteria_case.library(criterion=criterion, significance=1e-4)
    expected = criteria_case.reference(criterion=criterion, significance=1e-4)
    assert_same_search(got, expected)
    assert "inter_a" in [s.name for s in expected.selected]
    step = next(s for s in expected.selected if s.name == "inter_a")
    given = [criteria_case.cache.pairs[("inter_a", s.name)] for s in expected.selected[: step.step - 1]]
    assert max(g.conditional_p for g in given) * 13 > 1e-4  # the old rule dropped it
    assert step.p_value == reference.combined_gain_p(given) and step.p_value * 13 <= 1e-4


@pytest.mark.parametrize(
    "alpha, beta, k",
    [
        (0.01, 0.25, None),  # a light redundancy penalty: combo comes second
        (0.01, 0.25, 7),
        (0.0, 0.0, None),  # no redundancy, no relation: plain relevance order
    ],
)
def test_3mr_weights_match_reference(criteria_case, alpha, beta, k):
    weights = {"redundancy_weight": alpha, "relation_weight": beta}
    got = criteria_case.library(criterion="3mr", k=k, **weights)
    expected = criteria_case.reference(criterion="3mr", k=k, **weights)
    assert_same_search(got, expected)
    assert [s.name for s in expected.selected][:2] == ["s1", "combo"]


@pytest.mark.parametrize("k", [1, 20])
def test_k_at_the_extremes_matches_reference(criteria_case, k):
    got = criteria_case.library(criterion="cmim", k=k)
    expected = criteria_case.reference(criterion="cmim", k=k)
    assert_same_search(got, expected)
    assert expected.stopped_by == ("k reached" if k == 1 else "no candidates left")


@pytest.mark.parametrize("criterion", sorted(CRITERIA))
def test_a_subset_of_k_columns_starts_as_the_automatic_one(criteria_case, criterion):
    """``--k K`` is the automatic subset cut at K, or the automatic subset and then the fill:
    raising K never takes a column of the automatic subset away (library only; the reference
    tests above check each path)."""
    automatic = [s.name for s in criteria_case.library(criterion=criterion, k=None).selected]
    assert 2 <= len(automatic) < 12, automatic
    for k in (1, len(automatic) - 1, len(automatic), len(automatic) + 2):
        path = [s.name for s in criteria_case.library(criterion=criterion, k=k).selected]
        assert path[: len(automatic)] == automatic[:k], (k, path)
        assert len(path) == k
        # the columns past the automatic subset, and only those, are marked as the fill
        filled = [s.filled for s in criteria_case.library(criterion=criterion, k=k).selected]
        assert filled == [position >= len(automatic) for position in range(k)], (k, filled)


def test_the_table_separates_the_criteria(criteria_case):
    """Each criterion takes its own path, and none is the plain relevance order."""
    relevance = criteria_case.cache.relevance
    for k in (None, 7):
        paths = {
            c: tuple(s.name for s in criteria_case.reference(criterion=c, k=k).selected) for c in CRITERIA
        }
        assert len(set(paths.values())) == len(CRITERIA), paths
        for criterion, path in paths.items():
            signals = path[:5]
            # the automatic stop may end mrmr in relevance order (its next gains are negative)
            if k is not None or len(signals) == 5:
                assert list(signals) != sorted(signals, key=lambda name: -relevance[name].score), criterion
    reasons = {d.reason for c in CRITERIA for d in criteria_case.reference(criterion=c, k=3).dropped}
    assert {"constant", "no signal", "redundant with s1", "k reached"} <= reasons


def thresholds_table(n: int = 3_000, seed: int = 0) -> pl.DataFrame:
    """Columns on either side of the search's thresholds. ``part_hi``, ``part_lo`` and
    ``part_none`` share half of their information with ``s`` (normalized redundancy 0.53, the
    line is 0.5); given ``s``, ``part_hi`` keeps 27% of its relevance and ``part_lo`` 23% (the
    line is 25%), but significantly (its rest is a real effect): neither is redundant.
    ``part_none`` keeps nothing significant given ``s``: redundant. ``loose`` keeps nothing
    given ``s`` but shares only a third with it (0.33): not redundant. ``faint`` has a p-value
    above 0.01 / F (Bonferroni would not take it) but below 6 * 0.01 / F: five columns have
    smaller p-values, so Benjamini-Hochberg takes it."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 4, n)
    h1 = (rng.random(n) < 0.2).astype(np.int64)
    h2 = (rng.random(n) < 0.2).astype(np.int64)
    faint = rng.integers(0, 3, n)
    logit = 1.0 * (s // 2) + 1.4 * (s % 2) + 0.56 * h1 + 0.62 * h2 + 0.32 * (faint == 0) - 1.5
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    loose = rng.integers(0, 8, n)
    noise = rng.integers(0, 4, n)
    h3 = (rng.random(n) < 0.2).astype(np.int64)  # no effect on y
    return pl.DataFrame(
        {
            "s": [f"s{v}" for v in s],
            "part_hi": [f"{u}{v}" for u, v in zip(s // 2, h1, strict=True)],
            "part_lo": [f"{u}{v}" for u, v in zip(s // 2, h2, strict=True)],
            "part_none": [f"{u}{v}" for u, v in zip(s // 2, h3, strict=True)],
            "loose": [f"{u}{v}" for u, v in zip(s // 2, loose, strict=True)],
            "faint": [f"f{v}" for v in faint],
            "noise": [f"n{v}" for v in noise],
            "y": y,
        }
    )


@pytest.mark.parametrize("k", [None, 3, 6])
def test_thresholds_match_reference(tmp_path, k):
    case = _case(thresholds_table(), tmp_path / "thresholds.csv")
    expected = case.reference(criterion="jmi", k=k)
    assert_same_search(case.library(criterion="jmi", k=k), expected)
    # the table is what it claims to be
    relevance = case.cache.relevance
    names = ("part_hi", "part_lo", "part_none", "loose")
    pairs = {name: case.cache.pairs[(name, "s")] for name in names}
    share = {name: pair.conditional_relevance / relevance[name].score for name, pair in pairs.items()}
    assert 0.26 < share["part_hi"] < 0.29 and 0.21 < share["part_lo"] < 0.24, share
    assert share["part_none"] < 0.05 and share["loose"] < 0, share
    features = len(relevance)
    rest_p = {name: reference.combined_gain_p([pair]) * features for name, pair in pairs.items()}
    assert rest_p["part_lo"] < 1e-5 and rest_p["part_none"] > 0.01, rest_p
    normalized = {name: pair.redundancy_normalized for name, pair in pairs.items()}
    assert all(0.52 < normalized[name] < 0.55 for name in names[:3]), normalized
    assert 0.3 < normalized["loose"] < 0.35, normalized
    assert 0.01 / features < relevance["faint"].p_value < 6 * 0.01 / features
    assert sorted(r.p_value for r in relevance.values()).index(relevance["faint"].p_value) == 5
    reasons = {d.name: d.reason for d in expected.dropped}
    assert reasons["part_none"] == "redundant with s"
    # loose adds nothing given s but carries s's information given faint: the combined test
    # (no gain given any selected feature) takes it, the documented price of pooling
    # part_lo keeps less than a quarter of its relevance given s, but that rest is certain:
    # a candidate. With k the search is the automatic one cut at k, and past its stop the
    # fill takes noise (no signal, but it repeats nothing) before part_none
    automatic = ["s", "part_hi", "part_lo", "faint", "loose"]
    if k is None:
        assert [s.name for s in expected.selected] == automatic
        assert reasons["noise"] == "no signal"
    else:
        assert [s.name for s in expected.selected] == [*automatic, "noise"][:k]


def many_levels_table(n: int = 4_000, seed: int = 12) -> pl.DataFrame:
    """``tail`` has 400 levels (10 rows each) and a real signal through its group; ``hour`` is
    an independent 24-level signal. Given every level of ``tail`` almost nothing of ``hour`` is
    left (10 rows per stratum, fewer than its levels), so the old rule called ``hour`` redundant with ``tail``; given
    ``tail``'s 15 most frequent levels + "other", ``hour`` keeps its relevance. ``group`` is a
    function of ``tail`` (redundant); ``tail_copy`` a duplicate."""
    rng = np.random.default_rng(seed)
    tail = rng.permutation(np.repeat(np.arange(400), n // 400))
    hour = rng.integers(0, 24, n)
    logit = 1.2 * (tail % 3 == 0) + 0.9 * (hour >= 12) - 0.9
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return pl.DataFrame(
        {
            "tail": [f"t{v}" for v in tail],
            "hour": [f"h{v}" for v in hour],
            "group": [f"g{v % 3 == 0}" for v in tail],
            "tail_copy": [f"T{v}" for v in tail],
            "noise": [f"n{v}" for v in rng.integers(0, 5, n)],
            "y": y,
        }
    )


@pytest.mark.parametrize("criterion", ["jmi", "cmim"])
@pytest.mark.parametrize("k", [None, 5])
def test_many_level_conditioning_matches_reference(tmp_path, criterion, k):
    case = _case(many_levels_table(), tmp_path / "levels.csv")
    expected = case.reference(criterion=criterion, k=k)
    assert_same_search(case.library(criterion=criterion, k=k), expected)
    chosen = [s.name for s in expected.selected]
    # group (3 levels) is the more relevant, and tail repeats nothing of it
    assert chosen[:2] == ["group", "hour"], chosen
    if k is not None:
        assert chosen[-1] == "tail_copy" and len(chosen) == 5


def test_coarse_conditioning_keeps_an_independent_signal(tmp_path):
    case = _case(many_levels_table(), tmp_path / "levels.csv")
    y, columns = case.target, case.columns
    pair = reference.pair_reference("hour", "tail", columns, y)
    alone = reference.feature_relevance(columns["hour"], y).score
    # every level a stratum: the correction eats nearly all of it; coarse strata keep it
    assert pair.conditional_relevance_full < 0.25 * alone
    assert pair.conditional_relevance > 0.8 * alone
    assert abs(pair.redundancy_normalized) < 0.05
    doc = select_features(
        Request([case.path], PassOptions(target="y", include=("tail", "hour", "noise"))),
        SearchOptions(sample_rows=case.rows),
    )
    assert [s.name for s in doc.selected] == ["tail", "hour"]
    assert math.isclose(
        doc.selected[1].gain, reference.pair_reference("hour", "tail", columns, y).conditional_relevance
    )


def test_noise_only_matches_reference(tmp_path):
    """Nothing is relevant: the automatic stop selects nothing; --k fills with noise by relevance,
    a duplicate last."""
    rng = np.random.default_rng(3)
    n = 2_000
    noise = rng.integers(0, 4, n)
    frame = pl.DataFrame(
        {
            "n1": np.array(list("abcd"))[noise],
            "n2": rng.integers(0, 7, n).astype(str),
            "n1_copy": np.array(list("ABCD"))[noise],
            "n3": rng.integers(0, 3, n),
            "y": np.array(["u", "v", "w"])[rng.integers(0, 3, n)],
        }
    )
    case = _case(frame, tmp_path / "noise.csv")
    for k in (None, 3):
        assert_same_search(case.library(criterion="jmi", k=k), case.reference(criterion="jmi", k=k))
    assert case.reference(k=None).stopped_by == "no feature is significantly relevant"
    # a duplicate is redundant whether or not it is a signal: it comes after every other column
    assert [s.name for s in case.reference(k=4).selected] == ["n1", "n3", "n2", "n1_copy"]
    # the search without k takes nothing, so every column of --k is the fill
    assert [s.filled for s in case.reference(k=4).selected] == [True] * 4
    assert_same_search(case.library(criterion="jmi", k=4), case.reference(criterion="jmi", k=4))


def gain_table(n: int = 2_000, seed: int = 84) -> pl.DataFrame:
    """``s1`` and ``s2`` are strong signals, ``sure`` a small two-level effect, ``wide`` a
    24-level effect of random size per level. After ``s1`` and ``s2``, every criterion scores
    ``wide`` above ``sure``, but ``wide``'s gain test spreads its evidence over 23 degrees of
    freedom (p 0.011, above its Benjamini-Hochberg cut) while ``sure``'s passes (p 2e-4): the
    automatic search takes ``sure`` third, then ``wide`` as the relevant rest. Six noise
    columns of 2 to 17 levels."""
    rng = np.random.default_rng(seed)
    s1, s2, sure = rng.integers(0, 4, n), rng.integers(0, 3, n), rng.integers(0, 2, n)
    wide = rng.integers(0, 24, n)
    effect = rng.normal(0.0, 1.0, 24)
    logit = 0.8 * (s1 - 1.5) + 0.7 * (s2 == 0) + 0.35 * sure + 0.35 * effect[wide] - 0.3
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    columns = {
        "s1": np.array(list("abcd"))[s1],
        "s2": np.array(list("pqr"))[s2],
        "sure": np.array(["no", "yes"])[sure],
        "wide": np.array([f"w{v}" for v in wide]),
    }
    for i in range(6):
        columns[f"noise{i}"] = np.array([f"n{v}" for v in rng.integers(0, 2 + 3 * i, n)])
    return pl.DataFrame({**columns, "y": y})


@pytest.mark.parametrize("criterion", list(CRITERIA))
def test_the_gain_test_orders_the_signals_before_the_relevant_rest(tmp_path, criterion):
    """The automatic search takes the signals the gain test shows first, then the relevant
    rest: ``sure`` third (its test passes), not the criterion's order alone (``wide`` third),
    and ``wide`` fourth, its gain above the noise floor but not significant. ``--k`` follows
    that order: with ``k`` = 3 the subset stops at ``sure``; with ``k`` = 4 ``wide`` is part of
    the automatic subset, not the fill."""
    case = _case(gain_table(), tmp_path / "gain.csv")
    for k in (None, 3, 4):
        expected = case.reference(criterion=criterion, k=k, significance=0.05)
        assert_same_search(case.library(criterion=criterion, k=k, significance=0.05), expected)
        assert [s.name for s in expected.selected] == ["s1", "s2", "sure", "wide"][: k or 4], k
        assert [s.significant_gain for s in expected.selected] == [True, True, True, False][: k or 4]
        assert not any(s.filled for s in expected.selected)
    # without k the search stops at the noise floor with only the noise columns left, none of
    # them a signal
    automatic = case.reference(criterion=criterion, significance=0.05)
    assert automatic.stopped_by == reference.STOP_NO_GAIN
    assert {d.reason for d in automatic.dropped} == {"no signal"}
    cache = case.cache
    gain = {
        n: reference.combined_gain_p([cache.pairs[(n, s)] for s in ("s1", "s2")]) for n in ("sure", "wide")
    }
    # Benjamini-Hochberg over the two candidates, F = 10 tests: the first at 0.05 / 10 passes,
    # the second is above 0.05 * 2 / 10
    assert gain["sure"] <= 0.05 / 10 and gain["wide"] > 0.05 * 2 / 10, gain


def test_the_relevant_rest_is_marked_in_every_format(cli, tmp_path):
    # gain_table: `s1`, `s2`, `sure` shown to gain, then `wide` as the relevant rest
    path = tmp_path / "gain.csv"
    gain_table().write_csv(path)
    doc = cli("select", path, "-t", "y", "-f", "json").json()
    assert [s["name"] for s in doc["selected"]] == ["s1", "s2", "sure", "wide"]
    assert [s["significant_gain"] for s in doc["selected"]] == [True, True, True, False]
    assert (
        not any(s["filled"] for s in doc["selected"])
        and doc["stopped_by"] == "marginal gain at the noise floor"
    )
    rows = cli("select", path, "-t", "y", "-f", "csv").out.splitlines()
    assert [row.split(",")[-2] for row in rows[1:]] == ["true", "true", "true", "false"]
    table = " ".join(cli("select", path, "-t", "y", "-f", "table").out.split())
    assert "step 4: the relevant rest" in table and "the fill" not in table
    # with --k past it, the fill follows the rest, and the table names both
    table = " ".join(cli("select", path, "-t", "y", "-f", "table", "--k", "6").out.split())
    assert "step 4: the relevant rest" in table and "steps 5 to 6: the fill of --k" in table
    from outrank_cli.report.html.select import select_page  # the page's rows, not its drawing

    result = select_features(Request([str(path)], PassOptions(target="y")), SearchOptions(k=5))
    page = select_page(result)
    steps = next(
        i for sec in page.sections for i in sec.items if getattr(i, "title", "") == "Selected features"
    )
    assert [r["part"] for r in steps.rows] == ["gain shown"] * 3 + ["relevant rest", "fill of --k"]


def masked_table(n: int = 4_000, seed: int = 11) -> pl.DataFrame:
    """A numeric target: ``hour`` (12 levels) and ``day`` (7) with large effects, eight 0/1
    ``item_*`` columns adding 0.5 each (as each item of an order adds to its delivery time),
    noise of 1.5 and five noise columns. Given ``hour`` or ``day`` alone the other's effect
    still masks the items': some pass the pairwise gain test, the others only the additive
    one, given both at once."""
    rng = np.random.default_rng(seed)
    hour, day = rng.integers(0, 12, n), rng.integers(0, 7, n)
    items = {f"item_{i}": (rng.random(n) < 0.3).astype(np.int64) for i in range(8)}
    y = rng.normal(0, 4, 12)[hour] + rng.normal(0, 3, 7)[day] + 0.5 * sum(items.values())
    columns = {"hour": hour, "day": np.array(list("MTWRFSU"))[day], **items}
    columns |= {f"noise_{i}": rng.integers(0, 2 + 3 * i, n) for i in range(5)}
    return pl.DataFrame({**columns, "y": y + rng.normal(0, 1.5, n)})


def test_small_effects_masked_by_large_ones_are_taken_by_the_additive_stage(cli, tmp_path):
    path = tmp_path / "masked.csv"
    masked_table().write_csv(path)
    doc = cli("select", path, "-t", "y", "-f", "json").json()
    steps = doc["selected"]
    names = [s["name"] for s in steps]
    assert set(names) == {"hour", "day", *(f"item_{i}" for i in range(8))}, names
    additive = [s for s in steps if s["additive"]]
    assert len(additive) >= 3  # the masked items
    # the additive steps come last, each shown by its own test (its p-value, F over 15 columns)
    first = names.index(additive[0]["name"])
    assert all(s["additive"] for s in steps[first:]) and not any(s["additive"] for s in steps[:first])
    assert all(s["significant_gain"] and not s["filled"] and s["p_value"] * 15 < 0.05 for s in additive)
    # what the search without the stage took: its relevant rest was empty, so it stopped there
    ranked = {r["name"]: r for r in cli("rank", path, "-t", "y", "-f", "json").json()["features"]}
    gate = reference.fdr_threshold(
        [r["p_value"] for r in ranked.values() if r["score"] > 0], alpha=0.05, tests=15
    )
    assert any(ranked[s["name"]]["p_value"] > gate for s in additive)  # not even a signal alone
    # a model of the selected steps: the additive steps' gain in bits matches their share of
    # the residual variance, -1/2 log2(1 - share) > 0
    assert all(s["gain"] > 0 for s in additive)
    rows = cli("select", path, "-t", "y", "-f", "csv").out.splitlines()
    assert rows[0].split(",")[-1] == "additive"
    assert [row.split(",")[-1] for row in rows[1:]] == ["true" if s["additive"] else "false" for s in steps]
    table = " ".join(cli("select", path, "-t", "y", "-f", "table").out.split())
    assert f"steps {first + 1} to {len(steps)}: shown by the additive gain test" in table
    from outrank_cli.report.html.select import select_page

    page = select_page(select_features(Request([str(path)], PassOptions(target="y")), SearchOptions()))
    listed = next(
        i for sec in page.sections for i in sec.items if getattr(i, "title", "") == "Selected features"
    )
    assert [r["part"] for r in listed.rows].count("additive gain") == len(additive)
    # --k within the signals: the stage is never reached
    doc = cli("select", path, "-t", "y", "-f", "json", "--k", str(first)).json()
    assert [s["name"] for s in doc["selected"]] == names[:first]


def test_redundancy_command_lists_duplicates_first(cli, selection_csv):
    result = cli("redundancy", selection_csv, "-t", "y", "--top", "3", "-f", "csv")
    assert result.code == 0, result.err
    rows = pl.read_csv(result.out.encode())
    pairs = {frozenset((a, b)) for a, b in zip(rows["a"], rows["b"], strict=False)}
    assert frozenset(("s1", "s1_copy")) in pairs and frozenset(("s2", "s2_scaled")) in pairs
    assert rows["normalized"][0] == pytest.approx(1.0)
    frame = pl.read_csv(selection_csv)
    a, b = frame["s1"].to_numpy(), frame["s1_near"].to_numpy()
    doc = cli("redundancy", selection_csv, "-t", "y", "--top", "10", "-f", "json").json()
    near = next(p for p in doc["pairs"] if {p["a"], p["b"]} == {"s1", "s1_near"})
    assert near["mi"] == pytest.approx(mutual_info_score(a, b) / LN2, rel=1e-9)
    assert near["normalized"] == pytest.approx(adjusted_mutual_info_score(a, b), rel=1e-6)
    assert doc["pairs_evaluated"] <= doc["pairs_total"]


def test_names_output_is_only_names(cli, selection_csv, tmp_path):
    result = cli("select", selection_csv, "-t", "y", "-f", "names")
    assert result.code == 0
    assert result.out.splitlines() == [
        s for s in result.out.splitlines() if s in {"s1", "s2", "s3", "s1_copy", "s2_scaled", "s1_near"}
    ]
    out = tmp_path / "dir"
    out.mkdir()
    assert cli("select", selection_csv, "-t", "y", "-o", out, "-q").code == 0
    assert json.loads((out / "selection.json").read_text())["command"] == "select"
    assert (out / "selection.csv").read_text().startswith("step,name,gain")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--k", "0"], "--k must be >= 1"),
        (["--criterion", "magic"], "unknown --criterion 'magic'"),
        (["--sample-rows", "5"], "--sample-rows"),
        (["--significance", "2"], "--significance"),
    ],
)
def test_bad_options(cli, selection_csv, args, fragment):
    result = cli("select", selection_csv, "-t", "y", *args)
    assert result.code == 2
    assert fragment in result.err and len(result.err.strip().splitlines()) == 1


def test_a_search_makes_the_sample_codes_of_the_columns_it_reads_only(tmp_path, monkeypatch):
    """Without pairs, select reads the sample codes of its signals (and the columns it fills
    k with): the others are never made, and the path is the one with every column made. (Past
    the signals, the additive stage reads every column: here ``k`` stops the search first.)"""
    from outrank_cli.count.sample import RowSample

    rng = np.random.default_rng(4)
    n = 2_000
    y = rng.integers(0, 2, n)
    columns = {"y": y, "signal": y ^ (rng.random(n) < 0.2), "half": y ^ (rng.random(n) < 0.4)}
    columns |= {f"noise_{i}": rng.integers(0, 5, n) for i in range(30)}
    path = tmp_path / "wide.parquet"
    pl.DataFrame(columns).write_parquet(path)
    made: list[int] = []
    original = RowSample.final_codes
    monkeypatch.setattr(
        RowSample,
        "final_codes",
        lambda self, i, m=None, **narrow: made.append(i) or original(self, i, m, **narrow),
    )
    request = Request([str(path)], PassOptions(target="y"))
    lazy = select_features(request, SearchOptions(k=2))
    assert 0 < len(made) < 10
    made.clear()
    eager = select_features(request, SearchOptions(k=2, interactions=True))  # the pair screen reads all
    assert len(made) == 32
    assert [s.name for s in lazy.path.selected] == [s.name for s in eager.path.selected]
    assert [s.name for s in lazy.path.selected][:2] == ["signal", "half"]
