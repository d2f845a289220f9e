"""Option groups, declared once and shared by the commands.

A ``Group`` is a set of typer options and a function that builds one value from them (a
library options part, mostly). ``@with_groups(TABLE, READ, ...)`` adds each group's options
to a command's signature, where typer finds them, and calls the command with the built
values instead: a command declares ``read: ReadOptions`` once, never the five options behind
it. This is what click projects do with shared option decorators (sqlite-utils, for one).

Nothing here imports numpy or polars: ``--help`` stays fast.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from outrank_cli.errors import OutrankError, UsageError
from outrank_cli.options import EncodeOptions, EngineOptions, PassOptions, ReadOptions, ScoreOptions


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    names = "names"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    github = "github"


class Correction(StrEnum):
    ami = "ami"
    none = "none"
    miller_madow = "miller-madow"
    permutation = "permutation"
    outrank = "outrank"


@dataclass(frozen=True)
class Group:
    """Options (``name: Annotated[type, typer.Option(...)] = default``) and their builder."""

    name: str
    parameters: tuple[inspect.Parameter, ...]
    build: Callable[..., Any]


def group(name: str, build: Callable[..., Any], **options: tuple[Any, Any]) -> Group:
    """A group from ``option_name=(annotation, default)`` pairs; ``build`` takes them by name."""
    parameters = tuple(
        inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
        for key, (annotation, default) in options.items()
    )
    return Group(name, parameters, build)


def with_groups(*groups: Group) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the options of ``groups``; it receives each group's built value under
    the group's name. A builder's ``UsageError`` becomes the usual one-line error (exit 2)."""

    by_name = {g.name: g for g in groups}

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        # a group's options take the place of the command's parameter of the same name
        parameters: list[inspect.Parameter] = []
        for parameter in inspect.signature(command).parameters.values():
            given = by_name.get(parameter.name)
            parameters.extend(given.parameters if given is not None else [parameter])
        names = [p.name for p in parameters]
        if len(set(names)) != len(names) or not set(by_name) <= set(inspect.signature(command).parameters):
            raise ValueError(f"option names repeat, or a group is not a parameter, in {command.__name__}")

        @functools.wraps(command)
        def run(**values: Any) -> Any:
            from outrank_cli.cli.feedback import fail

            for g in groups:
                given = {p.name: values.pop(p.name) for p in g.parameters}
                try:
                    values[g.name] = g.build(**given)
                except OutrankError as error:
                    fail(str(error), error.exit_code)
            return command(**values)

        # typer reads the parameters from the signature (and the annotations from here)
        keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in parameters]
        run.__signature__ = inspect.Signature(keyword)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in keyword}
        del run.__wrapped__  # typer must not look through to the command's own signature
        return run

    return decorate


# -- the table and its columns -----------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """The input and the columns: what every command reads."""

    paths: list[str]
    target: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    seed: int

    def options(
        self,
        *,
        read: ReadOptions,
        encode: EncodeOptions,
        engine: EngineOptions,
        score: ScoreOptions | None = None,
    ) -> PassOptions:
        return PassOptions(
            target=self.target,
            include=self.include,
            exclude=self.exclude,
            seed=self.seed,
            read=read,
            encode=encode,
            engine=engine,
            score=score or ScoreOptions(),
        )


TABLE = group(
    "table",
    lambda paths, target, include, exclude, seed: Table(
        paths, target, tuple(include or ()), tuple(exclude or ()), seed
    ),
    paths=(
        Annotated[
            list[str],
            typer.Argument(
                help="Input: CSV/TSV/Parquet files, globs (quote them) or directories of part files; .gz/.zst CSV too.",
                show_default=False,
                metavar="PATH",
            ),
        ],
        inspect.Parameter.empty,
    ),
    target=(
        Annotated[
            str,
            typer.Option(
                "--target", "-t", help="Name of the target column.", show_default=False, metavar="NAME"
            ),
        ],
        inspect.Parameter.empty,
    ),
    include=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--include",
                "-i",
                help="Only these feature columns: comma-separated names or glob patterns (repeatable).",
                metavar="PATTERNS",
            ),
        ],
        None,
    ),
    exclude=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--exclude",
                "-x",
                help="Leave out these columns: comma-separated names or glob patterns (repeatable).",
                metavar="PATTERNS",
            ),
        ],
        None,
    ),
    seed=(
        Annotated[
            int,
            typer.Option("--seed", help="Seed for every random choice (permutations, samples).", metavar="N"),
        ],
        0,
    ),
)


# -- reading -------------------------------------------------------------------------------------
def unescape_separator(separator: str | None) -> str | None:
    if separator is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(separator, separator)


def parse_null_values(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part for part in value.split(",") if part)


