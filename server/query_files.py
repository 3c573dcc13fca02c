"""SPARQL files with a `#+ key: value` header, loaded by name: Python never embeds queries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADER = re.compile(r"^#\+\s*(?P<key>[\w-]+)\s*:\s*(?P<value>.*)$")


@dataclass(frozen=True)
class QueryFile:
    """A query with its header fields (`summary`, `description`, ...)."""

    path: Path
    text: str
    header: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def summary(self) -> str:
        return self.header.get("summary", self.name)

    @property
    def description(self) -> str:
        return self.header.get("description", "")


def read_query(path: Path) -> QueryFile:
    """Read a `.rq` file and the `#+` header lines at its top."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := HEADER.match(line):
            header[match["key"]] = match["value"].strip()
    return QueryFile(path, text, header)
