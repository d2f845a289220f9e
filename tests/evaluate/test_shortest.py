"""``evaluate --within``: the search along select's order (``evaluate.shortest``), first with
differences given by hand, then with the model."""

from __future__ import annotations

import pytest

from outrank_cli.evaluate.shortest import shortest_start

ORDER = tuple(f"c{i}" for i in range(20))


def _search(differences, *, start, total=20, order=ORDER, max_loss=0.002):
    asked: list[int] = []

    def order_up_to(n):
        asked.append(n)
        return order[:n]

    found = shortest_start(
        start=start,
        total=total,
        order_up_to=order_up_to,
        difference=lambda columns: differences(len(columns)),
        max_loss=max_loss,
    )
    return found, asked


def test_the_automatic_subset_that_passes_is_the_answer_and_nothing_shorter_is_tried():
    found, asked = _search(lambda n: 0.0 if n >= 2 else -0.1, start=5)
    assert found.passed and found.columns == ORDER[:5]
    assert [(t.n_columns, t.passed) for t in found.tried] == [(5, True)]
    assert asked == [5]


def test_gallop_then_bisect_finds_the_first_size_that_passes():
    # fails below 11 columns, passes from 11 on: 3, 4, 6, 10 fail; 18 passes; bisect 11..18
    found, asked = _search(lambda n: -0.05 if n < 11 else -0.001, start=3)
    assert found.passed and found.columns == ORDER[:11]
    assert [t.n_columns for t in found.tried] == [3, 4, 6, 10, 18, 14, 12, 11]
    assert [t.passed for t in found.tried] == [False] * 4 + [True] * 4
    assert found.tried[0].difference == -0.05 and found.tried[-1].difference == -0.001
    # the order is asked for lazily, doubling: select --k 3, 6, 12, then 20 (all)
    assert asked == [3, 6, 12, 20]


def test_the_loss_is_inclusive():
    found, _ = _search(lambda n: -0.002 if n >= 4 else -0.0021, start=2)
    assert found.columns == ORDER[:4]


def test_an_order_that_ends_before_the_table_and_never_passes():
    """Constant columns are not in select's order: it may end before ``total``; when even the
    whole order falls short, that is the answer, marked as not passed."""
    short = ORDER[:7]
    found, asked = _search(lambda n: -0.01, start=2, order=short)
    assert not found.passed and found.columns == short
    assert [t.n_columns for t in found.tried] == [2, 3, 5, 7]
    assert asked == [2, 4, 8]  # the order said it ended at 7: not asked again


def test_an_empty_automatic_subset_starts_from_no_columns():
    found, _ = _search(lambda n: 0.0 if n >= 1 else -0.3, start=0)
    assert found.columns == ORDER[:1]
    assert [t.n_columns for t in found.tried] == [0, 1]


def test_a_negative_loss_is_refused():
    with pytest.raises(ValueError, match=r"max_loss must be >= 0, got -0\.1"):
        _search(lambda n: 0.0, start=1, max_loss=-0.1)


# -- with the model ------------------------------------------------------------------------------
def test_each_size_tried_is_the_plain_evaluation_of_that_start(tmp_path):
    """The differences the search compares are those of evaluating each start of the order
    as an ordinary subset on the same folds; the subset found is reported with its scores."""
    pytest.importorskip("sklearn")
    from outrank_cli.evaluate import EvaluateOptions, Subset, Within, evaluate_subsets
    from tests.evaluate.test_evaluate import small_table

    path = tmp_path / "t.parquet"
    small_table().drop("when").write_parquet(path)
    options = EvaluateOptions(folds=3, trees=10, threads=1)
    order = ("noise_a", "noise_b", "colour", "size")  # the signals last: the search must reach them
    within = Within(0.01, 1, lambda n: order[:n])
    result = evaluate_subsets([str(path)], target="y", subsets=[], options=options, within=within)
    assert result.shortest is not None
    found = result.shortest.found
    assert found.passed and found.columns == order  # 3 columns without `size` lose far more
    assert [t.n_columns for t in found.tried] == [1, 2, 4, 3]
    plain = evaluate_subsets(
        [str(path)],
        target="y",
        subsets=[Subset(str(n), order[:n]) for n in (1, 2, 3, 4)],
        options=options,
    )
    by_size = {len(s.columns): s.difference["auc"] for s in plain.scores[1:]}
    spread = {len(s.columns): s.difference_spread["auc"] for s in plain.scores[1:]}
    for tried in found.tried:
        assert tried.difference == pytest.approx(by_size[tried.n_columns], abs=1e-12)
        assert tried.difference_spread == pytest.approx(spread[tried.n_columns], abs=1e-12)
    assert [t.passed for t in found.tried] == [by_size[t.n_columns] >= -0.01 for t in found.tried]
    assert by_size[3] < -0.05 and by_size[4] >= -0.01
    reported = result.scores[-1]
    assert reported.name == "select within 0.01" and reported.columns == order
    assert reported.difference["auc"] == pytest.approx(by_size[4], abs=1e-12)
    assert reported.metrics == pytest.approx(plain.scores[4].metrics, abs=1e-12)


