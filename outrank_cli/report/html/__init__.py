"""Self-contained HTML reports: one file per run, charts inlined, nothing fetched.

Each command's page is one function from its result to a ``page.Page``, registered in
``PAGES``; adding a command's report is writing that function and naming it there. The Vega
JavaScript comes from the optional ``html`` extra and is loaded only when HTML is written.
"""

from __future__ import annotations

import importlib
from typing import Any

from outrank_cli.report.html.vega import INSTALL_HINT, bundle, require

__all__ = ["INSTALL_HINT", "PAGES", "html_report", "require"]

# command -> "module:function" building its page (imported when that page is written)
PAGES = {
    "rank": "outrank_cli.report.html.rank:rank_page",
    "select": "outrank_cli.report.html.select:select_page",
    "redundancy": "outrank_cli.report.html.select:redundancy_page",
    "interactions": "outrank_cli.report.html.interactions:interactions_page",
    "check": "outrank_cli.report.html.check:check_page",
}


def html_report(command: str, result: Any, **options: Any) -> str:
    """The HTML report of ``command`` for ``result`` (``options`` go to its page function)."""
    from outrank_cli.report.html.page import render_page

    if command not in PAGES:
        raise ValueError(f"no HTML report for command {command!r}; valid: {', '.join(PAGES)}")
    module, function = PAGES[command].split(":")
    page = getattr(importlib.import_module(module), function)(result, **options)
    return render_page(page, bundle=bundle())
