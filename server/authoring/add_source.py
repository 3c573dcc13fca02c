"""`alliance-kg add-source`: bring a new text into the project, ready for a curator.

It copies the text to `triples/sources/{slug}.txt`, writes its NIF description (paragraphs and
sentences with exact offsets) beside it, a starter facts file `triples/{slug}.trig` with the
title and byline facts, and `triples/suggestions/{slug}.ttl`: mentions of existing entities
found by label, which the build never reads, so that a suggestion is never a fact.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.plugins.parsers.notation3 import BadSyntax

from ..project import BACKGROUND_NS, ID_NS, SOURCE_NS, STATEMENT_NS, Project, source_iri
from ..vocab import AKG, NIF
from .segment import BOILERPLATE_MARKER, Segmentation, SegmentRules, segment
from .sources import segment_prefix, source_description
from .turtle_format import format_trig, format_turtle

log = logging.getLogger(__name__)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NOT_ENTITIES = (SOURCE_NS, STATEMENT_NS, BACKGROUND_NS)


@dataclass(frozen=True)
class SourceDetails:
    """What the curator says about a source that the text alone does not settle."""

    title: str
    author: str
    published: date | None = None
    slug: str | None = None
    rules: SegmentRules = field(default_factory=SegmentRules)

    @property
    def identifier(self) -> str:
        return self.slug or slugify(self.title)


class AddSourceError(ValueError):
    """The source cannot be added as asked; the message says why and what to do, one problem
    a line."""


@dataclass
class AddedSource:
    """What add-source wrote, for the CLI to report."""

    slug: str
    text: Path
    description: Path
    facts: Path
    suggestions: Path
    parts: Segmentation
    mentions: dict[str, set[URIRef]] = field(default_factory=dict)

    @property
    def sentences(self) -> int:
        return sum(len(p.sentences) for p in self.parts.paragraphs)


def slugify(title: str) -> str:
    """A readable, stable slug from a title: lowercase words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", title.lower())) or "source"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _check_inputs(project: Project, text: str, slug: str, details: SourceDetails) -> None:
    title = details.title
    if not SLUG.match(slug):
        raise AddSourceError(f"slug {slug!r}: use lowercase letters, digits and single hyphens")
    if not details.author.strip():
        raise AddSourceError("--author is empty: give the author's name as the byline prints it")
    taken = [
        path.relative_to(project.root).as_posix()
        for path in (
            project.sources_dir / f"{slug}.txt",
            project.sources_dir / f"{slug}.ttl",
            project.triples_dir / f"{slug}.trig",
        )
        if path.exists()
    ]
    if taken:
        raise AddSourceError(f"a source {slug!r} exists already ({', '.join(taken)}); use --slug")
    first = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    if _squash(first) != _squash(title):
        raise AddSourceError(
            f"the text must start with its title, as a block of its own: its first block is "
            f"{first[:80]!r}, not {title!r}; fix --title or add the title line to the file"
        )


def known_entities(project: Project) -> dict[URIRef, set[str]]:
    """The individuals of the existing facts files, with their labels and alternative labels."""
    names: dict[URIRef, set[str]] = {}
    for path in project.fact_files():
        dataset = Dataset()
        try:
            dataset.parse(path, format="trig")
        except BadSyntax as error:
            where = path.relative_to(project.root).as_posix()
            raise AddSourceError(
                f"{where} does not parse, so its entities cannot be suggested: {error.message}; "
                "`alliance-kg validate` shows where"
            ) from error
        for predicate in (RDFS.label, SKOS.altLabel):
            for entity, _, label, _ in dataset.quads((None, predicate, None, None)):
                iri = str(entity)
                if iri.startswith(ID_NS) and not iri.startswith(NOT_ENTITIES):
                    names.setdefault(URIRef(iri), set()).add(str(label))
    return names


def _label_pattern(label: str) -> re.Pattern[str]:
    """A label as a whole phrase; its first letter matches either case ("Alliance managers"
    in "the alliance managers"), the rest exactly, so that "US" never matches "us"."""
    head, rest = label[0], re.escape(label[1:])
    first = f"[{re.escape(head.lower())}{re.escape(head.upper())}]" if head.isalpha() else head
    return re.compile(rf"(?<![\w-]){first}{rest}(?![\w-])")


def suggest_mentions(
    parts: Segmentation, slug: str, entities: dict[URIRef, set[str]]
) -> dict[str, set[URIRef]]:
    """Sentence IRI -> existing entities one of whose labels occurs in that sentence."""
    patterns = [
        (entity, _label_pattern(label))
        for entity, labels in entities.items()
        for label in labels
        if label
    ]
    mentions: dict[str, set[URIRef]] = {}
    for paragraph in parts.paragraphs:
        for number, sentence in enumerate(paragraph.sentences, start=1):
            found = {entity for entity, pattern in patterns if pattern.search(sentence.text)}
            if found:
                mentions[f"{source_iri(slug)}/p{paragraph.number}-s{number}"] = found
    return mentions


