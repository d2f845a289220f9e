"""The Vega, Vega-Lite and Vega-Embed JavaScript, from the ``html`` extra (vl-convert-python).

Imported only when a report is written as HTML: the JSON, CSV and table paths never load it.
"""

from __future__ import annotations

import functools

from outrank_cli.errors import UsageError

INSTALL_HINT = "pip install 'outrank-cli[html]'"
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # a name only: never fetched


def require() -> None:
    """Raise a ``UsageError`` (exit 2) that says how to install the extra when it is missing."""
    try:
        import vl_convert  # noqa: F401
    except ImportError:
        raise UsageError(
            f"--format html needs the optional html extra (vl-convert-python); install it with: {INSTALL_HINT}"
        ) from None


@functools.cache
def bundle() -> str:
    """The JavaScript that defines ``vegaEmbed``, ``vega`` and ``vegaLite`` (about 0.9 MB), built
    once per process from the copies inside vl-convert-python."""
    require()
    import vl_convert

    return str(vl_convert.javascript_bundle(None))  # type: ignore[arg-type]  # None: the default snippet
