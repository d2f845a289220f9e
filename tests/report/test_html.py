"""HTML reports: one file, nothing fetched, every chart drawn in a real (headless) Chromium.

The browser is Debian's ``chromium`` (``.ci/run`` installs it); where it is missing the
browser tests skip and say so. ``OUTRANK_SCREENSHOTS=DIR`` keeps a PNG of each page there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.report.browser import Browser, chromium, find_chromium
from tests.tables import selection_table

pytest.importorskip("vl_convert", reason="the html extra (pip install 'outrank-cli[html]') is not installed")


HOSTILE = "</script><img src=x.png onerror=console.error(1)>"


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table with signals, copies, noise and an ID; a drifted copy; a wide table."""
    root = tmp_path_factory.mktemp("html")
    base = selection_table(n=4_000, seed=3)
    base.write_csv(root / "base.csv")
    rng = np.random.default_rng(5)
    drifted = base.with_columns(
        pl.Series("s2", rng.permutation(base["s2"].to_numpy())),  # its signal is gone
        pl.Series("leak", base["y"].to_numpy() * 2 + (rng.random(base.height) < 0.03)),
    ).drop("noise_cat")
    drifted.write_csv(root / "drifted.csv")
    n = 1_500
    wide = {f"c{i:04d}": rng.integers(0, 2 + i % 7, n) for i in range(1_000)}
    wide["y"] = (wide["c0001"] + rng.integers(0, 2, n) > 1).astype(np.int64)
    wide[HOSTILE] = wide.pop("c0999")  # a name that would load an image if it reached the page as HTML
    pl.DataFrame(wide).write_csv(root / "wide.csv")
    return {"base": root / "base.csv", "drifted": root / "drifted.csv", "wide": root / "wide.csv", "root": root}


@pytest.fixture(scope="module")
def reports(tables: dict[str, Path]) -> dict[str, Path]:
    """Every command's HTML report, written through the CLI (by --format or by the suffix)."""
    from outrank_cli.cli import main

    root = tables["root"]
    runs = {
        "rank": ["rank", tables["base"], "--target", "y", "-o", root / "rank.html"],
        "select": ["select", tables["base"], "--target", "y", "--format", "html", "-o", root / "select.html"],
        "redundancy": ["redundancy", tables["base"], "--target", "y", "-o", root / "redundancy.html"],
        "check": ["check", tables["base"], "--target", "y", "-o", root / "check.html"],
        "baseline": ["rank", tables["base"], "--target", "y", "-o", root / "baseline.json"],
        "drift": [
            "check", tables["drifted"], "--target", "y", "--baseline", root / "baseline.json",
            "-o", root / "drift.html",
        ],
        "wide": ["rank", tables["wide"], "--target", "y", "-o", root / "wide.html"],
    }  # fmt: skip
    for name, args in runs.items():
        try:
            main([str(a) for a in [*args, "--quiet"]])
        except SystemExit as done:
            assert done.code == 0 or (name in ("check", "drift") and done.code == 1), (name, done.code)
    return {name: root / f"{name}.html" for name in runs if name != "baseline"}


def test_one_file_that_loads_nothing(reports: dict[str, Path]) -> None:
    for name, path in reports.items():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>"), name
        assert len(text.encode()) < 3_000_000, (name, len(text))
        # no element pulls a file in: no src= on scripts, no stylesheet links, no fonts from elsewhere
        assert not re.search(r"<script[^>]*\bsrc=", text), name
        assert not re.search(r"<link[^>]*stylesheet", text), name
        assert "Content-Security-Policy" in text and "default-src 'none'" in text, name
        assert "window.vegaEmbed" in text, name


def test_column_names_stay_text(reports: dict[str, Path]) -> None:
    text = reports["wide"].read_text(encoding="utf-8")
    assert HOSTILE not in text
    assert "\\u003c/script>\\u003cimg" in text  # the name is in the table's data, escaped


def test_the_vega_bundle_is_built_once_then_read_from_the_cache(tmp_path, monkeypatch) -> None:
    from outrank_cli.report.html import vega

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    vega.bundle.cache_clear()
    built = vega.bundle()
    (cached,) = (tmp_path / "outrank-cli").glob("vega-bundle-*.js")
    assert cached.read_text(encoding="utf-8") == built
    cached.write_text(built + "\n// from the cache\n", encoding="utf-8")
    vega.bundle.cache_clear()
    assert vega.bundle().endswith("// from the cache\n")
    cached.write_text("truncated", encoding="utf-8")  # a broken cache file is rebuilt
    vega.bundle.cache_clear()
    assert vega.bundle() == built
    vega.bundle.cache_clear()


