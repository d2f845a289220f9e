"""Atomic file output: a report is either complete on disk or not there at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from outrank_cli.errors import UsageError


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a temp file beside ``path``, fsync it, then rename it over ``path``."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"cannot write {str(target)!r}: {str(directory)!r} is a file, not a directory")
    if not directory.is_dir():
        raise UsageError(
            f"cannot write {str(target)!r}: directory {str(directory)!r} does not exist; create it first"
        )
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_all_atomic(files: Mapping[str | os.PathLike[str], str], *, inputs: Sequence[str] = ()) -> None:
    """Write several reports, each atomically, never over one of the ``inputs``."""
    for path in files:
        for source in inputs:
            if os.path.exists(path) and os.path.exists(source) and os.path.samefile(path, source):
                raise UsageError(
                    f"--output {str(path)!r} is one of the input files; write the report elsewhere"
                )
    for path, text in files.items():
        write_atomic(path, text)
