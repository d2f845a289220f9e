"""A command's run: the table it reads, how (its setup), and the early start begun for it.

``Table.start`` checks every options part first, spools a ``-`` input from stdin, and begins
the ``EarlyStart`` (resolve, schema, reader) before the command imports numpy; ``Run.request``
is the library call's ``Request``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, TypeVar

from outrank_cli.errors import UsageError
from outrank_cli.options import EncodeOptions, EngineOptions, PassOptions, ReadOptions, ScoreOptions

if TYPE_CHECKING:
    from outrank_cli.pipeline import Request
    from outrank_cli.progress import ProgressCallback
    from outrank_cli.source.early import EarlyStart

R = TypeVar("R")


class Validated(Protocol):
    """An options part that checks its own values (``options.py``)."""

    def validate(self) -> None: ...


def with_project(given: dict[str, list[str] | None]) -> dict[str, tuple[str, ...]]:
    """For each column key: the patterns of ``[tool.outrank-cli]`` in pyproject.toml (read
    once), then the options'."""
    from outrank_cli.project import column_patterns

    project = column_patterns()
    return {key: (*project[key], *(values or ())) for key, values in given.items()}


@dataclass(frozen=True)
class Table:
    """The input and the columns: what every command reads."""

    paths: list[str]
    target: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    multivalue: tuple[str, ...]
    seed: int

    def start(self, setup: Setup, *parts: Validated) -> Run:
        """Begin resolving, inferring the schema and (local engine) reading the input on a
        side thread, before the command imports the library (numpy and the counting
        modules): the two overlap. Call it first in a command.

        The options (``setup``'s and the command's own ``parts``) are checked first, so a
        value out of range fails at once, before polars is imported.
        """
        from outrank_cli.cli.feedback import fail

        checked: tuple[Validated, ...] = (setup.read, setup.encode, setup.engine, *parts)
        for part in checked:
            try:
                part.validate()
            except UsageError as error:
                fail(str(error), error.exit_code)
        table, spooled = self, None
        if STDIN in self.paths:
            spooled = _spool_stdin(setup.read.input_format)
            table = replace(self, paths=[spooled if p == STDIN else p for p in self.paths])
        from outrank_cli.source.early import EarlyStart

        early = EarlyStart(table.paths, setup.read, read_rows=setup.engine.engine == "local")
        return Run(table, setup, early, spooled)


STDIN = "-"
SPOOLED: list[str] = []  # temporary folders of stdin tables, removed when the command ends


def remove_spooled() -> None:
    """Remove the temporary copies of stdin (the entry point calls it after every command)."""
    import shutil

    while SPOOLED:
        shutil.rmtree(SPOOLED.pop(), ignore_errors=True)


def _spool_stdin(input_format: str | None) -> str:
    """Copy stdin into a temporary file, removed when the command ends: the readers scan
    files (polars reads a CSV in parallel chunks, and a Parquet file from its footer)."""
    import os
    import shutil
    import sys
    import tempfile

    from outrank_cli.cli.feedback import fail
    from outrank_cli.errors import EXIT_USAGE_ERROR

    if sys.stdin is None or sys.stdin.isatty():
        fail(
            "'-' reads the table from stdin, but stdin is a terminal; pipe or redirect a file into it",
            EXIT_USAGE_ERROR,
        )
    folder = tempfile.mkdtemp(prefix="outrank-cli-stdin-")
    SPOOLED.append(folder)
    path = os.path.join(folder, "stdin.parquet" if input_format == "parquet" else "stdin.csv")
    with open(path, "wb") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
    return path


@dataclass(frozen=True)
class Setup:
    """How to read, encode and count the input."""

    read: ReadOptions
    encode: EncodeOptions
    engine: EngineOptions


@dataclass(frozen=True)
class Run:
    """A command's run: the table, its setup, and the early start begun for it."""

    table: Table
    setup: Setup
    early: EarlyStart = field(repr=False)
    stdin: str | None = None  # the temporary file that holds the table read from stdin

    def relabel(self, result: R) -> R:
        """The result with the spooled stdin file reported as ``-``, as the user gave it."""
        if self.stdin is None:
            return result
        paths = tuple(STDIN if p == self.stdin else p for p in result.run.paths)  # type: ignore[attr-defined]
        return replace(result, run=replace(result.run, paths=paths))  # type: ignore[attr-defined,type-var]

    def options(self, score: ScoreOptions | None = None) -> PassOptions:
        return PassOptions(
            target=self.table.target,
            include=self.table.include,
            exclude=self.table.exclude,
            categorical=self.table.categorical,
            numeric=self.table.numeric,
            multivalue=self.table.multivalue,
            seed=self.table.seed,
            read=self.setup.read,
            encode=self.setup.encode,
            engine=self.setup.engine,
            score=score or ScoreOptions(),
        )

    def request(self, progress: ProgressCallback, score: ScoreOptions | None = None) -> Request:
        """The library request of this run (``score``: rank's and select's scoring options)."""
        from outrank_cli.pipeline import Request

        return Request(self.table.paths, self.options(score), self.early, progress)
