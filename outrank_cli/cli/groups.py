"""Option groups: typer options declared once and shared by the commands.

A ``Group`` is a set of typer options and a function that builds one value from them (a
library options part, mostly). ``@with_groups(TABLE, ...)`` puts each group's options into a
command's signature, where typer finds them, in place of the command's parameter of the
group's name, and calls the command with the built value instead: a command declares
``table: Table`` once, never the five options behind it. This is what click projects do
with shared option decorators (sqlite-utils, for one). The groups themselves are declared
in ``params``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from outrank_cli.errors import OutrankError


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


def combine(name: str, build: Callable[..., Any], *groups: Group) -> Group:
    """One group of several: ``build`` receives each group's built value, in order."""

    def build_all(**values: Any) -> Any:
        return build(*(g.build(**{p.name: values[p.name] for p in g.parameters}) for g in groups))

    return Group(name, tuple(p for g in groups for p in g.parameters), build_all)


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
