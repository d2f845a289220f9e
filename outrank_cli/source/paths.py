"""Which files a run reads: expand files, globs and directories into one ``Source``.

Formats come from the suffixes (or ``--input-format``); remote paths go to polars as they are
(globs on object stores are listed with fsspec, part of the dask extra).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from outrank_cli.errors import InputError, UsageError
from outrank_cli.options import ReadOptions
from outrank_cli.source.formats import (
    CSV_SUFFIXES,
    DEFAULT_NULL_VALUES,
    PARQUET_SUFFIXES,
    Format,
    format_of,
    is_remote,
    strip_compression,
)
from outrank_cli.source.table import Source


def _expand(path: str, storage_options: Mapping[str, str] | None = None) -> list[str]:
    if is_remote(path):
        if path.lower().startswith("file://"):
            return _expand(path[len("file://") :])
        if any(ch in path for ch in "*?["):
            return _expand_remote_glob(path, storage_options or {})
        return [path]
    if any(ch in path for ch in "*?["):
        matches = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        if not matches:
            raise InputError(
                f"no file matches {path!r}; check the pattern (quote it so the shell does not expand it)"
            )
        return matches
    if os.path.isdir(path):
        found = sorted(
            str(p)
            for p in Path(path).rglob("*")
            if p.is_file()
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
            and format_of(p.name) is not None
        )
        if not found:
            raise InputError(
                f"directory {path!r} holds no CSV/TSV/Parquet files; valid suffixes: "
                f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)} (optionally .gz/.zst)"
            )
        return found
    if not os.path.exists(path):
        raise InputError(f"file {path!r} does not exist; check the path")
    if not os.path.isfile(path):
        raise InputError(f"{path!r} is not a regular file")
    return [path]


def _expand_remote_glob(path: str, storage_options: Mapping[str, str]) -> list[str]:
    """List a glob on an object store with fsspec (part of the dask extra)."""
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"listing {path!r} needs fsspec: pip install 'outrank-cli[dask]'") from None
    protocol = path.split("://", 1)[0]
    try:
        fs = fsspec.filesystem(protocol, **storage_options)
        matches = sorted(fs.glob(path))
    except Exception as error:
        raise InputError(f"cannot list {path!r} ({error}); check the path and --storage-option") from None
    if not matches:
        raise InputError(f"no file matches {path!r}; check the pattern")
    return [m if "://" in m else f"{protocol}://{m}" for m in matches]


def resolve(paths: Sequence[str], read: ReadOptions) -> Source:
    """Expand files, globs and directories into one ``Source`` of a single format."""
    separator, file_format = read.separator, read.input_format
    storage_options, null_values = read.storage_options, read.null_values
    if not paths:
        raise UsageError("no input given; pass a file, a glob or a directory")
    files: list[str] = []
    for path in paths:
        files.extend(_expand(path, storage_options))
    files = list(dict.fromkeys(files))
    if file_format is not None:
        try:
            chosen = Format(file_format)
        except ValueError:
            raise UsageError(f"unknown --input-format {file_format!r}; valid: csv, parquet") from None
        formats: set[Format | None] = {chosen}
    else:
        formats = {format_of(f) for f in files}
        if None in formats:
            unknown = next(f for f in files if format_of(f) is None)
            raise InputError(
                f"cannot tell the format of {unknown!r} from its name; valid suffixes: "
                f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)} (optionally .gz/.zst), or pass --input-format"
            )
    if len(formats) > 1:
        raise InputError("the inputs mix CSV and Parquet files; pass one format at a time")
    fmt = formats.pop()
    assert fmt is not None
    if separator is None:
        names = [strip_compression(f) for f in files]
        separator = "\t" if all(n.endswith((".tsv", ".tab")) for n in names) else ","
    if len(separator) != 1:
        raise UsageError(f"--separator must be one character, got {separator!r}; use '\\t' for tabs")
    nulls = DEFAULT_NULL_VALUES if null_values is None else tuple(null_values)
    return Source(tuple(files), fmt, separator, {}, dict(storage_options or {}), nulls)
