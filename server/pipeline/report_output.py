"""`alliance-kg report`: the rows of `report` as an aligned table, TSV or JSON, and an exit
status from the most severe level present, so CI can fail on errors, or on warnings too."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..project import Project
from .report import LEVELS, Row, report_rows

NEVER = "NONE"
COLUMNS = ("level", "rule", "file", "line", "subject", "message")
# SPARQL's TSV results escape these so that a value stays on its line and in its column
ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def cells(row: Row) -> list[str]:
    """A row's values as text, in the order of `COLUMNS`, escaped to one line each."""
    line = "" if row.line is None else str(row.line)
    values = (row.level, row.rule, row.file, line, row.subject, row.message)
    return [value.translate(ESCAPES) for value in values]


def counts(rows: Sequence[Row]) -> dict[str, int]:
    return {level: sum(row.level == level for row in rows) for level in LEVELS}


def summary(rows: Sequence[Row]) -> str:
    """`3 rows: 1 ERROR, 2 WARN, 0 INFO`."""
    by_level = ", ".join(f"{n} {level}" for level, n in counts(rows).items())
    return f"{len(rows)} row{'' if len(rows) == 1 else 's'}: {by_level}"


def render_text(rows: Sequence[Row]) -> str:
    """An aligned table for a terminal, with the summary last; the message column is not padded."""
    table = [list(COLUMNS), *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS) - 1)]

    def joined(values: list[str]) -> str:
        padded = [value.ljust(width) for value, width in zip(values, widths, strict=False)]
        return " | ".join([*padded, values[-1]]).rstrip()

    lines = [joined(table[0]), "-+-".join("-" * w for w in [*widths, len(COLUMNS[-1])])]
    lines += [joined(values) for values in table[1:]]
    return "\n".join([*lines, f"({summary(rows)})"]) + "\n"


def render_tsv(rows: Sequence[Row]) -> str:
    """Tab-separated, a header line first; tabs and line breaks in a value escaped as `\\t`,
    `\\n` (and a backslash as `\\\\`), as in SPARQL's TSV results."""
    return "".join("\t".join(values) + "\n" for values in [list(COLUMNS), *map(cells, rows)])


def render_json(rows: Sequence[Row]) -> str:
    """`{"counts": {"ERROR": n, ...}, "rows": [{"level": ..., "line": n or null, ...}]}`."""
    listed = [dict(zip(COLUMNS, _values(row), strict=True)) for row in rows]
    return json.dumps({"counts": counts(rows), "rows": listed}, indent=2, ensure_ascii=False) + "\n"


def _values(row: Row) -> tuple[str | int | None, ...]:
    return (row.level, row.rule, row.file, row.line, row.subject, row.message)


RENDERERS: dict[str, Callable[[Sequence[Row]], str]] = {
    "text": render_text,
    "tsv": render_tsv,
    "json": render_json,
}


def fails(rows: Sequence[Row], fail_on: str) -> bool:
    """Whether a row is at `fail_on` or more severe (never, for `NONE`)."""
    if fail_on == NEVER:
        return False
    worst = LEVELS.index(fail_on)
    return any(LEVELS.index(row.level) <= worst for row in rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `alliance-kg report`."""
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("-o", "--output", help="output file (default: standard output)")
    parser.add_argument(
        "--fail-on",
        type=str.upper,
        choices=[*LEVELS, NEVER],
        default="ERROR",
        help="exit 1 if a row is at this level or above; none: never (default: ERROR)",
    )


def run(args: argparse.Namespace, project: Project) -> int:
    """Write the report; the summary goes to stderr unless the table on stdout ends with it."""
    rows = report_rows(project)
    written = RENDERERS[args.format](rows)
    to_file = args.output not in (None, "-")
    if to_file:
        Path(args.output).write_text(written, "utf-8")
    else:
        sys.stdout.write(written)
    if to_file or args.format != "text":
        print(summary(rows), file=sys.stderr)
    if fails(rows, args.fail_on):
        print(f"report failed: a row at {args.fail_on} or above", file=sys.stderr)
        return 1
    return 0
