"""Atomic file output: a report is either complete on disk or not there at all."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from outrank_cli.errors import OutputError, UsageError


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path``: a regular file atomically, a pipe or a device through.

    A regular file (or a new name) gets a temp file beside it, fsync'ed and renamed over it,
    with the permissions the umask gives (as any new file). A symlink is followed: its target
    is written, the link stays. A FIFO or a character device (``/dev/stdout``) is written
    through, never replaced. Anything else (a socket, a block device) is refused.
    """
    try:
        mode: int | None = os.stat(path).st_mode  # through symlinks (/dev/stdout is one)
    except OSError:  # not there (or under a file): the checks below say which
        mode = None
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(
            f"cannot write {str(path)!r}: it is not a regular file, a pipe or a character device; "
            "choose another --output"
        )
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"cannot write {str(target)!r}: {str(directory)!r} is a file, not a directory")
    if not directory.is_dir():
        raise UsageError(
            f"cannot write {str(target)!r}: directory {str(directory)!r} does not exist; create it first"
        )
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it; set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_all_atomic(files: Mapping[str | os.PathLike[str], str], *, inputs: Sequence[str] = ()) -> None:
    """Write several reports, each atomically, never over one of the ``inputs``."""
    for path in files:
        for source in inputs:
            if os.path.exists(path) and os.path.exists(source) and os.path.samefile(path, source):
                raise UsageError(
                    f"--output {str(path)!r} is one of the input files; write the report elsewhere"
                )
    for path, text in files.items():
        try:
            write_atomic(path, text)
        except OSError as error:
            raise OutputError(
                f"cannot write {str(path)!r} ({error.strerror or error}); free some space, check the "
                "permissions, or choose another --output"
            ) from None
