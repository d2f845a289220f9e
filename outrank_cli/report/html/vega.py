"""The Vega, Vega-Lite and Vega-Embed JavaScript, from the ``html`` extra (vl-convert-python).

Imported only when a report is written as HTML: the JSON, CSV and table paths never load it.
Building the bundle takes vl-convert 1.5-3 s, so it is kept in the user's cache directory
(``$XDG_CACHE_HOME/outrank-cli`` or ``~/.cache/outrank-cli``), one file per vl-convert version.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from importlib import metadata
from pathlib import Path

from outrank_cli.errors import UsageError

INSTALL_HINT = "pip install 'outrank-cli[html]'"
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # a name only: never fetched
# the default bundle ends by defining these globals; a cached file without them is rebuilt
_GLOBALS = "window.vegaEmbed="


def require() -> None:
    """Raise a ``UsageError`` (exit 2) that says how to install the extra when it is missing."""
    try:
        import vl_convert  # noqa: F401
    except ImportError:
        raise UsageError(
            f"--format html needs the optional html extra (vl-convert-python); install it with: {INSTALL_HINT}"
        ) from None


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "outrank-cli" / f"vega-bundle-{metadata.version('vl-convert-python')}.js"


@functools.cache
def bundle() -> str:
    """The JavaScript that defines ``vegaEmbed``, ``vega`` and ``vegaLite`` (about 0.9 MB)."""
    require()
    import vl_convert

    cached = _cache_file()
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = cached.read_text(encoding="utf-8")
        if _GLOBALS in text:
            return text
    text = str(vl_convert.javascript_bundle(None))  # type: ignore[arg-type]  # None: the default snippet
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        cached.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".vega-bundle.", dir=cached.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, cached)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return text
