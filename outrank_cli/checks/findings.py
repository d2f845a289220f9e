"""Findings: the one list of codes, the finding record, and ``--ignore`` matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from outrank_cli.errors import UsageError


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def level(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


# every code a finding can have, with what it means (README "outrank-cli check" has the table)
CODES: dict[str, str] = {
    "target_leak": "the column's chance-corrected MI with the target is a large share of H(target)",
    "pair_leak": "two columns together explain a large share of H(target), though neither alone does",
    "pair_leak_partial": "a note: with more than 1,000 columns, pair leaks are looked for only among "
    "the pairs with one of the most relevant columns",
    "empty": "the column is missing in every row",
    "constant": "one value in every non-missing row",
    "high_missing": "a high share of missing values",
    "id_like": "a text or integer column with nearly as many distinct values as rows",
    "duplicate": "two columns carry the same information",
    "near_duplicate": "two columns nearly repeat each other",
    "rare_levels": "many rows of a categorical column are in levels seen only a few times",
    "class_imbalance": "the smallest target class has few rows",
    "target_missing": "some rows have no target value (they are left out)",
    "unparsable_values": "a numeric CSV column has values that are no number (counted as missing)",
    "duplicate_column_name": "the header repeats a column name (the copies are read as name__2, ...)",
    "column_added": "drift: a column that is not in the baseline",
    "column_removed": "drift: a baseline column is gone",
    "kind_changed": "drift: categorical <-> numeric",
    "missing_share_drift": "drift: the missing share moved",
    "levels_drift": "drift: the number of distinct values changed a lot",
    "relevance_collapse": "drift: a relevant feature lost most of its score",
    "relevance_jump": "drift: a feature's score more than doubled (a new leak?)",
    "rank_drift": "drift: the top features changed order",
    "target_drift": "drift: the target's class shares or kind changed",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One data-quality problem: a code to gate on, its severity, and the numbers behind it."""

    code: str
    severity: Severity
    column: str | None
    message: str
    values: dict[str, Any] = field(default_factory=dict)
    other: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a new code must be added to CODES (and the README)
            raise ValueError(f"unknown finding code {self.code!r}")


def parse_ignores(values: list[str]) -> list[tuple[str, str | None]]:
    """``["id_like:user_id", "constant"]`` -> ``[("id_like", "user_id"), ("constant", None)]``.

    Raises ``UsageError`` for a code that is not in ``CODES``.
    """
    out: list[tuple[str, str | None]] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            code, sep, column = part.partition(":")
            code = code.strip()
            if code not in CODES:
                raise UsageError(
                    f"unknown finding code {code!r} in --ignore; valid: {', '.join(sorted(CODES))}"
                )
            out.append((code, column.strip() if sep else None))
    return out


def is_ignored(finding: Finding, ignores: list[tuple[str, str | None]]) -> bool:
    for code, column in ignores:
        if code != finding.code:
            continue
        if column is None or column in (finding.column, finding.other):
            return True
    return False
