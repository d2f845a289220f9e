"""The downstream benchmark's summary (benchmarks/downstream.py): its standard error and its
verdict on the goal, checked against numbers computed by hand (``statistics``)."""

from __future__ import annotations

import importlib.util
import math
import statistics
import sys
from pathlib import Path

import pytest

pytest.importorskip("numpy")
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "downstream.py"


@pytest.fixture(scope="module")
def downstream():  # the script is not a package: load it by path
    spec = importlib.util.spec_from_file_location("downstream_harness", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("mean", "error", "expected"),
    [
        (-0.001, 0.0004, "yes"),  # -0.0018 >= -0.002
        (-0.001, 0.0006, "undecided"),  # -0.0022 < -0.002 <= -0.0002
        (-0.010, 0.003, "no"),  # -0.004 < -0.002
        (-0.010, 0.005, "undecided"),
        (+0.004, 0.002, "yes"),
        (-0.001, float("nan"), "undecided"),  # one split: no error to judge by
    ],
)
def test_verdict_needs_two_standard_errors(downstream, mean: float, error: float, expected: str) -> None:
    assert downstream.verdict(mean, error, 0.002) == expected


def test_markdown_reports_the_standard_error_of_the_differences(downstream) -> None:
    full = [0.80, 0.81, 0.79, 0.82]
    subset = [0.79, 0.805, 0.789, 0.818]
    rows = []
    for split, (a, b) in enumerate(zip(full, subset, strict=True)):
        common = dict(table="t", split=split, k=None, features=4, metric="R²")
        rows.append(dict(common, method="all columns", columns=4, score=a))
        rows.append(dict(common, method="select", columns=2, score=b))
    deltas = [b - a for a, b in zip(full, subset, strict=True)]
    mean, sd = statistics.mean(deltas), statistics.stdev(deltas)
    error = sd / math.sqrt(len(deltas))
    line = downstream.markdown(rows, 0.002).splitlines()[-1]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[4] == "R²"
    assert cells[5] == f"{statistics.mean(subset):.4f}"
    assert cells[6] == f"{mean:+.4f} ± {sd:.4f}"
    assert cells[7] == f"{error:.4f}"
    expected = "yes" if mean - 2 * error >= -0.002 else "no" if mean + 2 * error < -0.002 else "undecided"
    assert cells[8] == expected == "undecided"
    assert cells[9] == "4"


def test_a_numeric_target_is_split_by_its_deciles(downstream) -> None:
    import numpy as np

    y = np.array([7.0, 1.0, 3.0, 9.0, 5.0, 2.0, 8.0, 4.0, 6.0, 0.0] * 2)
    # by hand: values 0..9 twice, ranks 0..19; each pair of equal values shares a decile
    assert downstream.deciles(y).tolist() == [int(v) for v in y]
    train, held = downstream.split(downstream.deciles(y), seed=3, test=0.5)
    # one of each pair of equal values held out: every decile on both sides
    assert sorted(y[held].tolist()) == list(range(10))
    assert sorted(y[train].tolist()) == list(range(10))