def _author_iri(author: str, entities: dict[URIRef, set[str]]) -> URIRef:
    for entity, labels in sorted(entities.items()):
        if entity.startswith(ID_NS + "actor/") and author in labels:
            return entity
    return URIRef(f"{ID_NS}actor/{slugify(author)}")


def starter_facts(
    details: SourceDetails, parts: Segmentation, entities: dict[URIRef, set[str]]
) -> Dataset:
    """The title and byline facts, the details only the curator knows as background
    knowledge, and in the default graph `akg:isComplete false` until curation is done and the
    author as the holder of the source's plain reports (docs/data-model.md, "Claims")."""
    slug, title, author = details.identifier, details.title, details.author
    doc = URIRef(source_iri(slug))
    person = _author_iri(author, entities)
    dataset = Dataset()
    dataset.graph(DATASET_DEFAULT_GRAPH_ID).add((doc, AKG.isComplete, Literal(False)))
    dataset.graph(DATASET_DEFAULT_GRAPH_ID).add((doc, AKG.plainReportsAccordingTo, person))
    dataset.graph(URIRef(f"{doc}/title")).add((doc, DCTERMS.title, Literal(title, lang="en")))
    unprinted: list[tuple[URIRef, URIRef, Literal | URIRef]] = []
    if details.published:
        published = Literal(details.published, datatype=XSD.date)
        unprinted.append((doc, AKG.publicationDate, published))
    creator = Graph()
    creator.add((doc, DCTERMS.creator, person))
    creator.add((person, RDF.type, AKG.Author))
    creator.add((person, RDFS.label, Literal(author, lang="en")))
    if parts.byline:
        byline = dataset.graph(URIRef(f"{doc}/byline"))
        for triple in creator:
            byline.add(triple)
    else:
        unprinted += list(creator)
    if unprinted:
        known = URIRef(f"{BACKGROUND_NS}{slug}-details")
        dataset.graph(DATASET_DEFAULT_GRAPH_ID).add((known, RDF.type, AKG.BackgroundKnowledge))
        label = Literal(f"Details of the source {title!r} not printed in it", lang="en")
        basis = Literal("Given by the curator when the source was added (add-source).", lang="en")
        for triple in [(known, RDFS.label, label), (known, AKG.basis, basis)]:
            dataset.graph(DATASET_DEFAULT_GRAPH_ID).add(triple)
        dataset.graph(DATASET_DEFAULT_GRAPH_ID).add((known, PROV.wasDerivedFrom, doc))
        graph = dataset.graph(known)
        for triple in unprinted:
            graph.add(triple)
    return dataset


def suggestions_graph(parts: Segmentation, mentions: dict[str, set[URIRef]]) -> Graph:
    """Each sentence with suggestions: its text and `akg:suggestedMention` the entities."""
    graph = Graph()
    texts = {
        f"p{paragraph.number}-s{number}": sentence.text
        for paragraph in parts.paragraphs
        for number, sentence in enumerate(paragraph.sentences, start=1)
    }
    for sentence, entities in mentions.items():
        node = URIRef(sentence)
        graph.add((node, NIF.anchorOf, Literal(texts[sentence.rsplit("/", 1)[-1]])))
        for entity in entities:
            graph.add((node, AKG.suggestedMention, entity))
    return graph


def _read(file: Path) -> tuple[bytes, str]:
    """The file's bytes, to copy unchanged, and its text as the validator and the pages read
    it (`read_text`, with universal newlines), since the offsets count in that text."""
    data = file.read_bytes()
    try:
        return data, data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise AddSourceError(
            f"{file} is not UTF-8 (byte {error.start} cannot be decoded): save it as UTF-8"
        ) from error


def _no_byline(text: str, rules: SegmentRules) -> str:
    """Why the byline was not found: what was looked for, and a byline naming someone else."""
    author = rules.author
    other = segment(text, replace(rules, author=None)).author
    if other is not None:
        return (
            f"the byline names {other!r}, not --author {author!r}: correct --author, or pass "
            "--no-byline if that line is not a byline"
        )
    return (
        f"no byline found: looked for a block after the title that starts 'By {author}' "
        f"followed by ' – ', ' — ', ' - ' or a line break, or that is only 'By {author}'; "
        "correct --author as the text prints the name, or pass --no-byline if the text has none "
        "(the author is then recorded as background knowledge)"
    )