def parse_storage_options(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise UsageError(f"--storage-option must look like key=value, got {value!r}")
        out[key.strip()] = rest
    return out


READ = group(
    "read",
    lambda separator, input_format, null_values, storage_option, batch_rows: ReadOptions(
        separator=unescape_separator(separator),
        input_format=input_format,
        null_values=parse_null_values(null_values),
        storage_options=parse_storage_options(storage_option),
        batch_rows=batch_rows,
    ),
    separator=(
        Annotated[
            str | None,
            typer.Option(
                "--separator",
                "-s",
                help="CSV field separator (default: tab for .tsv/.tab, else comma). Use '\\t' for tab.",
                show_default=False,
                metavar="CHAR",
            ),
        ],
        None,
    ),
    input_format=(
        Annotated[
            str | None,
            typer.Option(
                "--input-format",
                help="Force the input format: csv or parquet (default: from file suffixes).",
                show_default=False,
                metavar="csv|parquet",
            ),
        ],
        None,
    ),
    null_values=(
        Annotated[
            str | None,
            typer.Option(
                "--null-values",
                help="Comma-separated CSV spellings of a missing value besides the empty field (default: NA,N/A,NaN,nan,null,NULL,None,#N/A; '' for none).",
                show_default=False,
                metavar="LIST",
            ),
        ],
        None,
    ),
    storage_option=(
        Annotated[
            list[str] | None,
            typer.Option(
                "--storage-option",
                help="key=value passed to the remote file system (s3://, gs://, az://); repeatable.",
                metavar="KEY=VALUE",
            ),
        ],
        None,
    ),
    batch_rows=(
        Annotated[
            int | None,
            typer.Option(
                "--batch-rows",
                help="Rows per streamed batch (default: about 4M cells per batch).",
                show_default=False,
                hidden=True,
                metavar="N",
            ),
        ],
        None,
    ),
)


# -- encoding and scoring ------------------------------------------------------------------------
ENCODE = group(
    "encode",
    lambda bins, max_levels: EncodeOptions(bins=bins, max_levels=max_levels),
    bins=(
        Annotated[
            int,
            typer.Option(
                "--bins", help="Equal-frequency bins for numeric columns and a numeric target.", metavar="N"
            ),
        ],
        16,
    ),
    max_levels=(
        Annotated[
            int,
            typer.Option(
                "--max-levels",
                help="Cap on levels per column; beyond it values fold into this many hash buckets (text) or coarser cells (numbers).",
                metavar="N",
            ),
        ],
        65_536,
    ),
)

SCORE = group(
    "score",
    lambda correction, permutations: ScoreOptions(correction=correction.value, permutations=permutations),
    correction=(
        Annotated[
            Correction,
            typer.Option(
                "--correction",
                help="Relevance score: ami (MI minus its expected value under permutation), none (plug-in MI), miller-madow, permutation, outrank.",
            ),
        ],
        Correction.ami,
    ),
    permutations=(
        Annotated[
            int,
            typer.Option("--permutations", help="Permutations for --correction permutation.", metavar="N"),
        ],
        200,
    ),
)


# -- where the pass runs -------------------------------------------------------------------------
ENGINE = group(
    "engine",
    lambda threads, engine, scheduler, workers, dashboard: EngineOptions(
        engine=engine, threads=threads, scheduler=scheduler, workers=workers, dashboard=dashboard
    ),
    threads=(
        Annotated[
            int | None,
            typer.Option(
                "--threads", help="Worker threads (default: all cores).", show_default=False, metavar="N"
            ),
        ],
        None,
    ),
    engine=(
        Annotated[
            str,
            typer.Option(
                "--engine",
                help="Where to count: local (threads on this machine) or dask (a Dask cluster; needs the dask extra).",
                metavar="local|dask",
            ),
        ],
        "local",
    ),
    scheduler=(
        Annotated[
            str | None,
            typer.Option(
                "--scheduler",
                help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: $DASK_SCHEDULER_ADDRESS, else a local cluster).",
                show_default=False,
                metavar="ADDRESS",
            ),
        ],
        None,
    ),
    workers=(
        Annotated[
            int | None,
            typer.Option(
                "--workers",
                help="Worker processes of the local Dask cluster (default 2).",
                show_default=False,
                metavar="N",
            ),
        ],
        None,
    ),
    dashboard=(
        Annotated[
            bool, typer.Option("--dashboard", help="Serve the Dask dashboard of a local cluster on :8787.")
        ],
        False,
    ),
)


# -- the report ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Output:
    """Where the report goes and in which format (None: by the suffix or the terminal)."""

    format: StrEnum | None
    path: Path | None
    quiet: bool


def output_group(formats: type[StrEnum], *, help_format: str, directory_files: str) -> Group:
    """``--format``, ``--output`` and ``--quiet`` of a command with these ``formats``."""
    return group(
        "out",
        lambda fmt, output, quiet: Output(fmt, output, quiet),
        fmt=(
            Annotated[
                formats | None,
                typer.Option("--format", "-f", help=help_format, show_default=False),
            ],
            None,
        ),
        output=(
            Annotated[
                Path | None,
                typer.Option(
                    "--output",
                    "-o",
                    help=f"Write the report to FILE (format from --format or the suffix) or into DIR ({directory_files}); written atomically.",
                    show_default=False,
                    metavar="FILE|DIR",
                ),
            ],
            None,
        ),
        quiet=(
            Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or notes on stderr.")],
            False,
        ),
    )
