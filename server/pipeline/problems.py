"""What validation reports: a broken rule, with the file, line and resource it concerns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One failure of one rule; `str()` is the message a curator reads."""

    file: str
    line: int | None
    rule: str
    resource: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        about = f" <{self.resource}>" if self.resource else ""
        return f"{where}: [{self.rule}]{about} {self.message}"


class InvalidProject(Exception):
    """Raised when a project fails validation; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def relative(path: Path, root: Path) -> str:
    """A path as the curator knows it: relative to the project when it is inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
