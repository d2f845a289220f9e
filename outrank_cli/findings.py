"""The finding record shared by ``check`` and the drift comparison."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def level(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One data-quality problem: a code to gate on, its severity, and the numbers behind it."""

    code: str
    severity: Severity
    column: str | None
    message: str
    values: dict[str, Any] = field(default_factory=dict)
    other: str | None = None


def parse_ignores(values: list[str]) -> list[tuple[str, str | None]]:
    """``["id_like:user_id", "constant"]`` -> ``[("id_like", "user_id"), ("constant", None)]``."""
    out: list[tuple[str, str | None]] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            code, sep, column = part.partition(":")
            out.append((code.strip(), column.strip() if sep else None))
    return out


def is_ignored(finding: Finding, ignores: list[tuple[str, str | None]]) -> bool:
    for code, column in ignores:
        if code != finding.code:
            continue
        if column is None or column in (finding.column, finding.other):
            return True
    return False
