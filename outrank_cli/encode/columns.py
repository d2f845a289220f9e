"""Choosing the feature columns: --include / --exclude patterns and supported dtypes."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from outrank_cli.encode.keys import Family, family_of
from outrank_cli.errors import ColumnNotFoundError, InputError, TargetError, UsageError


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """The target, the features to count (with their key family) and the columns skipped."""

    target: str
    target_family: Family
    features: tuple[tuple[str, Family], ...]
    skipped: tuple[tuple[str, str], ...]  # (name, reason)


def split_patterns(values: Sequence[str]) -> tuple[str, ...]:
    """``["a,b", "c*"]`` -> ``("a", "b", "c*")``: options may repeat and hold comma lists."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(name == p or fnmatch.fnmatchcase(name, p) for p in patterns)


def plan_columns(
    schema: Mapping[str, pl.DataType],
    *,
    target: str,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> ColumnPlan:
    """Pick the features: all columns but the target, filtered by the patterns."""
    names = list(schema)
    if target not in schema:
        if len(names) == 1:
            for separator, spelled in ((",", "','"), (";", "';'"), ("\t", "'\\t'"), ("|", "'|'")):
                if separator in names[0]:
                    raise InputError(
                        f"target column {target!r} is not in the table: the header was read as one "
                        f"column {names[0]!r}, whose fields look separated "
                        f"by {spelled}; pass --separator {spelled}"
                    )
        raise ColumnNotFoundError(role="target", name=target, available=names)
    for pattern in (*include, *exclude):
        if not any(ch in pattern for ch in "*?[") and pattern not in schema:
            raise ColumnNotFoundError(role="--include/--exclude", name=pattern, available=names)
    for pattern in include:
        if not any(_matches(name, [pattern]) for name in names):
            raise ColumnNotFoundError(role="--include pattern", name=pattern, available=names)
    target_family = family_of(schema[target])
    if target_family is None:  # a data problem (exit 1), like every other unusable target
        raise TargetError(
            f"target column {target!r} has type {schema[target]}, which cannot be a target; use a text, boolean or numeric column"
        )
    features: list[tuple[str, Family]] = []
    skipped: list[tuple[str, str]] = []
    for name in names:
        if name == target:
            continue
        if include and not _matches(name, include):
            continue
        if exclude and _matches(name, exclude):
            continue
        family = family_of(schema[name])
        if family is None:
            skipped.append((name, f"unsupported type {schema[name]}"))
            continue
        features.append((name, family))
    if not features:
        raise UsageError(
            "no feature columns left to rank after --include/--exclude and the target; "
            f"the table has {len(names)} columns"
        )
    return ColumnPlan(target, target_family, tuple(features), tuple(skipped))
