"""Add and remove facts in a source's facts file, checked on a copy before anything is written.

An edit names, per sentence, the facts to add or remove, the individuals to declare and the
claim a fact makes. It is applied to a copy of the files `alliance-kg validate` reads, in a
temporary folder, and checked with the same rules; only an edit that adds no problem is written,
each facts file formatted as `alliance-kg fmt` writes it and replaced atomically. The browser's
curation and `alliance-kg import-template` both go through `apply_edit`, with plain data in and
out.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from ..curie import turtle_name
from ..pipeline.claims import ClaimTag, claims_in, empty_covers, tags_of
from ..pipeline.problems import WRITTEN_AT, Problem
from ..project import BACKGROUND_NS, ID_NS, SOURCE_NS, Project, source_iri
from ..vocab import AKG, NIF, PREFIXES
from .sources import segment_prefix
from .turtle_format import declared_prefixes, format_trig

Triple = tuple[Node, Node, Node]
KINDS = {
    namespace[len(ID_NS) : -1]: namespace
    for namespace in PREFIXES.values()
    if namespace.startswith(ID_NS) and namespace != BACKGROUND_NS
}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CITABLE = re.compile(r"p[1-9][0-9]*-s[1-9][0-9]*|title|byline")
PLACE = re.compile(r"(\.(?:trig|ttl|rq)):\d+")  # a file and line a message quotes


class EditError(ValueError):
    """The edit cannot be applied as asked (an unknown sentence or source, a bad slug)."""


@dataclass(frozen=True)
class Individual:
    """An individual to declare in the sentence that mentions it: `{kind}/{slug}`, its class
    and its English main label."""

    kind: str
    slug: str
    type: URIRef
    label: str

    @property
    def iri(self) -> URIRef:
        return URIRef(f"{ID_NS}{self.kind}/{self.slug}")


@dataclass(frozen=True)
class Claim:
    """The claim a fact makes (docs/data-model.md, "Claims"). Without `iri`, a claim of the
    sentence with the same kind, factuality and holder is reused, or a new one named."""

    kind: URIRef
    factuality: URIRef
    holder: URIRef
    iri: URIRef | None = None
    label: str | None = None


@dataclass(frozen=True)
class Fact:
    """One triple of a sentence's graph; a fact without a claim takes the claim of its
    sentence that covers its subject, else the source's plain-report default."""

    subject: URIRef
    property: URIRef
    value: URIRef | Literal
    claim: Claim | None = None

    @property
    def triple(self) -> Triple:
        return (self.subject, self.property, self.value)


@dataclass(frozen=True)
class SentenceEdit:
    """Changes to the graph of one sentence (`p2-s7`, `title`, `byline` or its IRI) of the
    facts file `triples/{slug}.trig`."""

    slug: str
    sentence: str
    add: tuple[Fact, ...] = ()
    remove: tuple[Fact, ...] = ()
    declare: tuple[Individual, ...] = ()


@dataclass
class Change:
    """What an edit does to one sentence's graph, declarations and claims included."""

    file: str
    sentence: URIRef
    text: str
    added: list[Triple] = field(default_factory=list)
    removed: list[Triple] = field(default_factory=list)


@dataclass
class Outcome:
    """The changes an edit makes, the problems it would add (with any, nothing is written),
    the files written, and their new text (a problem's line is a line of that text)."""

    changes: list[Change]
    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    texts: dict[Path, str] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return not self.problems


def sentences_of(project: Project, slug: str) -> dict[URIRef, str]:
    """The segments of a source that facts may cite (sentences, title, byline), with their text."""
    path = project.sources_dir / f"{slug}.ttl"
    if not path.is_file():
        raise EditError(f"no source {slug!r}: triples/sources/{slug}.ttl does not exist")
    graph = Graph().parse(path, format="turtle")
    prefix = source_iri(slug) + "/"
    return {
        URIRef(segment): str(graph.value(segment, NIF.anchorOf) or "")
        for segment in graph.subjects(NIF.referenceContext, None)
        if str(segment).startswith(prefix) and CITABLE.fullmatch(str(segment)[len(prefix) :])
    }


