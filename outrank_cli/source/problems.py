"""Input problems: polars' errors turned into one clear line, and CSV columns that need a
wider type than the first rows suggested (``WidenColumn``, which restarts the pass)."""

from __future__ import annotations

import csv
import gzip
import io
import re
from typing import TYPE_CHECKING

import polars as pl

from outrank_cli.errors import InputError
from outrank_cli.source.formats import Format, is_remote

if TYPE_CHECKING:
    from outrank_cli.source.table import Source


class WidenColumn(Exception):
    """A CSV value did not parse as the type inferred from the first rows."""

    def __init__(self, column: str, dtype: pl.DataType, *, not_a_number: bool = False) -> None:
        super().__init__(column, dtype)
        self.column = column
        self.dtype = dtype
        self.not_a_number = not_a_number  # a numeric column met a value that is no number at all


def input_error(source: Source, error: Exception, *, path: str | None = None) -> Exception:
    """The one-line error for a polars failure while reading ``source`` (or one file of it)."""
    text = str(error)
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    place = path or where(source)
    if source.format is Format.CSV:
        widen = _widening(text)
        if widen is not None:
            return widen
        if "more fields than defined" in text or "found more fields" in text:
            located = find_ragged_line(source)
            if located:
                return InputError(located)
            return InputError(
                f"{place}: a row has more fields than the header; fix the file or check --separator"
            )
        if "utf-8" in text.lower() or "utf8" in text.lower():
            return InputError(not_utf8(path or source.paths[0]))
    if isinstance(error, FileNotFoundError):
        return InputError(f"{place}: file not found ({first})")
    if "empty CSV" in text:
        return InputError(f"{place}: the file is empty (no header row); a CSV needs a header row")
    if source.format is Format.PARQUET and ("PAR1" in text or "parquet" in text.lower()):
        return InputError(
            f"{place}: not a readable Parquet file ({first}); the file may be corrupt or truncated"
        )
    return InputError(f"{place}: cannot read the input ({first})")


def where(source: Source) -> str:
    """The input's name for messages: its file, or how many files."""
    return source.paths[0] if len(source.paths) == 1 else f"{len(source.paths)} files"


def _widening(text: str) -> WidenColumn | None:
    match = re.search(r"could not parse `(.*?)` as dtype `(\w+)` at column '(.*?)'", text, re.S)
    if not match:
        return None
    value, dtype, column = match.groups()
    try:
        float(value)
        target: pl.DataType = pl.Float64()
        number = True
    except ValueError:
        target = pl.String()
        number = False
    if dtype.startswith("f"):
        target = pl.String()
    numeric = dtype[:1] in ("i", "u", "f") and dtype[1:].isdigit()
    return WidenColumn(column, target, not_a_number=numeric and not number)


def not_utf8(path: str) -> str:
    """The message for a CSV file that is not UTF-8: the line of the first bad byte, and
    how to convert the file (or a hint that it is not text at all)."""
    found = _first_bad_line(path)
    if found is None:
        return (
            f"{path}: not UTF-8 text; convert it, e.g. iconv -f latin1 -t utf-8 {path} > fixed.csv "
            "(or, if it is not a CSV file, pass the right file)"
        )
    number, line, offset = found
    if b"\0" in line or sum(b < 9 or 13 < b < 32 for b in line) > len(line) // 10:
        return f"{path} line {number}: binary bytes, not CSV text; is it really a CSV file?"
    return (
        f"{path} line {number}: not UTF-8 text (byte {offset + 1} of the line); convert the file, "
        f"e.g. iconv -f latin1 -t utf-8 {path} > fixed.csv"
    )


def _first_bad_line(path: str) -> tuple[int, bytes, int] | None:
    """The number and bytes of the first line of a local file that is not UTF-8, and the
    offset of the bad byte in it, if any."""
    if is_remote(path):
        return None
    lowered = path.lower()
    try:
        opener = gzip.open if lowered.endswith(".gz") else open
        if lowered.endswith((".zst", ".zstd")):
            return None
        with opener(path, "rb") as handle:
            number = 1
            while line := handle.readline(1 << 20):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as bad:
                    # a cut inside a character at the end of a long piece is not an error
                    if bad.start < len(line) - 4 or line.endswith(b"\n"):
                        return number, line, bad.start
                number += line.endswith(b"\n")
    except (OSError, EOFError):
        return None
    return None


def open_text(path: str) -> io.TextIOBase:
    lowered = path.lower()
    if lowered.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    if lowered.endswith((".zst", ".zstd")):
        try:
            import zstandard
        except ImportError:
            raise InputError(f"{path}: cannot locate the bad row without the zstandard package") from None
        return io.TextIOWrapper(zstandard.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def find_ragged_line(source: Source) -> str | None:
    """Scan the CSV files for the first row whose field count differs from the header's."""
    for path in source.paths:
        if is_remote(path):
            continue
        with open_text(path) as handle:
            reader = csv.reader(handle, delimiter=source.separator)
            header = next(reader, None)
            if header is None:
                continue
            for row in reader:
                if len(row) != len(header) and row:
                    return (
                        f"{path} line {reader.line_num}: {len(row)} fields, but the header has "
                        f"{len(header)}; fix that row (quote fields that contain {source.separator!r}) "
                        "or check --separator"
                    )
    return None
