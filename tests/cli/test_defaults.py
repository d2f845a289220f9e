"""Every command-line default is the library's: options are declared once (in ``options``)."""

from __future__ import annotations

import dataclasses
from enum import Enum

import pytest
import typer.main

from outrank_cli.cli import app
from outrank_cli.options import (
    CheckOptions,
    EncodeOptions,
    EngineOptions,
    EvaluateOptions,
    InteractionOptions,
    PassOptions,
    ReadOptions,
    RedundancyOptions,
    ScoreOptions,
    SearchOptions,
)

SHARED = (PassOptions, ReadOptions, EncodeOptions, EngineOptions, ScoreOptions)
# each command's own options first: their fields win over a shared one of the same name
OWN = {
    "rank": (),
    "select": (SearchOptions,),
    "redundancy": (RedundancyOptions,),
    "interactions": (InteractionOptions,),
    "check": (CheckOptions,),
    "evaluate": (EvaluateOptions,),
}


def library_defaults(classes: tuple[type, ...]) -> dict[str, object]:
    defaults: dict[str, object] = {}
    for cls in reversed(classes):  # the first class named wins
        for field in dataclasses.fields(cls):
            if field.default is not dataclasses.MISSING:
                defaults[field.name] = field.default
    return defaults


@pytest.mark.parametrize("command", sorted(OWN))
def test_command_line_defaults_are_the_library_defaults(command):
    click_command = typer.main.get_command(app).commands[command]
    defaults = library_defaults((*OWN[command], *SHARED))
    compared = []
    for param in click_command.params:
        if param.name not in defaults or param.default is None:
            continue  # not an option of the library, or left to the library when not given
        value = param.default.value if isinstance(param.default, Enum) else param.default
        assert value == defaults[param.name], (
            f"{command} --{param.name}: {value!r} != {defaults[param.name]!r}"
        )
        compared.append(param.name)
    # the comparison is not empty: the command's own options and the shared ones are met
    assert {"seed", "bins", "max_levels"} <= set(compared), compared
    given = {p.name for p in click_command.params if p.default is not None}
    own = {f.name for cls in OWN[command] for f in dataclasses.fields(cls)} & given
    assert own <= set(compared), own - set(compared)
