"""The ``outrank-cli`` command line: parse options, call the library, print, exit.

This package is the only place that prints, exits or reads argv: ``app`` (the typer
application and entry point), one module per command (``rank``, ``select``, ``redundancy``, ``interactions``,
``check``), ``groups`` (the option groups, declared once), ``output`` (formats and where the
report goes) and ``feedback`` (errors and the progress bar).
"""

import importlib

from outrank_cli.cli.app import app, main

COMMANDS = ("rank", "select", "redundancy", "interactions", "check", "evaluate")
for _command in COMMANDS:  # each module registers its command; --help lists them in this order
    importlib.import_module(f"outrank_cli.cli.{_command}")

__all__ = ["app", "main"]
