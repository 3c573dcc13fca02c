"""The statistics graph: counted once by the build, equal to what counting at query time gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_kg.app import create_app
from alliance_kg.package_data import view_path
from alliance_kg.project import INFERRED_GRAPH, Project
from alliance_kg.query_files import read_query
from alliance_kg.store.backend import EXTENSION as STORE
from alliance_kg.store.embedded import Store
from alliance_kg.store.statistics import STATISTICS_GRAPH

from .endpoint_support import write_build

LIVE = {
    "void-properties": "SELECT ?property (COUNT(*) AS ?triples) "
    "WHERE { ?s ?property ?o } GROUP BY ?property ORDER BY ?property",
    "void-classes": "SELECT ?class (COUNT(DISTINCT ?e) AS ?entities) "
    "WHERE { ?e a ?class } GROUP BY ?class ORDER BY ?class",
    "void-graphs": "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } "
    f"FILTER (?graph != <{STATISTICS_GRAPH}>) }} GROUP BY ?graph ORDER BY ?graph",
}
INFERRED_BY_PROPERTY = (
    f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }} "
    "GROUP BY ?p ORDER BY ?p"
)
SCALE_QUERIES = Path(__file__).resolve().parents[1] / "benchmarks" / "scale-queries"
ENTITIES = (
    "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . "
    'FILTER (STRSTARTS(STR(?s), "https://w3id.org/alliance-kg/id/") '
    '&& !STRSTARTS(STR(?s), "https://w3id.org/alliance-kg/id/source/") '
    '&& !STRSTARTS(STR(?s), "https://w3id.org/alliance-kg/id/statement/")) }'
)


def rows(store: Store, text: str) -> list[tuple[str, ...]]:
    return [tuple(str(term) for term in row) for row in store.query(text)]


@pytest.fixture(scope="module")
def store(built: Project) -> Store:
    return Store.open(built.build_dir / "current")


@pytest.mark.parametrize("view", sorted(LIVE))
def test_each_view_reads_what_counting_at_query_time_gives(store: Store, view: str) -> None:
    counted = rows(store, read_query(view_path(view)).text)
    assert len(counted) >= 6
    assert counted == rows(store, LIVE[view])


def test_the_inferred_graph_and_the_entities_are_counted_too(store: Store) -> None:
    partitions = rows(
        store,
        f"""PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?p ?n WHERE {{ GRAPH <{STATISTICS_GRAPH}> {{
          ?subset <http://www.w3.org/ns/sparql-service-description#name> <{INFERRED_GRAPH}> ;
            void:propertyPartition [ void:property ?p ; void:triples ?n ] }} }} ORDER BY ?p""",
    )
    assert partitions and partitions == rows(store, INFERRED_BY_PROPERTY)
    entities = rows(
        store,
        f"SELECT ?n WHERE {{ GRAPH <{STATISTICS_GRAPH}> {{ "
        f"<{STATISTICS_GRAPH}#dataset> <http://rdfs.org/ns/void#entities> ?n }} }}",
    )
    assert entities == rows(store, ENTITIES)


def test_the_statistics_stay_out_of_the_default_graph(store: Store) -> None:
    assert not store.query("ASK { ?s <http://rdfs.org/ns/void#propertyPartition> ?o }")
    assert store.query(f"ASK {{ GRAPH <{STATISTICS_GRAPH}> {{ ?s ?p ?o }} }}")


def test_an_update_is_counted_again(built: Project) -> None:
    store = Store.open(built.build_dir / "current")
    before = dict(rows(store, read_query(view_path("void-properties")).text))
    store.update(
        "INSERT DATA { GRAPH <https://w3id.org/alliance-kg/graph/mine> "
        "{ <https://w3id.org/alliance-kg/id/x> <https://example.org/new> 1 } }"
    )
    after = dict(rows(store, read_query(view_path("void-properties")).text))
    assert (
        after.pop("<https://example.org/new>") == '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    )
    assert after == before
    assert rows(store, read_query(view_path("void-graphs")).text) == rows(
        store, LIVE["void-graphs"]
    )


def test_a_dataset_without_statistics_is_counted_at_open(tmp_path: Path) -> None:
    store = Store.open(write_build(tmp_path / "build"))
    counted = rows(store, read_query(view_path("void-graphs")).text)
    assert counted == rows(store, LIVE["void-graphs"]) and len(counted) == 3


def test_the_stated_facts_partitions_are_the_assertions_by_predicate(store: Store) -> None:
    from_statistics = rows(store, read_query(SCALE_QUERIES / "assertions-per-predicate.rq").text)
    counted = rows(store, read_query(SCALE_QUERIES / "assertions-per-predicate-counted.rq").text)
    assert len(counted) > 50
    assert from_statistics == counted


def test_updates_through_the_endpoint_on_a_build_are_accepted_and_counted(
    built: Project, tmp_path: Path
) -> None:
    """A build's manifest names the statistics graph; counting it again after an update must
    not read as the update changing a read-only graph."""
    app = create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(built.build_dir / "current"),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "UPDATE_TOKEN": "t",
            "WARM_PAGES": False,
        }
    )
    client = app.test_client()
    update = (
        "INSERT DATA { GRAPH <https://example.org/mine> { <urn:a> <urn:b> 'c' } . "
        "<urn:d> <https://example.org/only-in-the-default-graph> 'e' }"
    )
    answer = client.post("/update", data={"update": update}, headers={"Authorization": "Bearer t"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    store = app.extensions[STORE]
    one = '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    graphs = dict(rows(store, read_query(view_path("void-graphs")).text))
    assert graphs["<https://example.org/mine>"] == one
    properties = dict(rows(store, read_query(view_path("void-properties")).text))
    assert properties["<https://example.org/only-in-the-default-graph>"] == one
    assert rows(store, read_query(view_path("void-properties")).text) == rows(
        store, LIVE["void-properties"]
    )
