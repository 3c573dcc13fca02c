"""The dataset a query reads: the union default graph as a set, datasets named by the request,
and the base IRI, on the embedded store (in memory and on disk) and on Virtuoso.

The build holds one triple in two named graphs (`SHARED`): the default graph, the union of all
graphs, must return it once, in SELECT, COUNT, CONSTRUCT, the Graph Store and VoID. Virtuoso
merges graphs as a bag, so there the union is a graph of its own (`UNION_GRAPH`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from alliance_kg.app import create_app
from alliance_kg.pipeline.publish import Credentials, GraphStore
from alliance_kg.store.build_files import DATASET_FILE
from alliance_kg.store.embedded import Store
from alliance_kg.store.remote import UNION_GRAPH
from alliance_kg.store.statistics import STATISTICS_GRAPH, Tally

from . import conftest
from .endpoint_support import AKG, ID, SOURCE_GRAPH, TEXT_GRAPH, TRIG, G, make_app, solutions
from .virtuoso_support import PASSWORD, USER, Virtuoso, running_virtuoso

SECOND_GRAPH = G + "source/second-essay"
SHARED = f"<{ID}actor/tokyo> <{AKG}isPreoccupiedWith> <{ID}issue/abductions>"
DISTINCT_TRIPLES = 17  # the 17 quads of `TRIG`; `SHARED` again in SECOND_GRAPH adds none
MINE = "urn:alliance-kg:test:mine"
TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
NT = {"Accept": "application/n-triples"}
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SHARED_OBJECTS = f"SELECT ?o WHERE {{ <{ID}actor/tokyo> <{AKG}isPreoccupiedWith> ?o }}"
SHARED_GRAPHS = f"SELECT ?g WHERE {{ GRAPH ?g {{ {SHARED} }} }}"
ANY_GRAPH = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def shared_build(target: Path) -> Path:
    """The small test build, with `SHARED` also in a second named graph."""
    trig = TRIG + f"<{SECOND_GRAPH}> {{ {SHARED} . }}\n"
    return conftest.write_build(target, trig, "shared-triple-1")


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    build = shared_build(tmp_path / "shared")
    return make_app(tmp_path, BUILD_DIR=str(build), UPDATE_TOKEN=TOKEN).test_client()


def select(client: FlaskClient, query: str, **params: object) -> list[dict[str, str]]:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.data
    return solutions(response)


def count(client: FlaskClient, query: str = COUNT_ALL, **params: object) -> int:
    return int(select(client, query, **params)[0]["n"])


def triple_lines(data: bytes) -> list[str]:
    """The lines of an N-Triples answer, repeats kept, to see a triple returned twice."""
    return [line for line in data.decode().splitlines() if line.strip()]


def described(client: FlaskClient, path: str) -> ox.Store:
    """A description (VoID, the service description) in a store, to query."""
    store = ox.Store()
    store.load(client.get(path, headers=NT).data, ox.RdfFormat.N_TRIPLES)
    return store


def stated(description: ox.Store, pattern: str) -> list[int]:
    """The `void:triples` stated of the nodes `?x` that `pattern` finds, in order."""
    rows = description.query(f"SELECT ?n WHERE {{ {pattern} ?x <{VOID}triples> ?n }}")
    assert isinstance(rows, ox.QuerySolutions)
    return sorted(int(row["n"].value) for row in rows)


# --- the union default graph is a set -----------------------------------------------------


def test_a_triple_in_two_graphs_comes_back_once_from_the_default_graph(
    client: FlaskClient,
) -> None:
    assert [row["o"] for row in select(client, SHARED_OBJECTS)] == [f"{ID}issue/abductions"]
    graphs = {row["g"] for row in select(client, SHARED_GRAPHS)}
    assert graphs == {SOURCE_GRAPH, SECOND_GRAPH}  # each graph still holds it


def test_count_construct_and_the_graph_store_see_each_triple_once(client: FlaskClient) -> None:
    assert count(client) == DISTINCT_TRIPLES
    built = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers=NT
    )
    assert len(triple_lines(built.data)) == DISTINCT_TRIPLES
    default = client.get("/store?default", headers=NT)
    assert len(triple_lines(default.data)) == DISTINCT_TRIPLES


def test_void_and_the_service_description_count_distinct_triples(client: FlaskClient) -> None:
    void = described(client, "/.well-known/void")
    assert stated(void, f"?x <{VOID}sparqlEndpoint> ?endpoint .") == [DISTINCT_TRIPLES]
    assert stated(void, f"?dataset <{VOID}subset> ?x .") == [1, 1, 6, 10]  # each graph's own
    assert stated(void, f"?x <{VOID}property> <{AKG}isPreoccupiedWith> .") == [2]
    service = described(client, "/sparql")
    assert stated(service, f"?dataset <{SD}defaultGraph> ?x .") == [DISTINCT_TRIPLES]


def test_updates_keep_the_union_a_set(tmp_path: Path) -> None:
    build = shared_build(tmp_path / "shared")
    client = make_app(
        tmp_path, BUILD_DIR=str(build), UPDATE_TOKEN=TOKEN, UPDATE_ALLOW_ASSERTED=True
    ).test_client()

    def update(text: str) -> None:
        response = client.post("/update", data={"update": text}, headers=AUTH)
        assert response.status_code == 200, response.data

    update(f"INSERT DATA {{ GRAPH <{MINE}> {{ {SHARED} }} {SHARED} }}")  # and un-graphed
    assert len(select(client, SHARED_OBJECTS)) == 1
    assert count(client) == DISTINCT_TRIPLES
    both = f"GRAPH <{SOURCE_GRAPH}> {{ {SHARED} }} GRAPH <{SECOND_GRAPH}> {{ {SHARED} }}"
    update(f"DELETE DATA {{ {both} }}")
    assert len(select(client, SHARED_OBJECTS)) == 1  # <mine> and the default graph hold it
    update(f"DELETE DATA {{ GRAPH <{MINE}> {{ {SHARED} }} {SHARED} }}")
    assert select(client, SHARED_OBJECTS) == []
    assert count(client) == DISTINCT_TRIPLES - 1


def test_an_update_reads_the_stores_own_default_graph_not_the_union(
    client: FlaskClient,
) -> None:
    """As documented: un-graphed inserts land in the store's default graph, which an update's
    WHERE reads; queries see them in the union."""
    inserted = "INSERT DATA { <urn:new> <urn:p> 'own' }"
    assert client.post("/update", data={"update": inserted}, headers=AUTH).status_code == 200
    copy = f"INSERT {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    assert client.post("/update", data={"update": copy}, headers=AUTH).status_code == 200
    rows = select(client, f"SELECT ?s WHERE {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }}")
    assert rows == [{"s": "urn:new"}]
    assert count(client) == DISTINCT_TRIPLES + 1


def test_the_on_disk_store_holds_the_union_once(tmp_path: Path) -> None:
    build = shared_build(tmp_path / "shared")
    client = make_app(
        tmp_path, BUILD_DIR=str(build), STORE_DIR=str(tmp_path / "disk")
    ).test_client()
    assert count(client) == DISTINCT_TRIPLES
    assert len(select(client, SHARED_OBJECTS)) == 1


def test_an_on_disk_store_loaded_without_the_union_is_loaded_again(tmp_path: Path) -> None:
    build = shared_build(tmp_path / "shared")
    stale = tmp_path / "disk" / "shared-triple-1"  # as `loaded_directory` named it before
    stale.parent.mkdir()
    engine = ox.Store(str(stale))
    engine.bulk_load(path=str(build / DATASET_FILE), format=ox.RdfFormat.N_QUADS)
    engine.flush()
    del engine
    store = Store.open(build, tmp_path / "disk")
    counted = store.query(COUNT_ALL)
    assert isinstance(counted, ox.QuerySolutions)
    assert int(next(iter(counted))["n"].value) == DISTINCT_TRIPLES


# --- a dataset named by the request --------------------------------------------------------


def test_named_graphs_alone_give_an_empty_default_graph(client: FlaskClient) -> None:
    assert count(client, **{"named-graph-uri": SOURCE_GRAPH}) == 0
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{SOURCE_GRAPH}> {{ ?s ?p ?o }}") == 0
    rows = select(client, ANY_GRAPH, **{"named-graph-uri": SOURCE_GRAPH})
    assert rows == [{"g": SOURCE_GRAPH}]


def test_default_graphs_alone_give_no_named_graphs(client: FlaskClient) -> None:
    assert select(client, ANY_GRAPH, **{"default-graph-uri": TEXT_GRAPH}) == []
    assert (
        select(client, f"SELECT DISTINCT ?g FROM <{TEXT_GRAPH}> {{ GRAPH ?g {{ ?s ?p ?o }} }}")
        == []
    )
    assert count(client, **{"default-graph-uri": TEXT_GRAPH}) == 1


# --- the base IRI --------------------------------------------------------------------------


def test_relative_iris_in_queries_resolve_against_the_dataset_base(client: FlaskClient) -> None:
    query = "SELECT ?o WHERE { <actor/tokyo> <../ontology/isPreoccupiedWith> ?o }"
    assert select(client, query) == [{"o": f"{ID}issue/abductions"}]
    own_base = "BASE <http://example.org/> SELECT ?o WHERE { <actor/tokyo> ?p ?o }"
    assert select(client, own_base) == []


def test_relative_iris_in_updates_resolve_against_the_dataset_base(tmp_path: Path) -> None:
    store = Store.open(shared_build(tmp_path / "shared"))
    store.update("INSERT DATA { GRAPH <mine> { <actor/new> <../ontology/p> 'x' } }")
    answer = store.query(f"ASK {{ GRAPH <{ID}mine> {{ <{ID}actor/new> <{AKG}p> 'x' }} }}")
    assert bool(answer)


# --- the same on Virtuoso ------------------------------------------------------------------


@pytest.fixture(scope="module")
def virtuoso_with_union(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A private Virtuoso bulk-loaded with the build, its statistics graph as a build writes
    it, and the union graph the backend reads as the default graph: each triple once
    (docs/remote.md)."""
    build = shared_build(tmp_path_factory.mktemp("remote"))
    quads = list(ox.parse(path=build / DATASET_FILE, format=ox.RdfFormat.N_QUADS))
    with running_virtuoso(build / DATASET_FILE) as instance:
        graph_store = GraphStore(instance.graph_store_url, Credentials(USER, PASSWORD))
        statistics = [quad.triple for quad in Tally().extend(quads).quads()]
        body = ox.serialize(statistics, format=ox.RdfFormat.N_TRIPLES) or b""
        graph_store.send("PUT", STATISTICS_GRAPH, body)
        distinct = {quad.triple for quad in quads}
        body = ox.serialize(sorted(distinct, key=str), format=ox.RdfFormat.N_TRIPLES) or b""
        graph_store.send("PUT", UNION_GRAPH, body)
        yield instance