def sentence_iri(slug: str, sentence: str, known: dict[URIRef, str]) -> URIRef:
    """The IRI of `sentence` (`p2-s7`, `s:p2-s7` or the IRI) in the source `slug`."""
    prefix = source_iri(slug) + "/"
    name = sentence.strip().strip("<>")
    if name.startswith(SOURCE_NS) and not name.startswith(prefix):
        raise EditError(f"{name} is not a segment of the source {slug}")
    local = name.removeprefix(prefix).removeprefix("s:")
    if URIRef(prefix + local) in known:
        return URIRef(prefix + local)
    names = sorted(
        (str(k).removeprefix(prefix) for k in known),
        key=lambda name: [int(n) for n in re.findall("[0-9]+", name)],
    )
    sentences = [n for n in names if "-s" in n]
    has = f"{sentences[0]} to {sentences[-1]}" if sentences else "none"
    what = "is a paragraph, not a sentence" if re.fullmatch(r"p[0-9]+", local) else "is unknown"
    raise EditError(
        f"{local!r} {what}: a fact goes in the graph of a sentence of {slug} that states it "
        f"({has}), or of its title or byline"
    )


def apply_edit(
    project: Project,
    edits: Sequence[SentenceEdit],
    baseline: list[Problem] | None = None,
    *,
    dry_run: bool = False,
) -> Outcome:
    """Apply the edits, all or nothing: check them on a copy of the project, and write the
    facts files only if the copy has no problem the project had not (`baseline`, computed
    when needed and not given), unless `dry_run`. A project with a file that does not parse
    takes no edit: the rules cannot run. An edit naming no source or sentence raises EditError."""
    files: dict[str, list[SentenceEdit]] = {}
    for edit in edits:
        files.setdefault(edit.slug, []).append(edit)
    originals: dict[Path, bytes] = {}
    texts: dict[Path, str] = {}
    changes: list[Change] = []
    names = _Names(project)
    for slug, own in files.items():
        path = project.triples_dir / f"{slug}.trig"
        if not SLUG.fullmatch(slug) or not path.is_file():
            raise EditError(f"no facts file triples/{slug}.trig: add the source with add-source")
        originals[path] = path.read_bytes()
        text, found = _edited(project, slug, originals[path].decode("utf-8"), own, names)
        changes += found
        if text != originals[path].decode("utf-8"):
            texts[path] = text
    if not texts:
        return Outcome(changes)
    problems = new_problems(project, texts, baseline)
    if problems or dry_run:
        return Outcome(changes, problems or _conflicts(project, originals), texts=texts)
    with _locked(list(texts)):  # another process's edit waits here, then sees the conflict
        problems = _conflicts(project, originals)
        if problems:
            return Outcome(changes, problems, texts=texts)
        return Outcome(changes, written=_write_all(texts), texts=texts)


def _edited(
    project: Project, slug: str, text: str, edits: list[SentenceEdit], names: _Names
) -> tuple[str, list[Change]]:
    """The text of the facts file of `slug` after the edits, and what changed per sentence."""
    dataset = Dataset()
    try:
        dataset.parse(data=text, format="trig")
    except Exception as error:  # rdflib raises more than SyntaxError on a broken file
        raise EditError(f"triples/{slug}.trig does not parse, fix it first: {error}") from error
    known = sentences_of(project, slug)
    before: dict[URIRef, set[Triple]] = {}
    for edit in edits:
        iri = sentence_iri(slug, edit.sentence, known)
        graph = dataset.graph(iri)
        before.setdefault(iri, set(graph))
        _apply(graph, edit, known[iri], names)
    prefixes = {**declared_prefixes(text), **segment_prefix(slug)}
    file = f"triples/{slug}.trig"
    changes = []
    for iri, old in before.items():
        new = set(dataset.graph(iri))
        changes.append(Change(file, iri, known[iri], _sorted(new - old), _sorted(old - new)))
    return format_trig(dataset, prefixes), changes


def _sorted(triples: set[Triple]) -> list[Triple]:
    return sorted(triples, key=lambda triple: tuple(term.n3() for term in triple))


