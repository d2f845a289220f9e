"""The typer application, the version flag, and the process entry point."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated, Any

import typer

from outrank_cli import __version__
from outrank_cli.cli.feedback import PROG
from outrank_cli.errors import EXIT_USAGE_ERROR

app = typer.Typer(
    name=PROG,
    help="Rank the columns of large CSV/TSV/Parquet tables by how much they tell about a target.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"{PROG} {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version_callback, is_eager=True
        ),
    ] = False,
) -> None:
    """Rank the columns of large CSV/TSV/Parquet tables by how much they tell about a target."""


def _run(argv: list[str] | None) -> int:
    """Parse and run one command; return its exit code (one line on stderr for usage errors)."""
    command = typer.main.get_command(app)
    try:
        return _invoke(command, argv)
    finally:
        from outrank_cli.cli.run import remove_spooled

        remove_spooled()


def _invoke(command: Any, argv: list[str] | None) -> int:
    try:
        code = command.main(args=argv, prog_name=PROG, standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        sys.stderr.write(f"{PROG}: aborted\n")
        return 130
    except typer.TyperException as error:
        ctx = getattr(error, "ctx", None)
        if type(error).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stderr.write(ctx.get_help() + "\n")
            return EXIT_USAGE_ERROR
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        message = " ".join(message.split())
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        sys.stderr.write(f"{PROG}: error: {message}{hint}\n")
        return int(getattr(error, "exit_code", EXIT_USAGE_ERROR))
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    return code if isinstance(code, int) else 0


def single_threaded_blas() -> None:
    """Start OpenBLAS (loaded with numpy) with one thread unless the user chose otherwise.

    Nothing here multiplies matrices, but OpenBLAS starts a thread per core when numpy is
    imported, and those threads spin for a while: on two cores they took 60 ms of CPU
    from the reader thread of a 200k-row run (0.41 s -> 0.35 s). Only the command does this;
    importing the library leaves the environment alone.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one line on stderr and exit 2 for usage errors, never a traceback.

    As the real process (``argv`` from the command line), it leaves with ``os._exit`` once
    the output is flushed: tearing down numba, LLVM and polars' thread pools takes about a
    third of a second and does nothing useful (reports are already written and fsync'ed).
    """
    if argv is None:
        single_threaded_blas()
    code = _run(argv)
    if argv is None:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
