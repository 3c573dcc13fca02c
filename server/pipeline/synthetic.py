"""Deterministic synthetic data for benchmarks at scale, in the shape of the real build.

`generate` writes N essays' worth: essay 0 is the built dataset itself, so the example queries
keep their real answers; essay k > 0 is the built essay recast. Its segments, statements,
background resources and per-source graphs get names of their own, its words are swapped for
others of the same length (so every NIF offset stays right), and each actor, alliance, issue,
region, weapon or year it mentions is drawn from a population all essays share, by a Zipf law:
rank 1 is the essay's own individual (Japan, the United States...), rank r its r-th variant.
So the most common actors recur across essays as they do in real writing, and facts, text,
provenance (recomputed statement IRIs) and inferences keep the real build's proportions.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS, SKOS

from ..project import GRAPH_NS, ID_NS, ONTOLOGY_GRAPH, SOURCE_NS, STATEMENT_NS
from ..store.build_files import DATASET_FILE, MANIFEST_FILE
from ..store.statistics import STATISTICS, STATISTICS_GRAPH, Tally
from ..vocab import AKG, NIF
from .search_index import SEARCH_FILE, facts_of_dataset, write_index

SHARED_KINDS = ("actor", "alliance", "issue", "region", "weapon", "time")
POPULATION = 10_000  # variants per shared individual; fixed, so a run is a prefix of a longer one
ZIPF_EXPONENT = 1.1
RENAMED_GRAPHS = (GRAPH_NS + "source/", GRAPH_NS + "text/")
LABELS = {str(RDFS.label), str(SKOS.altLabel)}
ANCHOR = str(NIF.anchorOf)
REIFICATION = {str(RDF.subject): 0, str(RDF.predicate): 1, str(RDF.object): 2}
ASSERTED_IN = str(AKG.assertedIn)
WORD = re.compile(r"[^\W\d_]+")


def _is_ontology(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == ONTOLOGY_GRAPH


def _shared_kind(iri: str) -> bool:
    return iri.startswith(ID_NS) and iri[len(ID_NS) :].split("/", 1)[0] in SHARED_KINDS


def _per_essay(iri: str) -> bool:
    """Graphs, segments, background resources, events, phases...: each essay has its own."""
    if iri.startswith(RENAMED_GRAPHS):
        return True
    return iri.startswith(ID_NS) and not iri.startswith(STATEMENT_NS) and not _shared_kind(iri)


@dataclass
class Template:
    """The built essay, taken apart once: its data quads, statements, individuals and words."""

    quads: list[ox.Quad]
    statements: dict[str, list] = field(default_factory=dict)
    individuals: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    words: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, quads: Iterable[ox.Quad]) -> Template:
        template = cls([q for q in quads if not _is_ontology(q)])
        iris = set()
        vocabulary: set[str] = set()
        for quad in template.quads:
            for term in (quad.subject, quad.object, quad.graph_name):
                if isinstance(term, ox.NamedNode):
                    iris.add(term.value)
            if quad.predicate.value == ANCHOR:
                vocabulary.update(WORD.findall(quad.object.value))
            if quad.subject.value.startswith(STATEMENT_NS):
                parts = template.statements.setdefault(quad.subject.value, [None] * 4)
                if quad.predicate.value in REIFICATION:
                    parts[REIFICATION[quad.predicate.value]] = quad.object
                elif quad.predicate.value == ASSERTED_IN:
                    parts[3] = quad.object
        template.individuals = sorted(iri for iri in iris if _shared_kind(iri))
        template.renamed = sorted(iri for iri in iris if _per_essay(iri))
        for word in sorted(vocabulary):
            template.words.setdefault(len(word), []).append(word)
        return template


def _zipf_cumulative(population: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, population + 1)))


@dataclass
class _Essay:
    """The renaming that turns the template into essay `number`."""

    number: int
    nodes: dict[str, ox.NamedNode]
    variants: dict[str, int]
    words: dict[str, str]
    reified_labels: dict[str, ox.Literal] = field(default_factory=dict)

    def term(self, term):
        if isinstance(term, ox.NamedNode):
            return self.nodes.get(term.value, term)
        return term

    def label(self, subject: str, value: ox.Literal) -> ox.Literal:
        """A recast individual's label, marked with its variant or essay, so labels differ."""
        if subject not in self.nodes:
            return value
        rank = self.variants.get(subject)
        suffix = f" ({rank})" if rank else f" (essay {self.number})"
        return ox.Literal(value.value + suffix, language=value.language)

    def object(self, quad: ox.Quad):
        """The object, with an anchor's words swapped and labels marked, statements' too."""
        value = quad.object
        if not isinstance(value, ox.Literal):
            return self.term(value)
        if quad.predicate.value == ANCHOR:
            text = WORD.sub(lambda m: self.words.get(m.group(), m.group()), value.value)
            return ox.Literal(text, datatype=value.datatype)
        if quad.predicate.value in LABELS:
            return self.label(quad.subject.value, value)
        return self.reified_labels.get(quad.subject.value, value)


