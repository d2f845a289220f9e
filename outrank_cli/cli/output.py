"""Where a report goes: stdout, a file (atomically), or a directory of files."""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from outrank_cli.cli.feedback import PROG, fail, run_library
from outrank_cli.cli.formats import Output
from outrank_cli.errors import EXIT_DATA_ERROR, EXIT_USAGE_ERROR


def resolve_format(
    out: Output,
    by_suffix: Mapping[str, StrEnum],
    *,
    table: StrEnum,
    json: StrEnum,
    fallback: StrEnum | None = None,
) -> Any:
    """The format asked for; else from the output file's suffix (``fallback`` for other
    suffixes, or a usage error without one); else a table on a terminal and JSON otherwise.
    HTML needs the optional extra: without it, a usage error that says how to install it."""
    if out.path is not None and out.directory and not out.path.is_dir():
        what = "is not a directory" if out.path.exists() else "does not exist"
        fail(
            f"output directory '{out.path}/' {what}; create it first (mkdir -p {out.path})", EXIT_USAGE_ERROR
        )
    chosen = out.format if out.format is not None else _by_name(out, by_suffix, fallback)
    if chosen is None:
        chosen = table if on_terminal() else json
    if chosen == "html":
        from outrank_cli.report.html import require

        run_library(lambda _: require(), quiet=True)
    return chosen


def _by_name(out: Output, by_suffix: Mapping[str, StrEnum], fallback: StrEnum | None) -> StrEnum | None:
    """The format the output file's name asks for (None when the report goes to stdout)."""
    if out.path is None or out.path.is_dir():
        return None
    suffix = out.path.suffix.lower()
    if suffix in by_suffix:
        return by_suffix[suffix]
    if fallback is not None:
        return fallback
    names = "|".join(f.value for f in dict.fromkeys(by_suffix.values()))
    fail(
        f"cannot tell the report format from {str(out.path)!r}; pass --format {names} or use a "
        f"{'/'.join(by_suffix)} name",
        EXIT_USAGE_ERROR,
    )


def refuse_output_inside_inputs(out: Output, paths: Sequence[str], names: Iterable[str]) -> None:
    """Refuse a report with a table suffix (``ranking.csv``) that the next run over the same
    input directory or glob would list, and read as data."""
    if out.path is None:
        return
    from outrank_cli.source.formats import format_of

    written = [out.path / name for name in names] if out.path.is_dir() else [out.path]
    for file in written:
        if format_of(file.name) is None:
            continue
        for given in paths:
            inside = os.path.isdir(given) and Path(os.path.realpath(file.parent)).is_relative_to(
                os.path.realpath(given)
            )
            if inside or (any(ch in given for ch in "*?[") and fnmatch.fnmatch(str(file), given)):
                fail(
                    f"--output {str(file)!r} is inside the input {given!r}, so the next run over it would "
                    f"read the report as data; write the report outside {given!r}",
                    EXIT_USAGE_ERROR,
                )


def note_renamed_columns(renamed: Sequence[tuple[str, str]], paths: Sequence[str], out: Output) -> None:
    """A note on stderr for each repeated header name, read renamed (``check`` reports a finding)."""
    if out.quiet:
        return
    for old, new in renamed:
        sys.stderr.write(
            f"{PROG}: note: the header of {paths[0]} repeats the column name {old!r}; "
            f"a copy is read as {new!r}\n"
        )


def emit(text: str) -> None:
    """Print the report; a closed pipe is quiet, any other failure to write is one line."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `| head`: the reader has what it wants
        _discard_stdout()
    except OSError as error:  # e.g. `> /dev/full`
        _discard_stdout()
        fail(
            f"cannot write the report to stdout ({error.strerror or error}); free some space or use --output",
            EXIT_DATA_ERROR,
        )


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the final flush of what is left does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def emit_report(
    text_for: Mapping[Any, Callable[[], str]],
    chosen: Any,
    out: Output,
    directory_files: Mapping[str, Any],
    inputs: tuple[str, ...],
) -> None:
    """Print a report, or write it atomically to FILE or into DIR (never over an input).

    ``text_for`` maps formats to zero-argument renderers.
    """
    from outrank_cli.report.write import write_all_atomic

    if out.path is None:
        emit(text_for[chosen]())
        return
    files: dict[str | os.PathLike[str], str]
    if out.path.is_dir():
        files = {out.path / name: text_for[fmt]() for name, fmt in directory_files.items()}
    else:
        files = {out.path: text_for[chosen]()}
    run_library(lambda _: write_all_atomic(files, inputs=inputs), quiet=True)
    if not out.quiet and out.path.is_dir():
        sys.stderr.write("wrote " + " and ".join(str(p) for p in files) + "\n")


def on_terminal() -> bool:
    """Whether the report goes to a terminal (a rich table by default, styled)."""
    return sys.stdout.isatty()


def report_format(out: Output) -> Any:
    """The format of a table/json/csv/names report (see ``resolve_format``)."""
    from outrank_cli.cli.formats import BY_SUFFIX, OutputFormat

    return resolve_format(out, BY_SUFFIX, table=OutputFormat.table, json=OutputFormat.json)


def deliver(
    renderings: Mapping[Any, Callable[[], str]], chosen: Any, out: Output, stem: str, run: Any
) -> None:
    """The notes about renamed columns, then the report (``stem``.json/.csv into a DIR)."""
    from outrank_cli.cli.formats import directory_files

    note_renamed_columns(run.renamed, run.paths, out)
    emit_report(renderings, chosen, out, directory_files(stem), run.paths)
