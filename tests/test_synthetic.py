"""The synthetic-data generator: deterministic, keeps the essay, shares actors, stays valid."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph

from alliance_kg.pipeline.synthetic import essays_for, write_dataset
from alliance_kg.pipeline.validate import check_queries
from alliance_kg.project import INFERRED_GRAPH, Project
from alliance_kg.store.build_files import DATASET_FILE, MANIFEST_FILE
from alliance_kg.store.statistics import STATISTICS_GRAPH

ACTOR = "https://w3id.org/alliance-kg/id/actor/"


@pytest.fixture(scope="module")
def generated(built: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(built.build_dir / "current", tmp_path_factory.mktemp("synthetic"), 4)


def loaded(build: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=build / DATASET_FILE, format=ox.RdfFormat.N_QUADS)
    return store


def test_same_seed_gives_identical_bytes(built: Project, generated: Path, tmp_path: Path) -> None:
    again = write_dataset(built.build_dir / "current", tmp_path / "again", 4)
    other = write_dataset(built.build_dir / "current", tmp_path / "other", 4, seed=1)
    data = (generated / DATASET_FILE).read_bytes()
    assert (again / DATASET_FILE).read_bytes() == data
    assert (other / DATASET_FILE).read_bytes() != data


def test_the_built_essay_comes_first_unchanged(built: Project, generated: Path) -> None:
    lines = (built.build_dir / "current" / DATASET_FILE).read_bytes().splitlines(keepends=True)
    data = b"".join(line for line in lines if not line.endswith(b"/graph/statistics> .\n"))
    assert len(data) < sum(map(len, lines))
    assert (generated / DATASET_FILE).read_bytes().startswith(data)


def test_manifest_counts_what_was_written(generated: Path) -> None:
    manifest = json.loads((generated / MANIFEST_FILE).read_text("utf-8"))
    lines = (generated / DATASET_FILE).read_bytes().count(b"\n")
    assert manifest["triples"] == sum(manifest["graphs"].values()) == lines
    assert manifest["synthetic"] == {"essays": 4, "seed": 0, "from": manifest["version"][:16]}
    assert sum(1 for g in manifest["graphs"] if "/graph/source/" in g) == 4


def test_essays_share_actors_by_a_zipf_draw(built: Project, tmp_path: Path) -> None:
    """The essay's own actors recur most; rarer variants appear in one essay or a few."""
    build = write_dataset(built.build_dir / "current", tmp_path, 40)
    text = (build / DATASET_FILE).read_text("utf-8")
    essays_naming = {}
    for line in text.splitlines():
        if f"<{ACTOR}" in line and "/graph/source/" in line:
            actor = line.split(">", 1)[0][1:]
            essays_naming.setdefault(actor, set()).add(line.rsplit("<", 1)[1])
    counts = sorted((len(graphs) for graphs in essays_naming.values()), reverse=True)
    assert counts[0] >= 5  # an actor named in at least five of the forty essays
    assert counts[-1] == 1  # and variants named in one essay only


PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX akg: <https://w3id.org/alliance-kg/ontology/> PREFIX prov: <http://www.w3.org/ns/prov#>
"""
STATEMENT = "?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; akg:assertedIn ?g"


def test_every_statement_has_its_fact_and_a_segment_and_every_fact_a_statement(
    generated: Path,
) -> None:
    store = loaded(generated)
    without_fact = f"ASK {{ {STATEMENT} FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    without_segment = "ASK { ?st a akg:Assertion FILTER NOT EXISTS { ?st prov:wasDerivedFrom ?x } }"
    without_statement = (
        "ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), '/graph/source/')) "
        f"FILTER NOT EXISTS {{ {STATEMENT} }} }}"
    )
    for query in (without_fact, without_segment, without_statement):
        assert not store.query(PREFIXES + query, use_default_graph_as_union=True), query


def test_generated_data_passes_the_check_queries_and_shapes(
    built: Project, generated: Path
) -> None:
    store = loaded(generated)
    assert check_queries(built, store) == []
    asserted = [  # as the build validates: every graph but the inferred one, merged
        line.rsplit(" <", 1)[0] + " ."
        for line in (generated / DATASET_FILE).read_text("utf-8").splitlines()
        if not line.endswith((f"<{INFERRED_GRAPH}> .", f"<{STATISTICS_GRAPH}> ."))
    ]
    data = Graph().parse(data="\n".join(asserted), format="nt")
    shapes = Graph()
    for path in built.shape_files():
        shapes.parse(path)
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    assert conforms, report


def test_essays_for_a_million_triples(built: Project, generated: Path) -> None:
    """The ontology is shared, each essay adds what the essay adds: the generated dataset of
    four essays grows by that much per essay, so the count for 1M lands within an essay (a
    recast essay adds a little less than the first: facts it shares with others count once)."""

    def data(manifest: dict) -> int:  # the statistics describe the data, they are not data
        return manifest["triples"] - manifest["graphs"][STATISTICS_GRAPH]

    manifest = json.loads((generated / MANIFEST_FILE).read_text("utf-8"))
    essay = json.loads((built.build_dir / "current" / MANIFEST_FILE).read_text("utf-8"))
    per_essay = (data(manifest) - data(essay)) / 3
    shared = data(essay) - per_essay
    essays = essays_for(1_000_000, built.build_dir / "current")
    assert abs(shared + essays * per_essay - 1_000_000) <= per_essay