@pytest.fixture
def remote(virtuoso_with_union: Virtuoso) -> FlaskClient:
    return create_app({"TESTING": True, "BACKEND": virtuoso_with_union.backend}).test_client()


def test_virtuoso_returns_a_shared_triple_once_from_the_union(remote: FlaskClient) -> None:
    assert len(select(remote, SHARED_OBJECTS)) == 1
    assert {row["g"] for row in select(remote, SHARED_GRAPHS)} == {SOURCE_GRAPH, SECOND_GRAPH}
    assert count(remote) == DISTINCT_TRIPLES
    built = remote.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers=NT
    )
    assert len(triple_lines(built.data)) == DISTINCT_TRIPLES
    void = described(remote, "/.well-known/void")
    assert stated(void, f"?x <{VOID}sparqlEndpoint> ?endpoint .") == [DISTINCT_TRIPLES]
    assert UNION_GRAPH not in {row["g"] for row in select(remote, ANY_GRAPH)}


def test_virtuoso_takes_the_requests_dataset_as_named(remote: FlaskClient) -> None:
    assert count(remote, **{"named-graph-uri": SOURCE_GRAPH}) == 0
    assert select(remote, ANY_GRAPH, **{"named-graph-uri": SOURCE_GRAPH}) == [{"g": SOURCE_GRAPH}]
    assert select(remote, ANY_GRAPH, **{"default-graph-uri": TEXT_GRAPH}) == []
    assert count(remote, **{"default-graph-uri": TEXT_GRAPH}) == 1


def test_virtuoso_resolves_relative_iris_against_the_dataset_base(remote: FlaskClient) -> None:
    query = "SELECT ?o WHERE { <actor/tokyo> <../ontology/isPreoccupiedWith> ?o }"
    assert select(remote, query) == [{"o": f"{ID}issue/abductions"}]
