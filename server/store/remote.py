"""A remote SPARQL 1.1 store as the backend (Virtuoso, Fuseki, GraphDB), through SPARQLWrapper.

Every query keeps this server's checks and time limit, and must first parse as standard SPARQL
1.1 here, so a store's own extensions (Virtuoso's `DEFINE get:soft`, which fetches URLs) never
reach it. The store sees only the project's graphs: each query names every graph under
`graph/` as `named-graph-uri`, and as `default-graph-uri` the deduplicated union `UNION_GRAPH`
if the store holds it, else every graph (whose merge Virtuoso 7.2 returns as a bag: a triple
held by two graphs comes back twice). The store's own system graphs stay out of every answer.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.error import URLError

import pyoxigraph as ox
from rdflib.namespace import XSD
from SPARQLWrapper import POST, TURTLE, URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from ..project import GRAPH_NS, ID_NS
from .statistics import STATISTICS_GRAPH

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
SCHEME = "sparql+"
REFRESH_SECONDS = 30.0
GRAPHS_QUERY = f"""SELECT ?graph (COUNT(*) AS ?triples)
WHERE {{ GRAPH ?graph {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?graph), "{GRAPH_NS}")) }}
GROUP BY ?graph"""
ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
BASE_IRI = ID_NS  # what relative IRIs in queries and updates resolve against, on every store
UNION_GRAPH = "urn:x-alliance-kg:union"  # every triple of the project's graphs, once
NO_GRAPH = "urn:x-alliance-kg:no-graph"  # named to mean "no graph": Virtuoso reads none as all
UNION_QUERY = f"ASK {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }}"
BOOLEAN_LITERAL = re.compile(
    rb'(<literal datatype="' + re.escape(str(XSD.boolean).encode()) + rb'">)\s*(0|1)\s*<'
)
BOOLEAN_FORMS = {b"0": b"false", b"1": b"true"}
PARSER = ox.Store()  # always empty: running a query on it checks its syntax, nothing more


class BackendError(Exception):
    """The remote store failed or did not answer: the client gets a 502 or 504 naming it."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


def endpoint_url(backend: str) -> str:
    """`sparql+http://host/sparql` as the plain URL of the store's query endpoint."""
    if not backend.startswith((SCHEME + "http://", SCHEME + "https://")):
        raise ValueError(
            f"BACKEND {backend!r} must look like sparql+http://HOST:PORT/sparql "
            "(or sparql+https://...)"
        )
    return backend.removeprefix(SCHEME)


