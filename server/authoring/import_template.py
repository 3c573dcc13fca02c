"""`alliance-kg import-template`: add facts in bulk from a CSV or TSV table, one row a fact.

In the spirit of ROBOT's `template`: a row names its sentence, subject, property and object by
IRI, prefixed name or label, and optionally the claim it makes. Every row is resolved first and
every mistake reported with its row and column; then all rows are one edit through
`fact_edits.apply_edit`, validated like any edit and written all or nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import difflib
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from ..curie import turtle_name
from ..pipeline.problems import Problem
from ..project import SOURCE_NS, Project
from ..vocab import AKG, PREFIXES
from .fact_edits import (
    Claim,
    EditError,
    Fact,
    Outcome,
    SentenceEdit,
    apply_edit,
    sentence_iri,
    sentences_of,
)
from .name_lookup import (
    CURIE,
    NAMING,
    Unresolved,
    Vocabulary,
    literal_value,
    resolve_member,
    resolve_name,
    resolve_property,
    resolve_value,
    vocabulary,
)

REQUIRED = ("sentence", "subject", "property", "object")
CLAIM_COLUMNS = ("claim kind", "factuality", "according to", "claim", "claim label")
OPTIONAL = (*CLAIM_COLUMNS, "source")
T = TypeVar("T")


class RowError(ValueError):
    """A cell that names nothing, or more than one thing; the message says what it could be."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


class TemplateError(ValueError):
    """The template cannot be read or resolved; one message a mistake, each saying where."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass(frozen=True)
class Row:
    """One row of the template, numbered as a spreadsheet shows it (the header is row 1)."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def read_template(path: Path) -> list[Row]:
    """The rows of a CSV or TSV file (by its suffix; else a header with a tab is TSV). In TSV
    quotes are text, so a Turtle literal is written as it is: "2007"^^xsd:gYear."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        message = f"not UTF-8 (byte 0x{byte:02x} at offset {error.start}): save it as UTF-8"
        raise TemplateError([f"{path}: {message}"]) from error
    except OSError as error:
        raise TemplateError([f"{path}: {error.strerror}"]) from error
    lines = text.splitlines()
    suffix = path.suffix.lower()
    tsv = suffix in (".tsv", ".tab") or (suffix != ".csv" and bool(lines) and "\t" in lines[0])
    dialect = {"delimiter": "\t", "quoting": csv.QUOTE_NONE} if tsv else {"delimiter": ","}
    try:
        table = list(csv.reader(lines, strict=True, **dialect))  # type: ignore[arg-type]
    except csv.Error as error:
        raise TemplateError([f"{path}: not a {'TSV' if tsv else 'CSV'} table: {error}"]) from error
    if not table:
        raise TemplateError([f"{path}: empty; the first row names the columns"])
    header = [re.sub(r"[\s_-]+", " ", name.strip().lower()) for name in table[0]]
    _check_header(path, header)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue  # a blank row, or a comment
        if len(cells) > len(header):
            raise TemplateError([f"{path}:{number}: {len(cells)} cells, {len(header)} columns"])
        rows.append(Row(number, dict(zip(header, cells, strict=False))))
    return rows


def _check_header(path: Path, header: list[str]) -> None:
    problems = [f"{path}:1: no column {name!r}" for name in REQUIRED if name not in header]
    for name in header:
        if name not in REQUIRED + OPTIONAL:
            near = difflib.get_close_matches(name, REQUIRED + OPTIONAL, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            problems.append(
                f"{path}:1: unknown column {name!r}: {hint}the columns are "
                f"{', '.join(REQUIRED)} and, optionally, {', '.join(OPTIONAL)}"
            )
    problems += [
        f"{path}:1: column {n!r} twice" for n in sorted(set(header)) if header.count(n) > 1
    ]
    if problems:
        raise TemplateError(problems)


@dataclass
class Resolved:
    """A row turned into a fact of a sentence of a source."""

    row: Row
    slug: str
    sentence: URIRef
    fact: Fact


def resolve_rows(
    project: Project, rows: list[Row], source: str | None, name: str
) -> list[Resolved]:
    """Every row as a fact; all the rows' mistakes at once, as `FILE:ROW: column: message`."""
    try:
        vocab = vocabulary(project)
    except Unresolved as error:  # a facts file that does not parse: no name can be read
        raise TemplateError([str(error)]) from error
    _template_labels(rows, vocab)
    texts: dict[str, dict[URIRef, str]] = {}
    resolved, errors = [], []
    for row in rows:
        cells = _Cells(row, source, vocab)
        item = _resolve_row(cells, project, texts)
        errors += [f"{name}:{row.number}: {error.column}: {error}" for error in cells.errors]
        if item is not None and not cells.errors:
            resolved.append(item)
    if errors:
        raise TemplateError(errors)
    return resolved