def _segment(file: Path, text: str, rules: SegmentRules) -> Segmentation:
    """Segment the text, refusing what would make page furniture or a byline citable."""
    try:
        parts = segment(text, rules)
    except (ValueError, re.error) as error:
        raise AddSourceError(f"{file}: cannot segment: {error}") from error
    problems = []
    if rules.boilerplate_marker is not None and parts.boilerplate is None:
        problems.append(
            f"the boilerplate marker {rules.boilerplate_marker!r} matches no line of the text, "
            "so page furniture would become citable sentences: give the regular expression of "
            "its first line with --boilerplate-marker, or pass --no-boilerplate if it has none"
        )
    if rules.byline and parts.byline is None:
        problems.append(_no_byline(text, rules))
    if not rules.byline and rules.author is not None:
        printed = segment(text, replace(rules, byline=True)).byline
        if printed is not None:
            problems.append(
                f"--no-byline, but the text prints the byline {printed.text!r} (offset "
                f"{printed.begin}), which would become part of a citable sentence: drop --no-byline"
            )
    if not problems and not any(p.sentences for p in parts.paragraphs):
        problems.append("no sentence to cite between the title (and byline) and the boilerplate")
    if problems:
        raise AddSourceError("\n".join(f"{file}: {problem}" for problem in problems))
    return parts


def _write_all(files: dict[Path, bytes]) -> None:
    """Write every file or none: a failure part way removes those written, so the project is
    left as it was; an existing file is never overwritten."""
    written: list[Path] = []
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as out:
                written.append(path)
                out.write(content)
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def add_source(project: Project, file: Path, details: SourceDetails) -> AddedSource:
    """Copy `file` into the project as a new source and write its description and starters;
    everything is checked before the first file is written."""
    data, text = _read(file)
    slug = details.identifier
    _check_inputs(project, text, slug, details)
    rules = replace(details.rules, author=details.author)
    parts = _segment(file, text, rules)
    entities = known_entities(project)
    mentions = suggest_mentions(parts, slug, entities)
    target = project.sources_dir / f"{slug}.txt"
    prefixes = segment_prefix(slug)
    facts = project.triples_dir / f"{slug}.trig"
    suggestions = project.triples_dir / "suggestions" / f"{slug}.ttl"
    description = target.with_suffix(".ttl")
    _write_all(
        {
            target: data,
            description: source_description(project, target, text, rules).encode(),
            facts: format_trig(starter_facts(details, parts, entities), prefixes).encode(),
            suggestions: format_turtle(suggestions_graph(parts, mentions), prefixes).encode(),
        }
    )
    log.info("added source %s: %d paragraphs", slug, len(parts.paragraphs))
    return AddedSource(slug, target, description, facts, suggestions, parts, mentions)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `alliance-kg add-source`."""
    parser.add_argument("file", type=Path, help="the source text (UTF-8), starting with its title")
    parser.add_argument("--title", required=True, help="the title, as the text's first line")
    parser.add_argument("--author", required=True, help="the author, as the byline names them")
    parser.add_argument(
        "--date", type=date.fromisoformat, help="publication date, YYYY-MM-DD (optional)"
    )
    parser.add_argument("--slug", help="the identifier (default: the title, lowercase-hyphenated)")
    boiler = parser.add_mutually_exclusive_group()
    boiler.add_argument(
        "--boilerplate-marker",
        default=BOILERPLATE_MARKER,
        help="regular expression for the first line of page boilerplate, which runs to the end "
        f"of the text and is never cited (default: {BOILERPLATE_MARKER!r})",
    )
    boiler.add_argument(
        "--no-boilerplate", action="store_true", help="the text has no page boilerplate"
    )
    parser.add_argument(
        "--no-byline",
        action="store_true",
        help="the text prints no byline (by default add-source refuses a text whose byline it "
        "cannot find); the author is then recorded as background knowledge",
    )


def run(args: argparse.Namespace, project: Project) -> int:
    """Add the source and tell the curator what was written and what to do next."""
    marker = None if args.no_boilerplate else args.boilerplate_marker
    rules = SegmentRules(marker, byline=not args.no_byline)
    try:
        details = SourceDetails(args.title, args.author, args.date, args.slug, rules)
        added = add_source(project, args.file, details)
    except (AddSourceError, OSError) as error:
        for line in str(error).splitlines():
            print(f"add-source: {line}", file=sys.stderr)
        print("add-source: nothing was written", file=sys.stderr)
        return 1
    boiler = added.parts.boilerplate
    for path in (added.text, added.description, added.facts, added.suggestions):
        print(f"wrote {path.relative_to(project.root)}")
    print(
        f"{len(added.parts.paragraphs)} paragraphs, {added.sentences} sentences"
        f"{', byline found' if added.parts.byline else ', no byline'}"
        f"{f', boilerplate from offset {boiler.begin}' if boiler else ', no boilerplate'}"
    )
    print(f"{len(added.mentions)} sentences mention known entities (see the suggestions file)")
    print(
        f"next: write facts in triples/{added.slug}.trig, one graph per sentence (s:p1-s1 ...), "
        "then `alliance-kg validate`; set akg:isComplete true when every sentence is covered"
    )
    return 0