def _apply(graph: Graph, edit: SentenceEdit, text: str, names: _Names) -> None:
    for individual in edit.declare:
        if individual.kind not in KINDS or not SLUG.fullmatch(individual.slug):
            raise EditError(
                f"{individual.kind}/{individual.slug}: the kind is one of "
                f"{', '.join(sorted(KINDS))} and the slug lowercase words joined by hyphens"
            )
        graph.add((individual.iri, RDF.type, individual.type))
        graph.add((individual.iri, RDFS.label, Literal(individual.label, lang="en")))
    emptied = set(empty_covers(graph, claims_in(graph)))
    for fact in edit.remove:
        graph.remove(fact.triple)
    for fact in edit.add:
        graph.add(fact.triple)
        if fact.claim is not None:
            _claim_fact(graph, fact, fact.claim, text, names)
    # a cover goes only when the whole edit leaves the claim nothing about that resource: a
    # value corrected by removing the old fact and adding the new keeps the fact's claim
    for claim, resource in set(empty_covers(graph, claims_in(graph))) - emptied:
        graph.remove((claim, AKG.covers, resource))


def _claim_fact(graph: Graph, fact: Fact, claim: Claim, text: str, names: _Names) -> None:
    """Make `fact` part of `claim` in its sentence's graph without changing the claim of any
    other fact: a claim covers all of a resource's facts in its sentence, so it is narrowed
    with akg:coversProperty when the subject has other facts there."""
    wanted = (claim.kind, claim.factuality, claim.holder)
    found = claims_in(graph)
    tags = tags_of(fact.triple, found)
    if tags and all(_tag(t) == wanted and claim.iri in (None, t.claim) for t in tags):
        return
    if claim.iri is not None:
        candidates: list[URIRef | None] = [claim.iri]
    else:
        candidates = [c.tag.claim for c in found if _tag(c.tag) == wanted]
        candidates.append(None)
    for candidate in candidates:
        node = candidate or names.new_claim(fact, claim)
        for narrow in (False, True):
            additions = _covering(graph, node, claim, fact, narrow=narrow, text=text, names=names)
            if _fits(graph, additions, fact, node):
                for triple in additions:
                    graph.add(triple)
                names.labels.update(str(o).lower() for o in additions.objects(None, RDFS.label))
                return
    raise EditError(
        f"claim {turtle_name(str(claim.iri))} cannot take this fact without taking others of "
        "its sentence too: leave out the claim's IRI, and a new claim is named"
    )


def _tag(tag: ClaimTag) -> tuple:
    return (tag.kind, tag.factuality, tag.holder)


def _covering(
    graph: Graph, node: URIRef, claim: Claim, fact: Fact, *, narrow: bool, text: str, names: _Names
) -> Graph:
    """The triples that make `node` cover the fact: all of its subject's facts, or only those
    of its property; and the claim's own record if the graph has none yet."""
    additions = Graph().add((node, AKG.covers, fact.subject))
    if narrow:
        additions.add((node, AKG.coversProperty, fact.property))
    if (node, RDF.type, AKG.Claim) not in graph:
        additions.add((node, RDF.type, AKG.Claim))
        additions.add((node, AKG.claimKind, claim.kind))
        additions.add((node, AKG.factuality, claim.factuality))
        additions.add((node, AKG.accordingTo, claim.holder))
    if graph.value(node, RDFS.label) is None:
        label = claim.label or names.new_label(text, fact)
        additions.add((node, RDFS.label, Literal(label, lang="en")))
    return additions


def _fits(graph: Graph, additions: Graph, fact: Fact, node: URIRef) -> bool:
    """Whether `additions` make `node` a claim of the fact and change the claim of no other
    fact but those of its subject and property (a claim covers by subject and property)."""
    found = claims_in(graph)
    trial = Graph()
    trial += graph
    trial += additions
    after = claims_in(trial)
    claims = {c.tag.claim for c in after}
    if node not in {tag.claim for tag in tags_of(fact.triple, after)}:
        return False
    return all(
        tags_of(t, found) == tags_of(t, after)
        for t in graph
        if t[:2] != fact.triple[:2] and t[0] not in claims
    )