@dataclass
class _Cells:
    """A row being resolved, and the mistakes found in it so far, one per column at most."""

    row: Row
    source: str | None
    vocab: Vocabulary
    errors: list[RowError] = field(default_factory=list)

    def read(self, column: str, resolve: Callable[[str], T]) -> T | None:
        """The column's cell resolved, or None with the mistake noted."""
        try:
            return resolve(self.row.get(column))
        except (Unresolved, EditError) as error:
            self.errors.append(RowError(column, str(error)))
        except RowError as error:
            self.errors.append(error)
        return None


def _resolve_row(
    cells: _Cells, project: Project, texts: dict[str, dict[URIRef, str]]
) -> Resolved | None:
    row, vocab = cells.row, cells.vocab
    empty = [column for column in REQUIRED if not row.get(column)]
    cells.errors += [RowError(c, f"empty; {', '.join(REQUIRED)} are needed") for c in empty]
    if empty:
        return None
    where = cells.read("sentence", lambda cell: _sentence(project, cell, cells, texts))
    subject = cells.read("subject", lambda cell: resolve_name(cell, "thing", vocab))
    prop = cells.read("property", lambda cell: resolve_property(cell, vocab))
    value = cells.read("object", lambda cell: resolve_value(cell, prop, vocab)) if prop else None
    claim = _claim(cells, where[0] if where else row.get("source") or cells.source or "")
    if where is None or subject is None or prop is None or value is None:
        return None
    return Resolved(row, where[0], where[1], Fact(subject, prop, value, claim))


def _sentence(
    project: Project, cell: str, cells: _Cells, texts: dict[str, dict[URIRef, str]]
) -> tuple[str, URIRef]:
    cell = cell.strip("<>")
    slug = cells.row.get("source") or cells.source
    if cell.startswith(SOURCE_NS):
        named = cell.removeprefix(SOURCE_NS).split("/", 1)[0]
        if slug and slug != named:
            raise RowError("sentence", f"{cell} is a segment of {named}, not of {slug}")
        slug = named
    sources = ", ".join(path.stem for path in project.fact_files())
    if not slug:
        message = f"which source? give --source SLUG or a source column ({sources})"
        raise RowError("sentence", message)
    if slug not in texts:
        try:
            texts[slug] = sentences_of(project, slug)
        except EditError as error:
            raise RowError("source", f"{error} (sources: {sources})") from error
    return slug, sentence_iri(slug, cell, texts[slug])


def _claim(cells: _Cells, slug: str) -> Claim | None:
    """The claim columns: a kind, a factuality (certain unless said) and a holder (the source's
    default holder unless said); `claim` names the claim, to share or link it."""
    vocab = cells.vocab
    if not any(cells.row.get(column) for column in CLAIM_COLUMNS):
        return None
    kind = cells.read("claim kind", lambda c: resolve_member(_given(c), AKG.claimKind, vocab))
    factuality = cells.read(
        "factuality", lambda c: resolve_member(c, AKG.factuality, vocab) if c else AKG.Certain
    )
    holder = cells.read(
        "according to", lambda c: resolve_name(c, "thing", vocab) if c else _holder(vocab, slug)
    )
    named = cells.read("claim", lambda c: resolve_name(c, "thing", vocab) if c else None)
    if kind is None or factuality is None or holder is None:
        return None
    return Claim(kind, factuality, holder, named, cells.row.get("claim label") or None)


def _given(kind: str) -> str:
    if not kind:
        raise Unresolved("empty, but the row has other claim columns: give the kind")
    return kind


def _holder(vocab: Vocabulary, slug: str) -> URIRef:
    """The source's default holder, for a claim whose holder is not said."""
    if slug not in vocab.holders:
        raise Unresolved(f"empty, and {slug or 'the source'} has no akg:plainReportsAccordingTo")
    return vocab.holders[slug]


