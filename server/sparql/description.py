"""Machine-readable descriptions: the SPARQL 1.1 Service Description, and VoID.

Both are small graphs computed from named queries (`queries/views/void-*.rq`), built once per
dataset version and host, and served in any RDF format the endpoint writes. Blank nodes get
fixed labels, so every worker process writes the same bytes, and the ETag is their digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, VOID, DefinedNamespace, Namespace

from ..package_data import view_path
from ..project import ID_NS
from ..query_files import read_query
from ..store.backend import Backend
from ..store.statistics import integer, node
from ..store.version_cache import per_version
from . import caching, negotiation, protocol
from .call import Call, Reply

CACHE = "alliance_kg.descriptions"
DUMP_PATH = "dump.nq.gz"  # served by pages/dataset.py


class SD(DefinedNamespace):
    """The SPARQL 1.1 Service Description terms this endpoint states."""

    _fail = True
    _NS = Namespace("http://www.w3.org/ns/sparql-service-description#")

    Service: object
    Dataset: object
    Graph: object
    NamedGraph: object
    endpoint: object
    supportedLanguage: object
    SPARQL11Query: object
    SPARQL11Update: object
    resultFormat: object
    feature: object
    UnionDefaultGraph: object
    BasicFederatedQuery: object
    defaultDataset: object
    defaultGraph: object
    namedGraph: object
    name: object
    graph: object


FORMATS = Namespace("http://www.w3.org/ns/formats/")
RESULT_FORMATS = (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG",
)  # fmt: skip
PREFIXES = {
    "sd": str(SD._NS),
    "void": str(VOID),
    "dcterms": str(DCTERMS),
    "formats": str(FORMATS),
    "rdf": str(RDF),
}

Triples = list[ox.Triple]


def _rows(store: Backend, name: str) -> list[ox.QuerySolution]:
    text = read_query(view_path(name)).text
    return list(store.query(text))


def _graph_counts(store: Backend) -> list[tuple[str, int]]:
    return [(row["graph"].value, int(row["triples"].value)) for row in _rows(store, "void-graphs")]


def _union_count(properties: list[ox.QuerySolution]) -> int:
    """The default graph's triples, counted as queries see them (the union, each triple once):
    the property partitions' counts, since every triple has one property."""
    return sum(int(row["triples"].value) for row in properties)


def service_description(call: Call) -> Triples:
    """sd:Service with its languages, formats, features and the default dataset's graphs."""
    store, base = call.store, call.request.host_url
    service = node(base + "sparql")
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default-graph")
    triples = [
        ox.Triple(service, node(RDF.type), node(SD.Service)),
        ox.Triple(service, node(SD.endpoint), service),
        ox.Triple(service, node(SD.supportedLanguage), node(SD.SPARQL11Query)),
        ox.Triple(service, node(SD.feature), node(SD.UnionDefaultGraph)),
        ox.Triple(service, node(SD.defaultDataset), dataset),
        ox.Triple(dataset, node(RDF.type), node(SD.Dataset)),
        ox.Triple(dataset, node(SD.defaultGraph), default),
        ox.Triple(default, node(RDF.type), node(SD.Graph)),
    ]
    if call.config["UPDATE_TOKEN"]:
        triples.append(ox.Triple(service, node(SD.supportedLanguage), node(SD.SPARQL11Update)))
    triples += [
        ox.Triple(service, node(SD.resultFormat), node(FORMATS[name])) for name in RESULT_FORMATS
    ]
    for number, (iri, count) in enumerate(_graph_counts(store)):
        named, graph = ox.BlankNode(f"named-graph-{number}"), ox.BlankNode(f"graph-{number}")
        triples += [
            ox.Triple(dataset, node(SD.namedGraph), named),
            ox.Triple(named, node(RDF.type), node(SD.NamedGraph)),
            ox.Triple(named, node(SD.name), ox.NamedNode(iri)),
            ox.Triple(named, node(SD.graph), graph),
            ox.Triple(graph, node(RDF.type), node(SD.Graph)),
            ox.Triple(graph, node(VOID.triples), integer(count)),
        ]
    total = _union_count(_rows(store, "void-properties"))
    triples.append(ox.Triple(default, node(VOID.triples), integer(total)))
    return triples


@dataclass(frozen=True)
class VoidFigures:
    """What VoID states of the dataset, for its RDF and for its HTML page alike."""

    classes: list[ox.QuerySolution]  # ?class ?entities
    properties: list[ox.QuerySolution]  # ?property ?triples
    graphs: list[tuple[str, int]]  # each named graph's IRI and size

    @property
    def triples(self) -> int:
        return _union_count(self.properties)


