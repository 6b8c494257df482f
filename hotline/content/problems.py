"""A problem found in a content file, with where it is and a stable code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (error) or worth a look (warning) in a content file."""

    file: str
    line: int
    column: int
    code: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        kind = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}: {kind}{self.message} [{self.code}]"


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that stop content from being served."""
    return [p for p in problems if p.severity == "error"]