def _template_labels(rows: list[Row], vocab: Vocabulary) -> None:
    """The labels the template gives, so that a row can name what another declares."""
    for row in rows:
        subject, value = row.get("subject"), row.get("object")
        if not (CURIE.fullmatch(subject) or subject.startswith("<")) or not value:
            continue
        try:
            iri = resolve_name(subject, "thing", vocab)
            prop = resolve_property(row.get("property"), vocab)
            label = literal_value(value, prop, vocab) if prop in NAMING else None
        except Unresolved:
            continue
        if isinstance(label, Literal):
            vocab.name(iri, str(label), prop == RDFS.label)


def edits_of(resolved: list[Resolved]) -> list[SentenceEdit]:
    """One edit per sentence, in the order the rows first name them."""
    grouped: dict[tuple[str, URIRef], list[Fact]] = {}
    for item in resolved:
        grouped.setdefault((item.slug, item.sentence), []).append(item.fact)
    return [SentenceEdit(slug, str(iri), tuple(facts)) for (slug, iri), facts in grouped.items()]


def rows_of(problem: Problem, resolved: list[Resolved]) -> list[int]:
    """The rows a validation problem is about: their subject or object is its resource, and
    their property is in its message when that narrows them."""
    hits = [r for r in resolved if problem.resource in (str(r.fact.subject), str(r.fact.value))]
    narrow = [r for r in hits if turtle_name(str(r.fact.property)) in problem.message]
    return sorted({r.row.number for r in narrow or hits})


def show(term: object) -> str:
    """A term as Turtle writes it, with the project's prefixes."""
    if term == RDF.type:
        return "a"
    if isinstance(term, Literal):
        if term.datatype in (XSD.boolean, XSD.integer) and re.fullmatch(r"true|false|-?\d+", term):
            return str(term)  # as Turtle writes them
        datatype = f"^^{turtle_name(str(term.datatype))}" if term.datatype else ""
        return Literal(str(term), lang=term.language).n3() + datatype
    return turtle_name(str(term))


def report(outcome: Outcome, resolved: list[Resolved]) -> list[str]:
    """What an import added, per file and sentence, as the command prints it."""
    lines, changed = [], [c for c in outcome.changes if c.added or c.removed]
    for file in sorted({change.file for change in changed}):
        lines.append(file)
        for change in (c for c in changed if c.file == file):
            prefixes = {**PREFIXES, "s": str(change.sentence).rsplit("/", 1)[0] + "/"}
            lines.append(f'  {turtle_name(str(change.sentence), prefixes)} "{change.text}"')
            lines += [f"    + {' '.join(show(t) for t in triple)}" for triple in change.added]
            lines += [f"    - {' '.join(show(t) for t in triple)}" for triple in change.removed]
    added = sum(len(change.added) for change in outcome.changes)
    stated = [r for r in resolved if not any(r.fact.triple in c.added for c in outcome.changes)]
    already = f"; {len(stated)} row(s) stated already" if stated else ""
    lines.append(f"added {added} triple(s) to {len(changed)} sentence(s){already}")
    return lines


@contextlib.contextmanager
def _quiet_literals() -> Iterator[None]:
    """rdflib logs a traceback for each ill-typed literal it reads; the literal-range rule
    reports them instead, naming the row."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `alliance-kg import-template`."""
    parser.add_argument("template", help="a .csv or .tsv file, one row a fact")
    parser.add_argument("--source", help="the source's slug, when the rows do not name it")
    parser.add_argument("--dry-run", action="store_true", help="resolve and check; write nothing")


def run(args: argparse.Namespace, project: Project) -> int:
    """Resolve every row, apply them as one validated edit, and say what it added."""
    path = Path(args.template)
    try:
        with _quiet_literals():
            resolved = resolve_rows(project, read_template(path), args.source, str(path))
            outcome = apply_edit(project, edits_of(resolved), dry_run=args.dry_run)
    except (TemplateError, EditError) as error:
        messages = error.messages if isinstance(error, TemplateError) else [str(error)]
        print("\n".join(messages), file=sys.stderr)
        count = len(messages)
        print(f"import-template: refused, {count} problem(s); no file changed", file=sys.stderr)
        return 1
    if not outcome.accepted:
        for problem in outcome.problems:
            where = ", ".join(str(number) for number in rows_of(problem, resolved))
            print(f"{path}:{where}: {problem}" if where else str(problem), file=sys.stderr)
        count = len(outcome.problems)
        print(f"import-template: refused, {count} new problem(s); no file changed", file=sys.stderr)
        return 1
    print("\n".join(report(outcome, resolved)))
    if args.dry_run:
        print("dry run: no file changed")
    return 0
