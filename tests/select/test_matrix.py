"""The redundancy matrix of the HTML heatmap: asked for only by the HTML report, bounded, and
equal to the pairwise normalized MI that scikit-learn computes on the same rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_mutual_info_score
from tables import selection_table

from outrank_cli.pipeline import Request
from outrank_cli.select import PassOptions, SearchOptions, select_features
from outrank_cli.select.matrix import MAX_COLUMNS, heatmap_columns


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("matrix") / "table.csv"
    frame = selection_table(n=3_000, seed=2)
    frame.write_csv(path)
    return path, frame


def _select(path, **kwargs):
    search = SearchOptions(sample_rows=10_000)  # more than the rows: the sample is the table
    return select_features(Request([str(path)], PassOptions(target="y")), search, **kwargs)


def test_no_matrix_unless_asked(table):
    assert _select(table[0]).matrix is None


def test_matrix_of_selected_and_most_redundant_dropped(table):
    path, frame = table
    result = _select(path, matrix_columns=8)
    matrix = result.matrix
    assert matrix is not None
    names = list(matrix.names)
    assert names == heatmap_columns(result.path, limit=8)
    selected = [s.name for s in result.selected]
    assert names[: len(selected)] == selected[: len(names)]
    assert {"s1_copy", "s2_scaled"} <= set(names)  # exact duplicates are the most redundant dropped
    values = np.array(matrix.normalized)
    assert np.allclose(values, values.T) and np.allclose(np.diag(values), 1.0)
    # categorical pairs against scikit-learn's arithmetic-mean AMI on the same rows
    for a, b in (("s1", "s1_copy"), ("s1", "s3"), ("s1", "s1_near")):
        if a in names and b in names:
            expected = adjusted_mutual_info_score(frame[a].to_numpy(), frame[b].to_numpy())
            assert values[names.index(a), names.index(b)] == pytest.approx(expected, abs=1e-9)


def test_matrix_is_bounded(table):
    result = _select(table[0], matrix_columns=1_000)
    assert result.matrix is not None
    assert len(result.matrix.names) <= MAX_COLUMNS
