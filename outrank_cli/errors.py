"""Typed errors raised by the library.

The library never prints or exits; the CLI turns these into one line on stderr and an exit
code. Every message says what was wrong, the value received, what is valid, and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

EXIT_OK = 0
EXIT_DATA_ERROR = 1
EXIT_USAGE_ERROR = 2


class OutrankError(Exception):
    """Base class of every error the library raises on purpose.

    Errors travel between processes (Dask workers), so they pickle as their message alone.
    """

    exit_code: int = EXIT_DATA_ERROR

    def __reduce__(self) -> tuple[type[OutrankError], tuple[str]]:
        return (_rebuild, (type(self), str(self)))  # type: ignore[return-value]


def _rebuild(kind: type[OutrankError], message: str) -> OutrankError:
    error = Exception.__new__(kind)
    Exception.__init__(error, message)
    return error


class InputError(OutrankError):
    """The input data cannot be used: missing file, corrupt file, ragged rows, empty table."""


class UsageError(OutrankError):
    """An option or argument has a value that is not valid."""

    exit_code = EXIT_USAGE_ERROR


class OutputError(OutrankError):
    """A report cannot be written (a full disk, no permission); exit 1 like a data error."""


class ColumnNotFoundError(InputError):
    """A column named on the command line is not in the table."""

    def __init__(self, *, role: str, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = list(available)
        close = difflib.get_close_matches(name, self.available, n=3, cutoff=0.5)
        if not close:
            lowered = {a.lower(): a for a in self.available}
            close = [lowered[name.lower()]] if name.lower() in lowered else []
        hint = (
            f"did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else f"the table has {len(self.available)} columns: {_preview(self.available)}"
        )
        what = (
            f"{role} {name!r} matches no column"
            if role.endswith("pattern")
            else f"{role} column {name!r} is not in the table"
        )
        super().__init__(f"{what}; {hint}")


class TargetError(InputError):
    """The target column cannot be used (constant, all missing, too many classes)."""


def _preview(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")