def test_within_on_the_command_line(cli, tmp_path):
    pytest.importorskip("sklearn")
    from tests.evaluate.test_evaluate import FAST, small_table

    path = tmp_path / "t.csv"
    small_table().write_csv(path)
    result = cli("evaluate", path, "-t", "y", "--within", "0.05", "--automatic", *FAST, "-f", "json")
    assert result.code == 0, result.err
    doc = result.json()
    subsets = {s["name"]: s for s in doc["subsets"]}
    shortest = doc["shortest"]
    automatic = subsets["select"]["columns"]
    assert shortest["subset"] == "select within 0.05" and shortest["metric"] == "auc"
    assert shortest["automatic_columns"] == len(automatic)
    assert shortest["columns"][: len(automatic)] == automatic
    assert subsets["select within 0.05"]["columns"] == shortest["columns"]
    last = next(t for t in shortest["tried"] if t["n_columns"] == shortest["n_columns"])
    assert last["passed"] and last["difference"] == pytest.approx(
        subsets["select within 0.05"]["difference"]["auc"]
    )
    assert last["difference_spread"] == pytest.approx(
        subsets["select within 0.05"]["difference_spread"]["auc"]
    )
    names = cli("evaluate", path, "-t", "y", "--within", "0.05", "--automatic", *FAST, "-f", "names")
    assert names.code == 0, names.err
    assert names.out.splitlines() == shortest["columns"]  # the list to train on, as select -f names
    plain = cli("evaluate", path, "-t", "y", "--automatic", *FAST, "-f", "names")
    assert plain.code == 0 and plain.out.splitlines() == ["all columns", "select"]  # without: the subsets
    table = cli("evaluate", path, "-t", "y", "--within", "0.05", *FAST, "-f", "table")
    assert table.code == 0, table.err
    assert "'select within 0.05': the first" in " ".join(table.out.split())


@pytest.mark.parametrize("value", ["-0.1", "1", "2"])
def test_a_loss_out_of_range_is_a_usage_error(cli, tmp_path, value):
    from tests.evaluate.test_evaluate import small_table

    path = tmp_path / "t.csv"
    small_table(n=200).write_csv(path)
    result = cli("evaluate", path, "-t", "y", "--within", value)
    assert result.code == 2
    assert (
        result.err.strip()
        == f"outrank-cli: error: --within must be a loss in [0, 1), e.g. 0.002, got {float(value)}"
    )


@pytest.mark.parametrize("automatic", [True, False])
def test_the_automatic_subset_is_chosen_once(cli, tmp_path, monkeypatch, automatic):
    """With --automatic and --within, the search starts from --automatic's subset: one
    select pass, not two (a loss of 0.5 passes at the start: no select --k either)."""
    pytest.importorskip("sklearn")
    import outrank_cli.select as select_module
    from tests.evaluate.test_evaluate import FAST, small_table

    calls = []
    real = select_module.select_features

    def counting(request, search=None, **keywords):
        calls.append(None if search is None else search.k)
        return real(request, search, **keywords)

    monkeypatch.setattr(select_module, "select_features", counting)
    path = tmp_path / "t.csv"
    small_table().write_csv(path)
    args = ("--automatic",) if automatic else ()
    result = cli("evaluate", path, "-t", "y", "--within", "0.5", *args, *FAST, "-f", "json")
    assert result.code == 0, result.err
    assert calls == [None]
    doc = result.json()
    assert doc["shortest"]["passed"] and len(doc["shortest"]["tried"]) == 1


def test_progress_counts_the_fits(tmp_path):
    """Stage "model": every fit of all columns and the subsets, out of their number; stage
    "search": one event a fit of the sizes tried (their number is not known ahead)."""
    pytest.importorskip("sklearn")
    from outrank_cli.evaluate import EvaluateOptions, Subset, Within, evaluate_subsets
    from tests.evaluate.test_evaluate import small_table

    path = tmp_path / "t.parquet"
    small_table(n=300).drop("when").write_parquet(path)
    events = []
    order = ("noise_a", "colour", "size", "noise_b")
    result = evaluate_subsets(
        [str(path)],
        target="y",
        subsets=[Subset("one", ("size",))],
        options=EvaluateOptions(folds=3, trees=5, threads=1),
        within=Within(0.0, 1, lambda n: order[:n]),
        progress=events.append,
    )
    assert result.shortest is not None
    model = [(e.rows, e.total_rows, e.unit) for e in events if e.phase == "model"]
    assert model == [(i, 6, "fits") for i in range(1, 7)]  # 3 folds x (all columns + one subset)
    search = [(e.rows, e.total_rows) for e in events if e.phase == "search"]
    assert search == [(i, None) for i in range(1, 3 * len(result.shortest.found.tried) + 1)]
    assert [e.phase for e in events] == ["model"] * 6 + ["search"] * len(search)


def test_a_numeric_target_measures_the_loss_in_r2(cli, tmp_path):
    pytest.importorskip("sklearn")
    from tests.evaluate.test_evaluate import FAST, small_table

    path = tmp_path / "t.parquet"
    small_table(numeric_target=True).drop("when").write_parquet(path)
    result = cli("evaluate", path, "-t", "y", "--within", "0.02", *FAST, "-f", "json")
    assert result.code == 0, result.err
    doc = result.json()
    shortest = doc["shortest"]
    assert doc["task"] == "regression" and shortest["metric"] == "r2"
    found = next(s for s in doc["subsets"] if s["name"] == "select within 0.02")
    last = next(t for t in shortest["tried"] if t["n_columns"] == shortest["n_columns"])
    assert last["difference"] == pytest.approx(found["difference"]["r2"], abs=1e-12)
    assert shortest["passed"] == (found["difference"]["r2"] >= -0.02)
    assert {"colour", "size"} <= set(shortest["columns"])  # the two signals
