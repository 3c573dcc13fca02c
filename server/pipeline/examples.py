"""`alliance-kg examples [--update]`: the example queries' answers on the build, against the
stored ones in `queries/expected/`.

The tests (`tests/test_examples.py`) and the command read and write answers through the same
functions, so an answer the command stores is exactly one the tests accept. An answer is
TSV as pyoxigraph writes it for SELECT and ASK (rows sorted after the header when the query
has no ORDER BY) and sorted N-Triples for CONSTRUCT, so the curator reviews a change to the
data's answers with `git diff queries/expected`.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from ..project import Project
from ..query_files import read_query
from ..store.embedded import Store
from ..store.remote import Result

ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
CONSTRUCT = re.compile(r"^\s*CONSTRUCT\b", re.IGNORECASE | re.MULTILINE)
DIFF_LINES = 12  # lines of a differing answer's diff that `examples` prints


class Queryable(Protocol):
    """A store the examples run on: the embedded one, or a remote one after `publish`."""

    def query(self, sparql: str) -> Result: ...


@dataclass(frozen=True)
class Example:
    """An example query and the file holding its stored answer."""

    path: Path
    text: str

    @classmethod
    def read(cls, path: Path) -> Example:
        return cls(path, read_query(path).text)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def constructs(self) -> bool:
        return CONSTRUCT.search(self.text) is not None

    @property
    def ordered(self) -> bool:
        return ORDER_BY.search(self.text) is not None

    @property
    def expected_path(self) -> Path:
        """`queries/expected/{name}.nt` for a CONSTRUCT query, `.tsv` otherwise."""
        suffix = ".nt" if self.constructs else ".tsv"
        return self.path.parent.parent / "expected" / f"{self.name}{suffix}"


@dataclass(frozen=True)
class Outcome:
    """One example's answer on a build, next to its stored answer (None: no file yet)."""

    example: Example
    actual: str
    expected: str | None

    @property
    def matches(self) -> bool:
        """Graphs compare as graphs (blank nodes may be renamed); result tables line by line,
        in order only when the query orders them."""
        if self.expected is None:
            return False
        if self.example.constructs:
            return isomorphic(
                Graph().parse(data=self.actual, format="nt"),
                Graph().parse(data=self.expected, format="nt"),
            )
        actual, expected = _lines(self.actual), _lines(self.expected)
        return actual == expected if self.example.ordered else sorted(actual) == sorted(expected)

    def diff(self, limit: int = DIFF_LINES) -> str:
        """A unified diff from the stored answer to the build's, cut at `limit` lines."""
        name = self.example.expected_path.name
        lines = list(
            difflib.unified_diff(
                _lines(self.expected or ""),
                _lines(self.actual),
                f"stored {name}",
                f"build {name}",
                lineterm="",
            )
        )
        if len(lines) > limit:
            lines = [*lines[:limit], f"... {len(lines) - limit} more diff lines"]
        return "\n".join(lines)


def _lines(text: str) -> list[str]:
    """The lines of an answer; split on newlines only, as TSV and N-Triples end their lines."""
    return text.removesuffix("\n").split("\n") if text else []


def examples(project: Project) -> list[Example]:
    """The project's example queries, `queries/examples/*.rq`, by name."""
    return [Example.read(path) for path in project.example_queries()]


def answer_text(store: Queryable, example: Example) -> str:
    """The answer of `example` on `store`, as its expected file stores it."""
    results = store.query(example.text)
    if isinstance(results, ox.QueryTriples):
        graph = results.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        return "".join(sorted(graph.decode("utf-8").splitlines(keepends=True)))
    text = (results.serialize(format=ox.QueryResultsFormat.TSV) or b"").decode("utf-8")
    if isinstance(results, ox.QueryBoolean) or example.ordered:
        return text
    header, *rows = _lines(text)
    return "".join(f"{line}\n" for line in [header, *sorted(rows)])


def outcome(store: Queryable, example: Example) -> Outcome:
    """Run one example and read its stored answer."""
    path = example.expected_path
    expected = path.read_bytes().decode("utf-8") if path.is_file() else None
    return Outcome(example, answer_text(store, example), expected)


def compare(store: Queryable, project: Project) -> list[Outcome]:
    """Every example of the project on `store`, with its stored answer."""
    return [outcome(store, example) for example in examples(project)]


def store_answers(outcomes: list[Outcome]) -> list[Path]:
    """Write the build's answer of every example that differs; the others keep their bytes."""
    written = []
    for differing in (found for found in outcomes if not found.matches):
        path = differing.example.expected_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(differing.actual.encode("utf-8"))
        written.append(path)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `alliance-kg examples`."""
    parser.add_argument(
        "--update",
        action="store_true",
        help="write the build's answers into queries/expected/ (review with git diff)",
    )


def run(args: argparse.Namespace, project: Project) -> int:
    """Report the examples whose answers differ from the stored ones (exit 1 if any), or with
    `--update` store the build's answers instead (exit 0)."""
    from .build import build_project, current_build  # noqa: PLC0415 - it loads the reasoner

    store = Store.open(current_build(project) or build_project(project))
    outcomes = compare(store, project)
    if args.update:
        written = store_answers(outcomes)
        for path in written:
            print(f"updated {path.relative_to(project.root)}")
        if not written:
            print(f"{len(outcomes)} example(s) match queries/expected/; nothing to update")
        return 0
    differing = [found for found in outcomes if not found.matches]
    for found in differing:
        path = found.example.expected_path.relative_to(project.root)
        status = "differs" if found.expected is not None else "has no stored answer"
        print(f"{path} {status}:\n{found.diff()}")
    if differing:
        print(
            f"{len(differing)} of {len(outcomes)} example(s) differ from queries/expected/; "
            "if the change is intended, run `alliance-kg examples --update` and review "
            "`git diff queries/expected`",
            file=sys.stderr,
        )
        return 1
    print(f"{len(outcomes)} example(s) match queries/expected/")
    return 0