def void_figures(store: Backend) -> VoidFigures:
    return VoidFigures(
        _rows(store, "void-classes"), _rows(store, "void-properties"), _graph_counts(store)
    )


def void_description(call: Call) -> Triples:
    """void:Dataset with its size, classes, properties, named graphs as subsets, and its dump
    (`/dump.nq.gz`, gzip-compressed N-Quads, each fact in its named graph)."""
    base = call.request.host_url
    dataset = node(base + ".well-known/void#dataset")
    figures = void_figures(call.store)
    classes, properties, graphs = figures.classes, figures.properties, figures.graphs
    triples = [
        ox.Triple(dataset, node(RDF.type), node(VOID.Dataset)),
        ox.Triple(dataset, node(DCTERMS.title), ox.Literal("alliance-kg", language="en")),
        ox.Triple(dataset, node(VOID.sparqlEndpoint), node(base + "sparql")),
        ox.Triple(dataset, node(VOID.dataDump), node(base + DUMP_PATH)),
        ox.Triple(dataset, node(VOID.feature), node(FORMATS["N-Quads"])),
        ox.Triple(dataset, node(VOID.uriSpace), ox.Literal(ID_NS)),
        ox.Triple(dataset, node(VOID.triples), integer(figures.triples)),
        ox.Triple(dataset, node(VOID.classes), integer(len(classes))),
        ox.Triple(dataset, node(VOID.properties), integer(len(properties))),
    ]
    for number, row in enumerate(classes):
        part = ox.BlankNode(f"class-{number}")
        triples += [
            ox.Triple(dataset, node(VOID.classPartition), part),
            ox.Triple(part, node(VOID["class"]), row["class"]),
            ox.Triple(part, node(VOID.entities), integer(row["entities"].value)),
        ]
    for number, row in enumerate(properties):
        part = ox.BlankNode(f"property-{number}")
        triples += [
            ox.Triple(dataset, node(VOID.propertyPartition), part),
            ox.Triple(part, node(VOID.property), row["property"]),
            ox.Triple(part, node(VOID.triples), integer(row["triples"].value)),
        ]
    for number, (iri, count) in enumerate(graphs):
        subset = ox.BlankNode(f"graph-{number}")
        triples += [
            ox.Triple(dataset, node(VOID.subset), subset),
            ox.Triple(subset, node(RDF.type), node(VOID.Dataset)),
            ox.Triple(subset, node(RDF.type), node(SD.NamedGraph)),
            ox.Triple(subset, node(SD.name), ox.NamedNode(iri)),
            ox.Triple(subset, node(VOID.triples), integer(count)),
        ]
    return triples


def respond(call: Call, build: Callable[[Call], Triples], formats: list[str]) -> Reply:
    """A description in the negotiated format, built once per version, host and format.

    The ETag is a digest of the bytes themselves, so it is strong across worker processes.
    """
    base = call.request.host_url
    fmt = negotiation.choose(call.request.headers.get("Accept"), formats, negotiation.GRAPH)
    key = (build.__name__, base, fmt.media_type)
    cache: dict[tuple[str, str, str], tuple[bytes, str]] = per_version(
        call.extensions, CACHE, call.store, dict
    )
    cached = cache.get(key)
    if cached is None:
        triples = build(call)
        body = ox.serialize(triples, format=fmt.engine, prefixes=PREFIXES) or b""
        if len(cache) > 64:  # one entry per host name and format: never let it grow unbounded
            cache.clear()
        cached = cache[key] = (body, bytes_etag(body, fmt.media_type))
    body, etag = cached
    if caching.matches(call.request, etag):
        return Reply.not_modified(etag)
    return Reply.tagged(body, fmt.content_type, etag)


def bytes_etag(body: bytes, media_type: str) -> str:
    """A strong entity tag that names exactly these bytes of this media type."""
    digest = hashlib.blake2b(body, digest_size=12)
    digest.update(b"\x00" + media_type.encode())
    return f'"{digest.hexdigest()}"'


def void(call: Call) -> Reply | None:
    """VoID: triple counts, classes, properties and the named graphs of the served dataset.
    None hands a browser's visit, negotiated to HTML, to its page (`pages/dataset.py`)."""
    formats = protocol.wanted_formats(call.url_params())
    accept = call.request.headers.get("Accept")
    if not formats and negotiation.by_accept(accept, negotiation.GRAPH, html=True) is None:
        return None
    return respond(call, void_description, formats)