@dataclass
class RemoteStore:
    """The query endpoint of a store that `alliance-kg publish` filled."""

    url: str
    timeout: float
    version: str = ""
    graphs: dict[str, int] = field(default_factory=dict)
    union: bool = False  # the store holds `UNION_GRAPH`
    updatable = False
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, backend: str, *, timeout: float) -> RemoteStore:
        """Connect and read the store's graphs now, so a wrong URL fails at start."""
        store = cls(endpoint_url(backend), timeout)
        store.refresh()
        if not store.graphs:
            raise BackendError(
                f"{store.url} holds no graph under {GRAPH_NS}: run `alliance-kg publish` first"
            )
        return store

    def refresh(self) -> None:
        """Re-read the graphs, their sizes and whether the union is stored; the version
        changes when any of them does."""
        solutions = self._fetch(GRAPHS_QUERY, [], [])
        assert isinstance(solutions, ox.QuerySolutions)
        graphs = {row["graph"].value: int(row["triples"].value) for row in solutions}
        union = self._fetch(UNION_QUERY, [], [])
        assert isinstance(union, ox.QueryBoolean)
        listing = "".join(f"{graph} {count}\n" for graph, count in sorted(graphs.items()))
        listing += f"union {bool(union)}\n"
        self.graphs, self.union = graphs, bool(union)
        self.version = "remote-" + hashlib.sha1(listing.encode()).hexdigest()[:16]
        self.checked_at = time.monotonic()

    def _maybe_refresh(self) -> None:
        """At most every REFRESH_SECONDS: data published since then shows up, with a new ETag."""
        if time.monotonic() - self.checked_at < REFRESH_SECONDS:
            return
        with self.lock:
            if time.monotonic() - self.checked_at >= REFRESH_SECONDS:
                self.refresh()

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result:
        """Parse here, then run on the store over the project's graphs (or the ones given:
        None for the service's default, a list for exactly those graphs, perhaps none)."""
        form = PARSER.query(sparql, base_iri=BASE_IRI)  # the embedded store's SyntaxError
        self._maybe_refresh()
        if default_graphs is None and self.union:
            default_graphs = [UNION_GRAPH]
        elif default_graphs is None:  # the data's graphs, not the statistics describing them
            default_graphs = sorted(set(self.graphs) - {STATISTICS_GRAPH})
        if named_graphs is None:
            named_graphs = sorted(self.graphs)
        return self._fetch(
            f"BASE <{BASE_IRI}>\n{sparql}",
            default_graphs or [NO_GRAPH],
            named_graphs or [NO_GRAPH],
            is_graph=isinstance(form, ox.QueryTriples),
        )

    def _fetch(
        self,
        sparql: str,
        default_graphs: list[str],
        named_graphs: list[str],
        *,
        is_graph: bool = False,
    ) -> Result:
        client = SPARQLWrapper(self.url)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)
        client.setTimeout(max(1, round(self.timeout)))
        client.setQuery(sparql)
        client.queryType = "CONSTRUCT" if is_graph else "SELECT"  # its own guess reads comments
        for graph in default_graphs:
            client.addParameter("default-graph-uri", graph)
        for graph in named_graphs:
            client.addParameter("named-graph-uri", graph)
        client.setReturnFormat(TURTLE if is_graph else XML)
        try:
            body = client.query().response.read()
        except QueryBadFormed as error:
            raise SyntaxError(f"the remote store refused the query: {_reason(error)}") from None
        except SPARQLWrapperException as error:
            raise BackendError(f"the remote store failed: {_reason(error)}") from None
        except (URLError, OSError) as error:
            reason = error.reason if isinstance(error, URLError) else error
            if isinstance(reason, TimeoutError):
                raise BackendError(
                    f"the remote store did not answer within {self.timeout:g} s", timed_out=True
                ) from None
            raise BackendError(f"the remote store at {self.url} is unreachable: {reason}") from None
        if is_graph:
            return _as_triples(body)
        return ox.parse_query_results(_standard_terms(body), format=ox.QueryResultsFormat.XML)

    def named_graphs(self) -> set[str]:
        return set(self.graphs)

    def update(self, sparql: str) -> None:
        raise BackendError("this server reads a remote store: send updates to the store itself")


def _as_triples(turtle: bytes) -> ox.QueryTriples:
    """The store's graph answer as the embedded engine's own result type."""
    scratch = ox.Store()
    scratch.load(turtle, format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    triples = scratch.query(ALL_TRIPLES)
    assert isinstance(triples, ox.QueryTriples)
    return triples


def _standard_terms(results: bytes) -> bytes:
    """Virtuoso's XML results as the standard writes them: its xsd:boolean 1 and 0 as true and
    false (the same values), its blank nodes `nodeID://b1` as plain labels `b1`."""
    results = results.replace(b"<bnode>nodeID://", b"<bnode>")
    return BOOLEAN_LITERAL.sub(lambda found: found[1] + BOOLEAN_FORMS[found[2]] + b"<", results)


def _reason(error: SPARQLWrapperException) -> str:
    """The store's own message, without SPARQLWrapper's preamble or the echoed query."""
    text = str(error)
    _, _, response = text.partition("Response:\n")
    message = (response or text).strip().removeprefix("b'").replace("\\n", "\n")
    return message.splitlines()[0][:300] if message else type(error).__name__
