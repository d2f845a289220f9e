"""Subsets to evaluate: read from a names file (one name a line) or a ``select`` JSON report,
or chosen by ``select`` itself."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from outrank_cli.errors import InputError
from outrank_cli.evaluate.crossval import Subset
from outrank_cli.evaluate.shortest import Within
from outrank_cli.pipeline import Request


def read_subset(path: str | Path) -> Subset:
    """The columns named in ``path``: a ``select`` JSON report (its ``selected`` names, in
    order) or a text file with one name a line (blank lines and ``#`` comments skipped)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read subset file {str(file)!r}: {error.strerror or error}") from None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
            names = [str(s["name"]) for s in document["selected"]]
        except (ValueError, KeyError, TypeError):
            raise InputError(
                f"subset file {str(file)!r} is JSON but not a select report "
                "(expected 'selected': [{'name': ...}, ...]); write one with 'outrank-cli select -f json'"
            ) from None
    else:
        names = [line.strip() for line in text.splitlines()]
        names = [n for n in names if n and not n.startswith("#")]
    if not names:
        raise InputError(f"subset file {str(file)!r} names no columns")
    return Subset(file.name, tuple(dict.fromkeys(names)))


def select_subsets(request: Request, ks: Sequence[int], *, automatic: bool = False) -> list[Subset]:
    """Subsets chosen by ``select`` (default search options) on the same table: its automatic
    stop (named ``select``) when ``automatic``, and ``select --k K`` (named ``select k=K``)."""
    from outrank_cli.options import SearchOptions
    from outrank_cli.select import select_features

    searches = ([("select", None)] if automatic else []) + [(f"select k={k}", k) for k in ks]
    out = []
    for name, k in searches:
        result = select_features(request, SearchOptions(k=k))
        out.append(Subset(name, tuple(s.name for s in result.selected)))
    return out


def select_within(request: Request, max_loss: float, *, automatic: Sequence[str] | None = None) -> Within:
    """``evaluate --within``: the search from ``select``'s automatic subset (``automatic``
    when already chosen, else chosen here) along ``select --k``'s order (each ``select --k n``
    run only when the search reaches past what it has)."""
    from outrank_cli.options import SearchOptions
    from outrank_cli.select import select_features

    if automatic is None:
        automatic = [s.name for s in select_features(request, SearchOptions()).selected]
    automatic = tuple(automatic)

    def order_up_to(n: int) -> Sequence[str]:
        if n <= len(automatic):  # --k n is the start of the automatic subset
            return automatic
        return [s.name for s in select_features(request, SearchOptions(k=n)).selected]

    return Within(max_loss, len(automatic), order_up_to)
