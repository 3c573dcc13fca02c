"""What validation reports: a broken rule, with the file, line and resource it concerns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Where a message quotes a second fact: a build unit that sees it written says where, one
# that only knows it from another unit cannot; the same problem must still be one problem.
WRITTEN_AT = re.compile(r" written at \S+:\d+")


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


def written_at(file: str, line: int | None) -> str:
    """The location of a fact a message quotes, in the form `same_problem` ignores."""
    return f" written at {file}:{line}" if line else ""


def same_problem(problem: Problem) -> tuple:
    """What a problem is about, apart from where a build unit found it written."""
    if problem.resource is None:
        return (problem.file, problem.line, problem.rule, problem.message)
    return (problem.rule, problem.resource, WRITTEN_AT.sub("", problem.message))


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