def test_json_output_does_not_change_and_does_not_load_the_extra(tables: dict[str, Path], cli) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom outrank_cli.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "assert 'vl_convert' not in sys.modules, 'JSON loaded the plotting extra'\n"
    )
    args = ["select", str(tables["base"]), "--target", "y", "--format", "json", "-q"]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "matrix" not in json.loads(done.stdout)


def test_without_the_extra_html_is_a_usage_error(tables: dict[str, Path], cli, monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_vl_convert(name: str, *args: object, **kwargs: object) -> object:
        if name == "vl_convert":
            raise ImportError("No module named 'vl_convert'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_vl_convert)
    out = tables["root"] / "never.html"
    result = cli("rank", tables["base"], "--target", "y", "-o", out)
    assert result.code == 2
    assert "pip install 'outrank-cli[html]'" in result.err
    assert not out.exists()


def test_select_heatmap_covers_selected_and_dropped(reports: dict[str, Path]) -> None:
    text = reports["select"].read_text(encoding="utf-8")
    specs = [json.loads(m) for m in re.findall(r'<script type="application/json" id="select-[^"]*">(.*?)</script>', text)]
    heat = [s for s in specs if isinstance(s, dict) and "layer" in s and s["layer"][0]["mark"]["type"] == "rect"]
    assert heat, "no heatmap in the select report"
    names = {c["a"] for c in heat[0]["data"]["values"]}
    assert {"s1", "s2"} <= names and ({"s1_copy", "s2_scaled"} & names)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if find_chromium() is None and not os.environ.get("OUTRANK_CHROMIUM"):
        pytest.skip("no chromium on PATH: install Debian's chromium (apt-get install chromium), as .ci/run does")
    pytest.importorskip("websocket", reason="websocket-client (in the dev extra) is not installed")
    with chromium() as running:
        yield running


@pytest.mark.parametrize(
    ("name", "charts"),
    [("rank", 2), ("select", 3), ("redundancy", 2), ("check", 1), ("drift", 2), ("wide", 2)],
)
def test_report_draws_in_chromium(reports: dict[str, Path], browser: Browser, name: str, charts: int) -> None:
    load = browser.load(reports[name])
    assert load.console_errors == [], load.console_errors
    assert load.requests == [], f"the page fetched {load.requests}"
    assert load.measure["charts"] == charts, load.measure
    assert load.measure["drawn"] == charts, f"charts not drawn: {load.measure}"
    assert all(rows > 0 for rows in load.measure["table_rows"]), load.measure
    if name == "wide":
        assert load.measure["table_rows"][0] == 1_000
    keep = os.environ.get("OUTRANK_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        browser.screenshot(Path(keep) / f"{name}.png")


def test_tables_sort_and_filter_in_chromium(reports: dict[str, Path], browser: Browser) -> None:
    browser.load(reports["wide"])
    first = "document.querySelector('[data-table] tbody tr td:nth-child(2)').textContent"
    assert browser.evaluate(first) == "c0001"
    # sort by feature name (two clicks on its heading: descending), then filter to one column
    browser.evaluate("document.querySelectorAll('[data-table] th')[1].click()")
    browser.evaluate("document.querySelectorAll('[data-table] th')[1].click()")
    assert browser.evaluate(first) == "c0998"
    browser.evaluate(
        "(() => { const i = document.querySelector('[data-table] input'); i.value = 'c0998';"
        " i.dispatchEvent(new Event('input')); })()"
    )
    assert browser.evaluate("document.querySelector('[data-table] tbody').rows.length") == 1
    assert browser.evaluate("document.querySelector('[data-table] .count').textContent") == "1 of 1000 rows"
    browser.evaluate(
        "(() => { const i = document.querySelector('[data-table] input'); i.value = 'onerror';"
        " i.dispatchEvent(new Event('input')); })()"
    )
    cell = "document.querySelector('[data-table] tbody tr td:nth-child(2)').textContent"
    assert browser.evaluate(cell) == HOSTILE
