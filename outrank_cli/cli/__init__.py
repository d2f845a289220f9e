"""The ``outrank-cli`` command line: parse options, call the library, print, exit.

This package is the only place that prints, exits or reads argv: ``app`` (the typer
application and entry point), ``commands`` (rank, select, redundancy, check), ``options``
(shared option types) and ``io`` (errors, progress, writing reports).
"""

from outrank_cli.cli import commands as _commands  # noqa: F401 - registers the commands
from outrank_cli.cli.app import app, main

__all__ = ["app", "main"]
