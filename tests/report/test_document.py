"""``report.document.dumps``: the JSON text of every report."""

from __future__ import annotations

import json

from outrank_cli.report.document import dumps


def test_a_line_for_each_key_and_for_each_object_of_a_list():
    document = {
        "schema_version": 1,
        "tool": {"name": "outrank-cli", "version": "0"},
        "features": [
            {"name": "a", "score": 0.5, "other_view": {"kind": "numeric"}},
            {"name": "é", "x": None},
        ],
        "pairs": [[1, 2], [3, 4]],
        "names": ["a", "b"],
        "empty": [],
        "timings": {"total_seconds": 0.1},
    }
    text = dumps(document)
    assert json.loads(text) == document
    assert text.endswith("}\n") and "é" in text  # no escapes of non-ASCII names
    assert text.splitlines() == [
        "{",
        '  "schema_version": 1,',
        '  "tool": {"name": "outrank-cli", "version": "0"},',
        '  "features": [',
        '    {"name": "a", "score": 0.5, "other_view": {"kind": "numeric"}},',
        '    {"name": "é", "x": null}',
        "  ],",
        '  "pairs": [',
        "    [1, 2],",
        "    [3, 4]",
        "  ],",
        '  "names": ["a", "b"],',
        '  "empty": [],',
        '  "timings": {"total_seconds": 0.1}',
        "}",
    ]
    assert dumps({}) == "{}\n"
