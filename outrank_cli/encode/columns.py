"""Choosing the feature columns and how each is counted.

``--include`` / ``--exclude`` pick the features; the dtype gives each its key family; list
columns, and text columns named by ``--multivalue 'NAME:SEP'``, are multi-valued (counted by
their values); ``--categorical`` / ``--numeric`` force one view of a number column.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from outrank_cli.encode.keys import Family, family_of
from outrank_cli.errors import ColumnNotFoundError, InputError, TargetError, UsageError

CATEGORICAL = "categorical"
NUMERIC = "numeric"


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """The target, the features to count (with their key family), the columns skipped.

    ``views`` maps a feature to its forced view (``categorical`` or ``numeric``);
    ``multivalue`` maps a multi-valued feature to its separator (None for a list column), and
    its family is the family of its values. ``temporal`` names the date and time features.
    """

    target: str
    target_family: Family
    features: tuple[tuple[str, Family], ...]
    skipped: tuple[tuple[str, str], ...]  # (name, reason)
    views: Mapping[str, str] = field(default_factory=dict)
    multivalue: Mapping[str, str | None] = field(default_factory=dict)
    temporal: frozenset[str] = frozenset()  # date and time features (counted as integers)


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
    categorical: Sequence[str] = (),
    numeric: Sequence[str] = (),
    multivalue: Sequence[str] = (),
) -> ColumnPlan:
    """Pick the features: all columns but the target, filtered by the patterns (each may hold a
    comma list, as the options do: ``split_patterns``); say which are multi-valued and which
    have a forced view."""
    include, exclude = split_patterns(include), split_patterns(exclude)
    categorical, numeric = split_patterns(categorical), split_patterns(numeric)
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
    lists: dict[str, str | None] = {}
    for name in names:
        if name == target:
            continue
        if include and not _matches(name, include):
            continue
        if exclude and _matches(name, exclude):
            continue
        dtype = schema[name]
        if isinstance(dtype, pl.List | pl.Array):
            inner = dtype.inner
            family = family_of(inner() if isinstance(inner, type) else inner)
            if family is not None:
                lists[name] = None
        else:
            family = family_of(dtype)
        if family is None:
            skipped.append((name, f"unsupported type {dtype}"))
            continue
        features.append((name, family))
    if not features:
        raise UsageError(
            "no feature columns left to rank after --include/--exclude and the target; "
            f"the table has {len(names)} columns"
        )
    families = dict(features)
    multivalued = {**lists, **_delimited(multivalue, families, names)}
    views = _forced_views(categorical, numeric, families, multivalued, names)
    temporal = frozenset(name for name, _ in features if schema[name].is_temporal())
    return ColumnPlan(target, target_family, tuple(features), tuple(skipped), views, multivalued, temporal)


def _is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _delimited(
    specs: Sequence[str], families: Mapping[str, Family], names: list[str]
) -> dict[str, str | None]:
    """``--multivalue 'NAME:SEP'``: text features whose values are SEP-separated lists."""
    out: dict[str, str | None] = {}
    for spec in specs:
        pattern, colon, separator = spec.rpartition(":")
        if not colon or not pattern or not separator:
            raise UsageError(
                f"--multivalue needs a column and a separator, got {spec!r}; write it as NAME:SEP, e.g. 'tags:|'"
            )
        if not _is_pattern(pattern) and pattern not in names:
            raise ColumnNotFoundError(role="--multivalue", name=pattern, available=names)
        for name, family in families.items():
            if not _matches(name, [pattern]):
                continue
            if family is not Family.STRING:
                if not _is_pattern(pattern):
                    raise UsageError(
                        f"--multivalue {spec!r}: column {name!r} is not text ({family}); list columns are "
                        "multi-valued already, and a separator splits text columns only"
                    )
                continue
            out[name] = separator
    return out


def _forced_views(
    categorical: Sequence[str],
    numeric: Sequence[str],
    families: Mapping[str, Family],
    multivalued: Mapping[str, str | None],
    names: list[str],
) -> dict[str, str]:
    """``--categorical`` / ``--numeric``: the view each matching number column is counted in.

    A name given outright must be a feature that can take the view (numbers and dates for
    ``--numeric``); a glob applies to the features it can.
    """
    out: dict[str, str] = {}
    for view, patterns in ((CATEGORICAL, categorical), (NUMERIC, numeric)):
        flag = f"--{view}"
        for pattern in patterns:
            if not _is_pattern(pattern) and pattern not in names:
                raise ColumnNotFoundError(role=flag, name=pattern, available=names)
            for name, family in families.items():
                if not _matches(name, [pattern]):
                    continue
                fits = name not in multivalued and (family.ordered or view == CATEGORICAL)
                if not fits:
                    if _is_pattern(pattern):
                        continue
                    what = "multi-valued" if name in multivalued else f"{family}"
                    raise UsageError(
                        f"{flag} {pattern!r}: column {name!r} is {what}; {flag} applies to number "
                        "and date columns (text and boolean columns are categorical)"
                    )
                if out.get(name, view) != view:
                    raise UsageError(
                        f"column {name!r} is named by both --categorical and --numeric; choose one"
                    )
                out[name] = view
    return out