class _Names:
    """The IRIs and main labels the facts files use, read once when a claim must be named."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.iris: set[str] | None = None
        self.labels: set[str] = set()

    def _read(self) -> set[str]:
        if self.iris is None:
            self.iris = set()
            for path in self.project.fact_files():
                dataset = Dataset()
                dataset.parse(path, format="trig")
                for s, p, o, _ in dataset.quads((None, None, None, None)):
                    self.iris.update(str(t) for t in (s, o) if isinstance(t, URIRef))
                    if p == RDFS.label:
                        self.labels.add(str(o).lower())
        return self.iris

    def new_claim(self, fact: Fact, claim: Claim) -> URIRef:
        """A claim IRI no file uses: `claim:{subject}-{kind}`, numbered if taken."""
        used = self._read()
        kind = re.sub(r"(?<!^)(?=[A-Z])", "-", str(claim.kind).rsplit("/", 1)[-1]).lower()
        stem = f"{KINDS['claim']}{str(fact.subject).rstrip('/').rsplit('/', 1)[-1]}-{kind}"
        number = 1
        while (iri := stem if number == 1 else f"{stem}-{number}") in used:
            number += 1
        used.add(iri)
        return URIRef(iri)

    def new_label(self, text: str, fact: Fact) -> str:
        """The sentence's text, which a claim restates; qualified when another has it."""
        self._read()
        about = turtle_name(str(fact.subject))
        options = [text, f"{text} ({about})", f"{text} ({about}, {turtle_name(fact.property)})"]
        options += [f"{options[-1]} {n}" for n in range(2, 100)]
        return next(o for o in options if o.lower() not in self.labels)


HINT = re.compile(r"; did you mean [^?]*\?")


def problem_key(problem: Problem) -> tuple:
    """What a problem is about, apart from the lines an edit shifts and the names a hint
    suggests (an edit that declares a new individual changes the nearest names)."""
    message = PLACE.sub(r"\1", WRITTEN_AT.sub("", HINT.sub("", problem.message)))
    if problem.resource is None:
        return (problem.file, problem.rule, message)
    return (problem.rule, problem.resource, message)


def new_problems(
    project: Project, texts: dict[Path, str], baseline: list[Problem] | None = None
) -> list[Problem]:
    """The problems `alliance-kg validate` would report with `texts` in place of those files
    and did not before; a file that does not parse is always one, since it stops the rules."""
    from ..pipeline.build import check_project  # noqa: PLC0415 - the validator, not at a start

    with tempfile.TemporaryDirectory(prefix="alliance-kg-edit-") as folder:
        copy = checked_copy(project, Path(folder))
        for path, text in texts.items():
            (copy.root / path.relative_to(project.root)).write_text(text, "utf-8")
        after = check_project(copy).problems
        if not after:
            return []
        if baseline is None:
            for path in texts:
                shutil.copy(path, copy.root / path.relative_to(project.root))
            baseline = check_project(copy).problems
    known = {problem_key(p) for p in baseline}
    return sorted(p for p in after if p.rule == "parse" or problem_key(p) not in known)


def checked_copy(project: Project, target: Path) -> Project:
    """A copy of what validation reads: the ontology and shapes, the texts, the facts files,
    and the check queries."""
    shutil.copytree(project.ontology_dir, target / "ontology")
    shutil.copytree(project.sources_dir, target / "triples" / "sources")
    for path in project.fact_files():
        shutil.copy(path, target / "triples" / path.name)
    checks = project.queries_dir / "checks"
    if checks.is_dir():
        shutil.copytree(checks, target / "queries" / "checks")
    return Project(target.resolve())


@contextmanager
def _locked(paths: list[Path]) -> Iterator[None]:
    """Hold an exclusive lock on each file (in one order, so two edits cannot deadlock) from
    the conflict check to the replace: a second edit, in this process or another, waits and
    then finds the file changed."""
    with ExitStack() as stack:
        for path in sorted(paths):
            handle = stack.enter_context(path.open("rb"))
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _conflicts(project: Project, originals: dict[Path, bytes]) -> list[Problem]:
    message = "the file changed while the edit was checked; nothing was written: apply it again"
    changed = [path for path, data in originals.items() if path.read_bytes() != data]
    where = [path.relative_to(project.root).as_posix() for path in changed]
    return [Problem(file, None, "edit-conflict", None, message) for file in where]


def _write_all(texts: dict[Path, str]) -> list[Path]:
    """Write each file through a temporary file beside it and `os.replace`, so a reader sees
    the old file or the new one, never half of one."""
    for path, text in texts.items():
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(text.encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
            temporary.chmod(path.stat().st_mode & 0o7777)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
    return list(texts)