def _essay_iri(iri: str, number: int) -> str:
    """`.../source/{slug}-e{n}/p2-s1` for a segment, as a source of that slug would name it."""
    if iri.startswith(SOURCE_NS):
        slug, slash, segment = iri[len(SOURCE_NS) :].partition("/")
        return f"{SOURCE_NS}{slug}-e{number}{slash}{segment}"
    return f"{iri}-e{number}"


def _essay(template: Template, number: int, seed: int, cumulative: list[float]) -> _Essay:
    chance = random.Random(f"{seed}/{number}")
    total = cumulative[-1]
    variants = {}
    nodes = {}
    for iri in template.individuals:
        rank = bisect.bisect_left(cumulative, chance.random() * total) + 1
        variants[iri] = rank
        if rank > 1:
            nodes[iri] = ox.NamedNode(f"{iri}-v{rank}")
    for iri in template.renamed:
        nodes[iri] = ox.NamedNode(_essay_iri(iri, number))
    words = {}
    for group in template.words.values():
        shuffled = group[:]
        chance.shuffle(shuffled)
        words.update(zip(group, shuffled, strict=True))
    essay = _Essay(number, nodes, variants, words)
    for iri, (subject, predicate, stated, graph) in template.statements.items():
        value = essay.term(stated)
        if predicate.value in LABELS:
            value = essay.reified_labels[iri] = essay.label(subject.value, stated)
        key = " ".join(str(essay.term(t)) for t in (subject, predicate, value, graph))
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        nodes[iri] = ox.NamedNode(STATEMENT_NS + digest)
    return essay


def generate(quads: Iterable[ox.Quad], essays: int, seed: int = 0) -> Iterator[ox.Quad]:
    """The built dataset (`quads`) followed by `essays - 1` synthetic essays recast from it."""
    quads = list(quads)
    yield from quads
    template = Template.of(quads)
    cumulative = _zipf_cumulative(POPULATION, ZIPF_EXPONENT)
    for number in range(1, essays):
        essay = _essay(template, number, seed, cumulative)
        for quad in template.quads:
            yield ox.Quad(
                essay.term(quad.subject),
                quad.predicate,
                essay.object(quad),
                essay.term(quad.graph_name),
            )


def essays_for(triples: int, build: Path) -> int:
    """How many essays make about `triples` quads, the built dataset counting as the first."""
    manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
    ontology = manifest["graphs"].get(ONTOLOGY_GRAPH, 0)
    essay = manifest["triples"] - manifest["graphs"].get(STATISTICS_GRAPH, 0)
    return max(1, round((triples - ontology) / (essay - ontology)))


def write_dataset(build: Path, target: Path, essays: int, seed: int = 0) -> Path:
    """A build folder (`dataset.nq`, its search index, `manifest.json`) of `essays` essays."""
    manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
    parsed = ox.parse(path=build / DATASET_FILE, format=ox.RdfFormat.N_QUADS)
    base = (quad for quad in parsed if quad.graph_name != STATISTICS)
    graphs: Counter[str] = Counter()
    tally = Tally()

    def counted(stream: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        """Each quad once: essays recast from one template repeat some facts of the graphs
        they share (background, inferred, provenance), which a build would hold once."""
        written: set[int] = set()
        for quad in stream:
            key = hash(quad)
            if key in written:
                continue
            written.add(key)
            graphs[quad.graph_name.value] += 1
            tally.add(quad)
            yield quad
        statistics = tally.quads()  # last, once every other quad is counted
        graphs[STATISTICS_GRAPH] += len(statistics)
        yield from statistics

    target.mkdir(parents=True, exist_ok=True)
    dataset = target / DATASET_FILE
    ox.serialize(counted(generate(base, essays, seed)), output=dataset, format=ox.RdfFormat.N_QUADS)
    manifest.update(
        version=f"{manifest['version']}-synthetic-{essays}-seed{seed}",
        triples=sum(graphs.values()),
        graphs=dict(sorted(graphs.items())),
        synthetic={"essays": essays, "seed": seed, "from": manifest["version"]},
    )
    search = target / SEARCH_FILE
    search.unlink(missing_ok=True)
    write_index(facts_of_dataset(dataset), search, manifest["version"]).close()
    (target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return target
